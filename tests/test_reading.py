"""The reading log through the CLI: read, note, fav, unfav, revisit, snooze, break, undo, log.

Bad inputs each exit 2 with one `Error:` line and write nothing.
"""

from __future__ import annotations

import pytest

from tests.conftest import snapshot

IE = "inference-engineering"


def test_read_records_sessions_and_statuses(run):
    run.ok("read", IE, "5.1", "--minutes", "25", "--percent", "40", "--note", "number formats first")
    run.ok("read", IE, "5.1", "--pages", "12", "--on", "yesterday")
    events = run.json("log")
    assert [e["event"] for e in events] == ["read", "read"]
    assert events[0]["pages"] == 12  # yesterday's session comes first in the log
    assert events[1]["minutes"] == 25 and events[1]["percent"] == 40
    assert events[1]["note"] == "number formats first"
    tree = {c["number"]: c for c in run.json("show", IE)["chapters"]}
    assert tree["5.1"]["status"] == "reading"
    assert tree["5"]["status"] == "reading"
    assert tree["5.2"]["status"] == "unread"


def test_done_records_one_finish_with_minutes(run):
    run.ok("read", IE, "Quantization", "--done", "--minutes", "30")
    (event,) = run.json("log")
    assert event["event"] == "finish" and event["minutes"] == 30 and event["chapter"] == "5.1"
    tree = {c["number"]: c for c in run.json("show", IE)["chapters"]}
    assert tree["5.1"]["status"] == "read"
    assert tree["5.1.1"]["status"] == "read"  # finishing a chapter finishes its sections


def test_book_read_when_every_top_level_chapter_is(run):
    for number in "01234567":
        run.ok("read", IE, number, "--done")
    book = next(b for b in run.json("books") if b["slug"] == IE)
    assert (book["status"], book["read"], book["total"]) == ("read", 8, 8)


def test_note_with_and_without_chapter(run):
    run.ok("note", IE, "the EAGLE part is the best", "--chapter", "5.2.3")
    run.ok("note", IE, "whole-book thought")
    notes = run.json("log")
    assert [(n["event"], n["chapter"]) for n in notes] == [("note", "5.2.3"), ("note", None)]
    assert "the EAGLE part is the best" in run.ok("show", IE).stdout


def test_fav_schedules_by_first_pass_grade(run):
    run.ok("read", IE, "2", "--done")
    run.ok("read", IE, "3", "--done")
    run.ok("read", IE, "4", "--done")
    run.ok("read", IE, "5", "--done")
    # SPEC §4.1: good 2 days, again/hard 1 day, easy 8 days (2026-03-02 is the reader's date).
    for chapter, rating, due in (("2", "good", "2026-03-04"), ("3", "again", "2026-03-03"),
                                 ("4", "hard", "2026-03-03"), ("5", "4", "2026-03-10")):
        assert due in run.ok("fav", IE, chapter, "--rating", rating).stdout
    tree = {c["number"]: c for c in run.json("show", IE)["chapters"]}
    assert tree["5"]["favourite"] and tree["5"]["due"] == "2026-03-10"
    assert [e["rating"] for e in run.json("log") if e["event"] == "favourite"] == ["good", "again", "hard", "easy"]


def test_revisit_prints_next_due_and_today_lists_it(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20")
    run.ok("fav", IE, "5.1", "--on", "2026-02-20")
    plan = run.json("today")
    (item,) = plan["revisit"]
    assert item["due"] == "2026-02-22" and item["overdue_days"] == 8
    assert 0 < item["recall"] < 1
    out = run.ok("revisit", IE, "5.1", "good", "--minutes", "10").stdout
    assert "next revisit 2026-" in out
    assert run.json("today")["revisit"] == []


def test_revisit_of_a_chapter_that_is_not_a_favourite(run):
    run.ok("read", IE, "6", "--done")
    out = run.ok("revisit", IE, "6", "good").stdout
    assert "tracker fav inference-engineering 6" in out
    assert run.json("log")[-1]["event"] == "revisit"
    assert run.json("agenda", "--days", "60") == run.json("agenda", "--days", "60")
    assert all(not d["revisits"] for d in run.json("agenda", "--days", "60"))


def test_unfav_suspends_and_fav_resumes_without_a_review(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-01")
    run.ok("fav", IE, "5.1", "--on", "2026-02-01")
    run.ok("unfav", IE, "5.1", "--on", "2026-02-02")
    assert run.json("today")["revisit"] == []
    run.ok("fav", IE, "5.1")
    (item,) = run.json("today")["revisit"]
    assert item["due"] == "2026-02-03"  # as it was: no new review


def test_snooze_days_and_until(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20")
    run.ok("fav", IE, "5.1", "--on", "2026-02-20")  # due 2026-02-22, overdue today (03-02)
    out = run.ok("snooze", IE, "5.1", "--days", "3").stdout
    assert "2026-03-05" in out  # 3 days after the later of due date and the reader's date
    run.ok("snooze", IE, "5.1", "--until", "2026-03-20")
    assert run.json("show", IE)["chapters"][0]["due"] is None
    due = {c["number"]: c["due"] for c in run.json("show", IE)["chapters"]}
    assert due["5.1"] == "2026-03-20"
    assert [e["until"] for e in run.json("log") if e["event"] == "snooze"] == ["2026-03-05", "2026-03-20"]


def test_break_moves_due_dates_after_it(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-28")
    run.ok("fav", IE, "5.1", "--on", "2026-02-28")  # due 2026-03-02
    out = run.ok("break", "--from", "2026-03-01", "--to", "2026-03-07").stdout
    assert "2026-03-08" in out
    due = {c["number"]: c["due"] for c in run.json("show", IE)["chapters"]}
    assert due["5.1"] == "2026-03-08"
    (event,) = [e for e in run.json("log") if e["event"] == "break"]
    assert event["until"] == "2026-03-07" and event["at"].startswith("2026-03-01T12:00")


def test_break_may_lie_ahead_and_new_due_dates_avoid_it(run):
    run.ok("break", "--from", "2026-03-03", "--to", "2026-03-06")
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")  # good: 2 days → 03-04, inside the break
    due = {c["number"]: c["due"] for c in run.json("show", IE)["chapters"]}
    assert due["5.1"] == "2026-03-07"
    run.ok("db", "check")


def test_undo_restores_exactly_the_state_before(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20")
    run.ok("fav", IE, "5.1", "--on", "2026-02-20")
    run.ok("revisit", IE, "5.1", "good", "--on", "2026-02-23")
    before = snapshot(run.db)
    run.ok("revisit", IE, "5.1", "again")
    assert snapshot(run.db) != before
    out = run.ok("undo").stdout
    assert "revisit" in out
    after = snapshot(run.db)

    def facts(tables):  # SQLite's id counter is not a fact of the library
        # SQLite's id counter is not a fact; the change journal records the undo itself.
        skip = {"sqlite_sequence", "changes", "change_rows"}
        return {k: sorted(v, key=repr) for k, v in tables.items() if k not in skip}

    assert facts(after) == facts(before)
    undone = max(e["id"] for e in run.json("log")) + 1
    run.ok("revisit", IE, "5.1", "good")
    assert run.json("log")[-1]["id"] > undone  # an undone event's id is never given again


def test_undo_by_id_of_an_older_event_replays_what_followed(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-01-10")
    run.ok("fav", IE, "5.1", "--on", "2026-01-10")
    run.ok("revisit", IE, "5.1", "hard", "--on", "2026-01-12")
    run.ok("revisit", IE, "5.1", "good", "--on", "2026-01-20")
    hard_id = [e["id"] for e in run.json("log") if e["rating"] == "hard"][0]
    run.ok("undo", hard_id, "--yes")
    assert [e["rating"] for e in run.json("log") if e["event"] == "revisit"] == ["good"]
    run.ok("db", "check")  # the stored card is what the remaining log gives


def test_backdated_event_replays_from_its_point(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-01-10")
    run.ok("fav", IE, "5.1", "--on", "2026-01-10")
    run.ok("revisit", IE, "5.1", "good", "--on", "2026-01-20")
    run.ok("revisit", IE, "5.1", "again", "--on", "2026-01-15")  # recorded later, happened earlier
    run.ok("db", "check")


def test_stop_and_resume_a_book(run):
    run.ok("read", IE, "0", "--done")
    run.ok("book", "stop", IE)
    assert next(b for b in run.json("books") if b["slug"] == IE)["status"] == "stopped"
    assert all(c["book"] != IE for c in run.json("today")["continue"])
    run.ok("read", IE, "1", "--percent", "10")
    assert next(b for b in run.json("books") if b["slug"] == IE)["status"] == "reading"
    assert run.json("log")[1]["event"] == "stop"


def test_log_filters(run):
    run.ok("read", IE, "0", "--on", "2026-02-01")
    run.ok("read", IE, "1", "--on", "2026-02-10")
    run.ok("read", "ai-engineering", "1", "--on", "2026-02-15")
    assert [e["chapter"] for e in run.json("log", "--since", "2026-02-10")] == ["1", "1"]
    assert [e["chapter"] for e in run.json("log", "--until", "2026-02-10")] == ["0", "1"]
    assert [e["book"] for e in run.json("log", "--book", "ai-engineering")] == ["ai-engineering"]
    assert [e["chapter"] for e in run.json("log", "--limit", "1")] == ["1"]
    event = run.json("log")[0]
    assert set(event) >= {"id", "at", "book", "chapter", "chapter_title", "resource", "event", "minutes",
                          "percent", "pages", "rating", "until", "note"}
    assert event["at"] == "2026-02-01T12:00:00+01:00"  # a date means noon local time


def test_today_short_and_continue(run):
    assert run.ok("today", "--short").stdout.strip() == "nothing due"
    run.ok("read", IE, "0", "--done")
    run.ok("read", IE, "1.2", "--percent", "50")
    plan = run.json("today")
    assert plan["continue"] == [{"book": IE, "chapter": "1.1", "title": "Scale and Specialization",
                                 "read": 1, "total": 8, **{k: v for k, v in plan["continue"][0].items()
                                                            if k not in ("book", "chapter", "title", "read", "total")}}]
    assert run.ok("today", "--short").stdout.strip() == f"next: {IE} 1.1"


def test_today_caps_revisits_and_counts_the_rest(run):
    for number in ("0", "1", "2", "3", "4", "5", "6"):
        run.ok("read", IE, number, "--done", "--on", "2026-02-01")
        run.ok("fav", IE, number, "--on", "2026-02-01")
    plan = run.json("today")
    assert len(plan["revisit"]) == 5 and plan["more_due"] == 2
    assert len(run.json("today", "--limit", "2")["revisit"]) == 2
    run.ok("config", "max_revisits_per_day", "3")
    plan = run.json("today")
    assert len(plan["revisit"]) == 3 and plan["more_due"] == 4


BAD_INPUTS = [
    ("revisit", IE, "5.1", "great"),
    ("read", IE, "5.1", "--percent", "150"),
    ("read", IE, "5.1", "--minutes", "-5"),
    ("read", IE, "5.1", "--on", "someday"),
    ("read", IE, "5.1", "--on", "2026-02-30"),
    ("read", IE, "5.1", "--on", "2026-03-05"),  # in the future
    ("fav", IE, "9.9"),
    ("fav", IE, "6"),  # never started
    ("read", IE, "Model"),  # ambiguous: Models, Model Selection, Model Parallelism
    ("snooze", IE, "5.2", "--days", "2"),
    ("break", "--from", "2026-03-10", "--to", "2026-03-01"),
    ("undo",),
    ("show", "nosuch"),
    ("revisit", IE, "5.1", "good", "--minutes", "-1"),
    ("note", IE, "  "),
    ("snooze", IE, "5.1"),
]


@pytest.mark.parametrize("args", BAD_INPUTS, ids=[" ".join(a) for a in BAD_INPUTS])
def test_bad_inputs_exit_2_and_write_nothing(run, unchanged, args):
    with unchanged(run.db):
        line = run.error(*args)
    assert len(line) > len("Error: ")


def test_fav_of_a_favourite_is_an_error(run, unchanged):
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")
    with unchanged(run.db):
        assert "already a favourite" in run.error("fav", IE, "5.1")


def test_ambiguous_chapter_lists_candidates(run):
    line = run.error("read", IE, "Model")
    assert "2 Models" in line and "1.3 Model Selection" in line


def test_on_in_the_future_says_now(run):
    assert "future" in run.error("revisit", IE, "5.1", "good", "--on", "tomorrow")


def test_continue_goes_into_sections_only_where_they_are_started(run):
    run.ok("read", IE, "0", "--done")
    run.ok("read", IE, "1", "--done")
    run.ok("read", IE, "2", "--done")
    run.ok("read", IE, "3", "--done")
    run.ok("read", IE, "4", "--done")
    run.ok("read", IE, "5.1", "--done")
    run.ok("read", IE, "5.2", "--percent", "30")
    (item,) = run.json("today")["continue"]
    assert item["chapter"] == "5.2"  # 5.2's own sections are not started
    run.ok("read", IE, "5.2.1", "--done")
    assert run.json("today")["continue"][0]["chapter"] == "5.2.2"
