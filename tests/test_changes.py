"""A log you can trust and put right (SPEC §1 "Change", §3 undo/history/edit, §4.3).

Every command that changes the library is one change; `undo` takes back the newest
whole, which is checked here by comparing every row of every table (the journal's own
tables aside) before the command and after its undo.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner, snapshot

IE = "inference-engineering"
JOURNAL = {"changes", "change_rows", "sqlite_sequence", "alembic_version"}


def facts(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(rows, key=repr) for t, rows in snapshot(db).items() if t not in JOURNAL}


def started(run: Any) -> None:
    """A library with a first pass under way, favourites, a revisit, a snooze."""
    run.ok("read", IE, "0", "--done", "--minutes", "20", now="2026-02-20T09:00:00+01:00")
    run.ok("read", IE, "1", "--done", now="2026-02-21T09:00:00+01:00")
    run.ok("fav", IE, "0", now="2026-02-21T10:00:00+01:00")
    run.ok("fav", IE, "1", now="2026-02-21T10:05:00+01:00")
    run.ok("revisit", IE, "0", "good", now="2026-02-25T09:00:00+01:00")
    run.ok("snooze", IE, "1", "--days", "3", now="2026-02-26T09:00:00+01:00")


LIBRARY_FILE = """
[[topics]]
slug = "storage"
name = "Storage"

[[books]]
slug = "ddia"
title = "Designing Data-Intensive Applications"
authors = ["Martin Kleppmann"]

[[books.chapters]]
number = "1"
title = "Reliable"
topics = ["storage"]

[[books.chapters]]
number = "1.1"
title = "Thinking about data systems"

[[books]]
slug = "inference-engineering"
title = "Inference Engineering, retitled by an import"
"""

CHANGES = {
    "book-add": [["book", "add", "Designing Data-Intensive Applications", "--author", "Martin Kleppmann"]],
    "chapter-add": [["chapter", "add", "ai-engineering", "99", "An extra chapter", "--topic", "evaluation"]],
    "book-remove": [["book", "remove", IE, "--yes"]],
    "book-stop": [["book", "stop", IE]],
    "config-schedule": [["config", "max_revisits_per_day", "3"]],
    "config-retention": [["config", "desired_retention", "0.8"]],
    "import": [["import", "{lib}"]],
    "read": [["read", IE, "2", "--minutes", "15", "--percent", "40"]],
    "read-done-backdated": [["read", IE, "2", "--done", "--on", "2026-02-22T09:00"]],
    "note": [["note", IE, "worth it", "--chapter", "1"]],
    "fav": [["fav", IE, "2.1"]] ,
    "unfav": [["unfav", IE, "1"]],
    "revisit": [["revisit", IE, "1", "hard", "--minutes", "5"]],
    "snooze": [["snooze", IE, "0", "--days", "4"]],
    "break": [["break", "--from", "2026-03-03", "--to", "2026-03-09"]],
    "resource-add": [["resource", "add", "FlashAttention", "--kind", "paper", "--topic", "attention"]],
    "resource-start": [["resource", "start", "nano-vllm"]],
    "interest-add": [["interest", "add", "attention"]],
    "edit": [["edit", "{last}", "--until", "2026-03-12"]],
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_undo_takes_back_the_newest_change_of_any_kind_whole(run, tmp_path, name):
    started(run)
    if name == "fav":
        run.ok("read", IE, "2.1", "--done")
    lib = tmp_path / "lib.toml"
    lib.write_text(LIBRARY_FILE, encoding="utf-8")
    last = run.json("log", "--json")[-1]["id"]
    before = facts(run.db)
    for args in CHANGES[name]:
        run.ok(*[a.format(lib=lib, last=last) for a in args])
    assert facts(run.db) != before, "the command changed nothing: the test proves nothing"
    out = run.ok("undo").output
    assert out.startswith("Undoing change ")
    assert facts(run.db) == before
    run.ok("db", "check")
    # The change is marked undone, and undo goes on to the one before it.
    assert run.json("history", "--json", "--limit", "1")[0]["undone"] in ("yes", True)


def test_book_remove_comes_back_with_chapters_cards_and_events(run):
    started(run)
    show = run.json("show", IE)
    due = run.json("agenda", "--days", "30", "--json")
    run.ok("book", "remove", IE, "--yes")
    assert IE not in [b["slug"] for b in run.json("books", "--json")]
    out = run.ok("undo").output
    assert IE in out
    assert run.json("show", IE) == show
    assert run.json("agenda", "--days", "30", "--json") == due


def test_undo_twice_takes_back_two_changes_and_says_what(run):
    started(run)
    before = facts(run.db)
    run.ok("note", IE, "first")
    run.ok("config", "max_revisits_per_day", "4")
    first = run.ok("undo").output
    assert "config" in first and "max_revisits_per_day" in first
    second = run.ok("undo").output
    assert "note" in second
    assert facts(run.db) == before


def test_undo_id_takes_back_one_logged_event_and_refuses_orphans(run):
    started(run)
    events = run.json("log", "--json")
    read0 = next(e for e in events if e["event"] == "finish" and e["chapter"] == "0")
    line = run.error("undo", str(read0["id"]), "--yes", code=2)
    assert "favourite" in line or "revisit" in line  # a later event depends on it
    run.ok("note", IE, "to drop")
    nid = run.json("log", "--json")[-1]["id"]
    run.ok("undo", str(nid), "--yes")
    assert "to drop" not in [e.get("note") for e in run.json("log", "--json")]


def test_nothing_to_undo_and_history_limits(fresh):
    fresh.ok("init")
    assert "nothing to undo" in fresh.error("undo", code=2)
    assert fresh.json("history", "--json") == []
    fresh.ok("note", IE, "a")
    fresh.ok("note", IE, "b")
    fresh.ok("note", IE, "c")
    rows = fresh.json("history", "--json", "--limit", "2")
    assert len(rows) == 2 and rows[0]["id"] > rows[1]["id"]
    assert rows[0]["command"] == "note"
    assert "--limit" in fresh.error("history", "--limit", "0", code=2)
    assert fresh.error("history", "--limit", "-1", code=2)
    assert len(fresh.json("history", "--json")) == 3


def test_edit_is_as_if_the_event_had_been_logged_so(run, tmp_path):
    started(run)
    revisit = next(e for e in run.json("log", "--json") if e["event"] == "revisit")
    run.ok("edit", str(revisit["id"]), "--rating", "hard", "--minutes", "12")
    # The same history logged directly with the edited values.
    other = Runner(tmp_path / "other.db")
    other.ok("config", "timezone", "Europe/Paris")
    other.ok("read", IE, "0", "--done", "--minutes", "20", now="2026-02-20T09:00:00+01:00")
    other.ok("read", IE, "1", "--done", now="2026-02-21T09:00:00+01:00")
    other.ok("fav", IE, "0", now="2026-02-21T10:00:00+01:00")
    other.ok("fav", IE, "1", now="2026-02-21T10:05:00+01:00")
    other.ok("revisit", IE, "0", "hard", "--minutes", "12", now="2026-02-25T09:00:00+01:00")
    other.ok("snooze", IE, "1", "--days", "3", now="2026-02-26T09:00:00+01:00")
    keep = ("book", "chapter", "event", "at", "minutes", "rating", "until", "note")
    strip = lambda rows: [{k: e.get(k) for k in keep} for e in rows]  # noqa: E731
    assert strip(run.json("log", "--json")) == strip(other.json("log", "--json"))
    assert run.json("show", IE) == other.json("show", IE)
    assert run.json("agenda", "--days", "60", "--json") == other.json("agenda", "--days", "60", "--json")
    # And undo takes the edit back.
    run.ok("undo")
    assert next(e for e in run.json("log", "--json") if e["id"] == revisit["id"])["rating"] == "good"


def test_edit_help_says_the_time_is_left_as_it_is(run):
    """`--on` of edit changes an event's time; left out, the time stays (it is not now)."""
    text = " ".join(run.ok("edit", "--help").stdout.split())
    assert "default: now" not in text
    assert "--on WHEN Its new time" in text and "(default: its time is left as it is)" in text
    for command in ("read", "fav", "revisit"):  # the commands that record an event keep theirs
        assert "(default: now)" in " ".join(run.ok(command, "--help").stdout.split())


def test_edit_refuses_what_cannot_be(run, unchanged):
    started(run)
    events = run.json("log", "--json")
    finish0 = next(e for e in events if e["event"] == "finish" and e["chapter"] == "0")
    revisit = next(e for e in events if e["event"] == "revisit")
    with unchanged(run.db):
        assert "999999" in run.error("edit", "999999", "--minutes", "3")
        assert run.error("edit", str(revisit["id"]))  # no field to change
        assert run.error("edit", str(revisit["id"]), "--rating", "superb")
        # Moving the first reading after the favourite leaves the favourite impossible.
        line = run.error("edit", str(finish0["id"]), "--on", "2026-03-01T09:00")
        assert "favourite" in line or "revisit" in line
        assert run.error("edit", str(finish0["id"]), "--rating", "good")  # a finish has no rating


def test_a_second_finish_of_a_section_names_the_chapter_it_was_finished_with(run, unchanged):
    run.ok("read", IE, "1", "--done", "--on", "2026-02-20")
    run.ok("read", IE, "5", "--done", "--on", "2026-02-21")
    run.ok("read", IE, "2.1", "--done", "--on", "2026-02-22")
    with unchanged(run.db):
        line = run.error("read", IE, "1.1", "--done")
        assert "1.1 Scale and Specialization was finished with its parent 1 Prerequisites on 2026-02-20;" in line
        line = run.error("read", IE, "5.1.1", "--done")
        assert "5.1.1 Number Formats was finished with the chapter it is in, 5 Techniques on 2026-02-21" in line
        line = run.error("read", IE, "2.1", "--done")  # finished on its own
        assert "2.1 Neural Networks was already read on 2026-02-22;" in line
        assert f"tracker revisit {IE} 2.1 good" in line


def test_impossible_events_are_refused(run, unchanged):
    run.ok("read", IE, "5.4", "--done", now="2026-02-27T09:00:00+01:00")
    with unchanged(run.db):
        assert "5.4" in run.error("revisit", IE, "5.4", "good", "--on", "2026-02-01")
        assert run.error("revisit", "ai-engineering", "1", "good")
        assert "already" in run.error("read", IE, "5.4", "--done")
        assert run.error("read", IE, "2", "--done", "--percent", "50")
        assert run.error("snooze", IE, "5.4", "--days", "2")
        assert run.error("unfav", IE, "5.4")
        assert run.error("fav", IE, "3")  # never started
    run.ok("fav", IE, "5.4")
    with unchanged(run.db):
        assert run.error("fav", IE, "5.4")  # a favourite already


def test_a_backdated_event_that_makes_a_later_one_impossible_is_refused(run, unchanged):
    run.ok("read", IE, "2", "--done", now="2026-02-20T09:00:00+01:00")
    run.ok("read", IE, "2.1", "--minutes", "5", now="2026-02-21T09:00:00+01:00")
    with unchanged(run.db):
        # A finish backdated before the earlier finish makes that one a second finish.
        line = run.error("read", IE, "2", "--done", "--on", "2026-02-10T09:00")
        assert "2" in line


def test_chapter_numbers_follow_the_grammar_and_need_their_parent(run, tmp_path, unchanged):
    run.ok("book", "add", "Designing Data-Intensive Applications", "--slug", "ddia")
    run.ok("chapter", "add", "ddia", "1", "Reliable")
    run.ok("chapter", "add", "ddia", "1.1", "Thinking")
    run.ok("chapter", "add", "ddia", "A", "Appendix")
    run.ok("chapter", "add", "ddia", "A.1", "More")
    with unchanged(run.db):
        assert "7" in run.error("chapter", "add", "ddia", "7.1", "Orphan")
        for bad in ("x.y", "1.a", "ab", "1..2", "a", "1.", "-1"):
            assert run.error("chapter", "add", "ddia", bad, "Bad")
        bad_file = tmp_path / "bad.toml"
        bad_file.write_text('[[books]]\nslug = "b"\ntitle = "B"\n[[books.chapters]]\nnumber = "3.1"\n'
                            'title = "Orphan"\n', encoding="utf-8")
        line = run.error("import", bad_file)
        assert "bad.toml" in line and "3.1" in line
        bad_file.write_text('[[books]]\nslug = "b"\ntitle = "B"\n[[books.chapters]]\nnumber = "x.y"\n'
                            'title = "Bad"\n', encoding="utf-8")
        assert "x.y" in run.error("import", bad_file)


def test_a_started_resource_is_done_when_its_book_is_read(run):
    run.ok("resource", "add", "A Short Paper", "--kind", "paper", "--slug", "short-paper")
    run.ok("resource", "start", "short-paper")
    status = lambda: next(r["status"] for r in run.json("resource", "list", "--json")  # noqa: E731
                          if r["resource"] == "short-paper")
    assert status() == "reading"
    run.ok("read", "short-paper", "1", "--done")
    assert status() == "done"
    run.ok("undo")
    assert status() == "reading"
    run.ok("db", "check")


# --- today with a large backlog, and its wording ----------------------------------------


def backlog_backup(path: Path, books: int = 100, chapters: int = 100) -> None:
    """A backup whose every chapter is read and a favourite: 10,000 revisits due."""
    library = {"books": [{"slug": f"b{b}", "title": f"Book {b}",
                          "chapters": [{"number": str(c + 1), "title": f"Chapter {c + 1}"}
                                       for c in range(chapters)]} for b in range(books)]}
    events = []
    for b in range(books):
        for c in range(chapters):
            at = f"2025-01-{1 + b % 28:02d}T{8 + c // 10:02d}:{c % 10 * 5:02d}:00+01:00"
            events.append({"at": at, "event": "finish", "book": f"b{b}", "chapter": str(c + 1)})
            events.append({"at": at.replace(":00+01:00", ":30+01:00"), "event": "favourite", "book": f"b{b}",
                           "chapter": str(c + 1)})
    path.write_text(json.dumps({"format": "tracker-backup", "version": 1,
                                "settings": {"timezone": "Europe/Paris", "max_revisits_per_day": "1000"},
                                "library": library, "events": events}), encoding="utf-8")


def test_ten_thousand_due_revisits(fresh, tmp_path):
    backup = tmp_path / "backlog.json"
    backlog_backup(backup)
    fresh.ok("restore", backup)
    plan = fresh.json("today", "--json")
    assert len(plan["revisit"]) == 1000 and plan["more_due"] == 9_000
    assert len(fresh.json("today", "--json", "--limit", "10000")["revisit"]) == 10_000
    assert fresh.ok("today", "--short").output.startswith("10000 revisits due")
    assert fresh.ok("today").output.startswith("Revisit today")
    assert fresh.ok("today", "--limit", "5").output
    days = fresh.json("agenda", "--json")
    assert sum(len(d["revisits"]) for d in days) == 10_000
    assert fresh.ok("next").exit_code == 0
    assert fresh.ok("stats").exit_code == 0
    ics = tmp_path / "due.ics"
    fresh.ok("export", "--format", "ics", "-o", ics)
    assert ics.read_text(encoding="utf-8").count("BEGIN:VEVENT") >= 10_000


def test_today_wording_when_none_is_due_and_for_another_day(run):
    run.ok("read", IE, "0", "--done")
    run.ok("fav", IE, "0")
    out = run.ok("today").output
    assert "Start the first pass" not in out
    plan = run.json("today", "--json")
    nxt = plan["next_due"]
    assert plan["revisit"] == [] and nxt["book"] == IE and nxt["chapter"] == "0"
    assert f"due {nxt['date']}" in out and "Inference" in out
    later = run.ok("today", "--date", "in 60 days").output
    assert later.startswith("Revisit on ") and "Revisit today" not in later
    tomorrow = run.ok("today", "--date", "tomorrow").output
    assert "today" not in tomorrow.splitlines()[0]


# --- refused databases, restore and undo ---------------------------------------------------


def _other_program_db(path: Path, journal: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute("CREATE TABLE stuff (x)")
    conn.execute("INSERT INTO stuff VALUES (1)")
    conn.commit()
    conn.close()


def _newer_tracker_db(path: Path, journal: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    conn.commit()
    conn.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("maker", [_other_program_db, _newer_tracker_db], ids=["other", "newer"])
@pytest.mark.parametrize("args", [("today",), ("note", IE, "x"), ("init",), ("db", "upgrade")])
def test_a_refused_database_is_left_byte_identical(tmp_path, journal, maker, args):
    db = tmp_path / "theirs.db"
    maker(db, journal)
    before = db.read_bytes()
    assert Runner(db).error(*args, code=1)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("theirs")) == ["theirs.db"]


def test_restore_replace_sets_the_library_aside_and_undo_names_it(run, tmp_path, app_folder):
    started(run)
    backup = tmp_path / "b.json"
    run.ok("backup", backup)
    run.ok("note", IE, "after the backup")

    def whole() -> dict[str, Any]:  # the library as a backup holds it (ids of rows aside)
        data = json.loads(run.ok("backup").output)
        data.pop("created_at")
        return data

    before = whole()
    result = run.ok("restore", backup, "--replace")
    copies = list(app_folder.glob("replaced-by-restore-*.json"))
    assert len(copies) == 1 and str(copies[0]) in result.output
    line = run.error("undo", code=2)
    assert "restore" in line and str(copies[0]) in line
    run.ok("restore", copies[0], "--replace")
    assert whole() == before


@pytest.mark.sqlite_only
def test_db_check_notices_a_missing_journal_trigger(run):
    assert run.ok("db", "check").output.strip() == "ok"
    conn = sqlite3.connect(run.db)
    conn.execute("DROP TRIGGER tracker_change_books_ins")
    conn.commit()
    conn.close()
    result = run("db", "check")
    assert result.exit_code == 1 and "books" in result.output
