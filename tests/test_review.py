"""`review` (SPEC §4.4) and `card` (SPEC §3) through the CLI.

The session is scripted through standard input (CliRunner's input); each answer is
its own change. `card`'s numbers are checked against a replay of the chapter's reviews
through `fsrs` itself; due dates that load balancing may move are checked against its
window (SPEC §4.1), not hard-coded.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import TZ

IE = "inference-engineering"
PARIS = ZoneInfo(TZ)


def three_due(run) -> None:
    """Three favourites due at DEFAULT_NOW (Monday 2026-03-02 09:00, Paris), one not."""
    for number in ("0", "1", "2", "3"):
        run.ok("read", IE, number, "--done", "--on", "2026-02-20T08:00")
    run.ok("fav", IE, "0", "--on", "2026-02-20T10:00")  # due 02-22
    run.ok("fav", IE, "2", "--on", "2026-02-27T10:00")  # due 03-01
    run.ok("fav", IE, "1", "--on", "2026-02-28T10:00")  # due 03-02
    run.ok("fav", IE, "3", "--on", "2026-02-28T11:00", "--rating", "easy")  # due later


def revisits(run) -> list[dict]:
    return [e for e in run.json("log") if e["event"] == "revisit"]


def test_a_whole_session(run):
    three_due(run)
    order = [r["chapter"] for r in run.json("today")["revisit"]]
    assert order == ["0", "2", "1"]  # today's order: most overdue first
    before = {c: run.json("card", IE, c) for c in order}
    result = run.ok("review", input="g 15\nhard\n4\n")
    done = revisits(run)
    assert [(e["chapter"], e["rating"], e["minutes"]) for e in done] == [
        ("0", "good", 15), ("2", "hard", None), ("1", "easy", None)]
    history = run.json("history", "--limit", "3")
    assert [h["command"] for h in history] == ["review"] * 3  # each answer its own change
    assert [len(h["events"]) for h in history] == [1, 1, 1]
    for chapter, rating in (("0", "good"), ("2", "hard"), ("1", "easy")):
        card = run.json("card", IE, chapter)
        # The interval shown before the answer is the one the answer gave.
        assert card["history"][-1]["interval_days"] == before[chapter]["next"][rating]
        assert f"{rating}: next revisit {card['due']}." in result.stdout
    assert "Revisited 3, skipped 0. Next revisit due 2026-03" in result.stdout
    assert run.json("today")["revisit"] == []


def test_the_session_shows_notes_recall_and_intervals(run):
    three_due(run)
    for n, text in enumerate(["first", "second", "third", "fourth"]):
        run.ok("note", IE, text, "--chapter", "0", "--on", f"2026-03-01T1{n}:00")
    plan = run.json("today")["revisit"][0]
    card = run.json("card", IE, "0")
    out = run.ok("review", "--limit", "1", input="q\n").stdout
    assert f"[1/1] {IE} 0 Inference  (due now, 8 days overdue)" in out
    notes = [line.strip() for line in out.splitlines() if "✎" in line]
    assert notes == ["✎ 2026-03-01  fourth", "✎ 2026-03-01  third", "✎ 2026-03-01  second"]  # newest first, three
    shown = " · ".join(f"{r} → {d} day{'s' if d != 1 else ''}" for r, d in card["next"].items())
    assert f"recall now {round(plan['recall'] * 100)}% · {shown}" in out
    assert "3 revisits due today; here are the first 1." in out


def test_a_session_broken_off_halfway_keeps_what_was_answered(run):
    three_due(run)
    result = run.ok("review", input="a\n")  # then the input ends
    assert [(e["chapter"], e["rating"]) for e in revisits(run)] == [("0", "again")]
    assert "Revisited 1, skipped 0." in result.stdout
    assert [r["chapter"] for r in run.json("today")["revisit"]] == ["2", "1"]
    # q stops too; and undo takes back only the last answer, not the session
    run.ok("review", input="good\nq\n")
    assert len(revisits(run)) == 2
    run.ok("undo")
    assert [(e["chapter"], e["rating"]) for e in revisits(run)] == [("0", "again")]


@pytest.mark.sqlite_only
def test_ctrl_c_at_the_prompt_ends_the_session_as_q_does(run):
    """On a real terminal: one answer, then Ctrl-C at the next question. The answer is
    kept, the summary printed, and the exit status is 130 (an interruption), no "Aborted."."""
    three_due(run)
    out, err, code = _review_on_a_terminal(run, answers=["g"])
    assert code == 130, (out, err)
    assert [(e["chapter"], e["rating"]) for e in revisits(run)] == [("0", "good")]
    assert "Revisited 1, skipped 0. Next revisit due" in out
    assert "Aborted" not in out + err
    assert [r["chapter"] for r in run.json("today")["revisit"]] == ["2", "1"]


def _review_on_a_terminal(run, answers: list[str]) -> tuple[str, str, int]:
    """`tracker review` on a pty: each answer after a question, then SIGINT (what Ctrl-C
    sends) once the next question is asked."""
    import os
    import select
    import signal

    from tests import terminal

    proc, main = terminal.start(run, ["review"], answers=True)
    out, asked = b"", 0
    try:
        for answer in [*answers, None]:
            while out.count(b"answer (") <= asked:
                ready, _, _ = select.select([main], [], [], 30)
                assert ready, out.decode()
                out += os.read(main, 65536)
            asked += 1
            if answer is None:
                proc.send_signal(signal.SIGINT)
            else:
                os.write(main, answer.encode() + b"\n")
        code = proc.wait(timeout=60)
        out += terminal.read_rest(main, seconds=1)
    finally:
        os.close(main)
    err = proc.stderr.read().decode() if proc.stderr else ""
    return terminal.text(out), err, code


def test_nonsense_is_asked_again_and_records_nothing(run):
    three_due(run)
    log_before = run.json("log")
    changes_before = run.json("history")
    answers = ["xyz", "5", "good 15 20", "g -3", "g many", "n", "", "s s", "  ", "g 15"]  # only the last is one
    result = run.ok("review", "--limit", "1", input="\n".join(answers) + "\n")
    assert result.stdout.count("is not an answer") == 4  # xyz, 5, good 15 20, s s
    assert "'many' is not a number of minutes" in result.stdout
    assert "a note needs its text: n TEXT" in result.stdout
    assert result.stdout.count("an answer is needed") == 2
    assert "minutes run from 0 to 10000, got -3" in result.stdout
    log = run.json("log")
    assert log[:-1] == log_before and (log[-1]["event"], log[-1]["rating"], log[-1]["minutes"]) == ("revisit", "good", 15)
    assert len(run.json("history")) == len(changes_before) + 1


def test_a_note_is_its_own_change_and_the_question_comes_again(run):
    three_due(run)
    out = run.ok("review", "--limit", "1", input="n the roofline part matters\nn and batching\ns\n").stdout
    assert out.count("Noted.") == 2 and "Revisited 0, skipped 1." in out
    notes = [e for e in run.json("log") if e["event"] == "note"]
    assert [(n["chapter"], n["note"]) for n in notes] == [("0", "the roofline part matters"), ("0", "and batching")]
    assert [h["command"] for h in run.json("history", "--limit", "2")] == ["review", "review"]
    assert revisits(run) == []


def test_review_with_nothing_due_says_when_the_next_one_is(run):
    assert run.ok("review").stdout == ("Nothing to revisit: no chapter is a favourite yet "
                                       "(tracker fav BOOK CHAPTER makes one).\n")
    run.ok("read", IE, "0", "--done", "--on", "2026-03-01T08:00")
    run.ok("fav", IE, "0", "--on", "2026-03-01T09:00")
    result = run.ok("review", input="g\n")
    assert result.stdout == f"Nothing to revisit today; the next revisit is {IE} 0 Inference, due 2026-03-03 (tomorrow).\n"
    assert revisits(run) == []


def test_a_note_too_long_is_refused_and_asked_again(run):
    three_due(run)
    result = run.ok("review", "--limit", "1", input="n " + "x" * 10_001 + "\ng\n")
    assert "note" in result.stderr and [e["rating"] for e in revisits(run)] == ["good"]
    assert [e for e in run.json("log") if e["event"] == "note"] == []


# --- card ------------------------------------------------------------------------------


def _fsrs_replay(reviews: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    from fsrs import Card, Rating, Scheduler

    scheduler = Scheduler(desired_retention=0.9, learning_steps=(), relearning_steps=(), maximum_interval=365,
                          enable_fuzzing=False)
    card = Card()
    values = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
    for at, rating in reviews:
        card, _log = scheduler.review_card(card, values[rating], dt.datetime.fromisoformat(at).astimezone(dt.UTC))
    return scheduler, card


def _window(days: int) -> int:
    """How far load balancing may move an interval (SPEC §4.1)."""
    return 0 if days < 3 else max(1, round(days * 0.05))


NOW = "2026-03-20T09:00:00+01:00"
REVIEWS = [("2026-02-20T10:00:00+01:00", "good"), ("2026-02-23T19:00:00+01:00", "hard"),
           ("2026-03-01T08:00:00+01:00", "again"), ("2026-03-03T21:30:00+01:00", "good"),
           ("2026-03-10T07:00:00+01:00", "easy")]


def test_card_is_what_fsrs_gives_for_a_replay_of_its_reviews(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20T08:00", now=NOW)
    run.ok("fav", IE, "5.1", "--on", REVIEWS[0][0], now=NOW)
    for at, rating in REVIEWS[1:]:
        run.ok("revisit", IE, "5.1", rating, "--on", at, now=NOW)
    card = run.json("card", IE, "Quantization", now=NOW)
    scheduler, replayed = _fsrs_replay(REVIEWS)
    assert card["stability"] == pytest.approx(replayed.stability, rel=1e-9)
    assert card["difficulty"] == pytest.approx(replayed.difficulty, rel=1e-9)
    now = dt.datetime.fromisoformat(NOW).astimezone(dt.UTC)
    assert card["recall"] == pytest.approx(scheduler.get_card_retrievability(replayed, now), abs=1e-4)
    assert (card["reviews"], card["lapses"], card["favourite"]) == (5, 1, True)
    assert [(h["at"], h["rating"]) for h in card["history"]] == REVIEWS
    last_day = dt.datetime.fromisoformat(REVIEWS[-1][0]).astimezone(PARIS).date()  # the reader's date (day starts 04:00)
    days = round((replayed.due - dt.datetime.fromisoformat(REVIEWS[-1][0])).total_seconds() / 86400)
    due = dt.date.fromisoformat(card["due"])
    assert abs((due - (last_day + dt.timedelta(days=days))).days) <= _window(days)
    assert card["history"][-1]["due"] == card["due"] and card["history"][-1]["interval_days"] == (due - last_day).days
    for rating, shown in card["next"].items():  # each rating's interval now, as fsrs gives it
        from fsrs import Rating

        after, _log = scheduler.review_card(replayed, Rating[rating.capitalize()], now)
        ideal = max(1, round((after.due - now).total_seconds() / 86400))
        assert abs(shown - ideal) <= _window(ideal), (rating, shown, ideal)


def test_card_human_output(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20T08:00", now=NOW)
    run.ok("fav", IE, "5.1", "--on", REVIEWS[0][0], now=NOW)
    out = run.ok("card", IE, "5.1", now=NOW).stdout
    card = run.json("card", IE, "5.1", now=NOW)
    assert out.startswith(f"{IE} 5.1 Quantization  ★ a favourite\n")
    assert f"stability {card['stability']:.1f} days · difficulty {card['difficulty']:.1f} of 10" in out
    assert "  due now (26 days overdue) · 1 review, 0 lapses" in out  # a past date never reads as ahead
    assert "2026-02-20 10:00  good  → 2 days  2026-02-22" in out


def test_an_unfavourited_chapter_shows_its_suspended_card(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20T08:00")
    run.ok("fav", IE, "5.1", "--on", "2026-02-20T10:00")
    run.ok("revisit", IE, "5.1", "good", "--on", "2026-02-23T10:00")
    run.ok("unfav", IE, "5.1")
    card = run.json("card", IE, "5.1")
    assert card["favourite"] is False and card["next"] == {"again": None, "hard": None, "good": None, "easy": None}
    assert card["reviews"] == 2 and len(card["history"]) == 2
    assert "its card is suspended" in run.ok("card", IE, "5.1").stdout
    run.ok("fav", IE, "5.1")  # resumes it as it was, without a new review
    again = run.json("card", IE, "5.1")
    assert again["favourite"] is True and again["reviews"] == 2 and again["history"] == card["history"]
    assert again["stability"] == card["stability"]


def test_card_of_a_chapter_never_favourited_names_the_favourites(run, unchanged):
    with unchanged(run.db):
        line = run.error("card", IE, "5.1")
    assert line == (f"Error: {IE} 5.1 Quantization has never been a favourite, so it has no card; "
                    f"{IE} has no favourites yet (tracker fav {IE} CHAPTER makes one)")
    run.ok("read", IE, "0", "--done", "--on", "2026-02-20T08:00")
    run.ok("read", IE, "2", "--done", "--on", "2026-02-20T08:00")
    run.ok("fav", IE, "2", "--on", "2026-02-20T10:00")
    run.ok("fav", IE, "0", "--on", "2026-02-20T11:00")
    with unchanged(run.db):
        line = run.error("card", IE, "Quantization")
    assert line.endswith(f"the favourites of {IE}: 0 Inference, 2 Models")
