"""Revisit load (SPEC §4.1, §7): a break spreads what it pushes out over the days after
it, `catch-up` spreads an overdue backlog over the coming days as one undoable change,
and `agenda` draws each day's load against the cap."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import snapshot
from tracker import catch_up

IE = "inference-engineering"
NOW = "2026-03-02T09:00:00+01:00"  # the reader's date: 2026-03-02
TODAY = dt.date(2026, 3, 2)


def dues(run: Any, book: str = IE) -> dict[str, str]:
    return {c["number"]: c["due"] for c in run.json("show", book)["chapters"] if c["due"]}


def loads(run: Any, days: int = 60) -> dict[str, int]:
    """Revisits per day from today (the overdue counted on today, as `agenda` shows them)."""
    return {d["date"]: len(d["revisits"]) for d in run.json("agenda", "--days", days)}


def chapters(run: Any, count: int) -> list[str]:
    numbers = [c["number"] for c in run.json("show", IE)["chapters"]]
    return numbers[:count]


def favourite(run: Any, numbers: list[str], *, on: str | None = None, rating: str = "good") -> None:
    when = ("--on", on) if on else ()
    for n in numbers:
        run.ok("read", IE, n, "--minutes", 10, *when)
        run.ok("fav", IE, n, "--rating", rating, *when)


# --- breaks ---------------------------------------------------------------------------------


def test_a_20_day_break_with_30_favourites_due_inside_it_lands_no_day_above_the_cap(run):
    numbers = chapters(run, 30)
    favourite(run, numbers)  # good: all 30 due 2026-03-04
    assert set(dues(run).values()) == {"2026-03-04"}
    out = run.ok("break", "--from", "2026-03-03", "--to", "2026-03-22").stdout
    # Its reach: the first max(3, ceil(30 / 5)) = 6 days after it, 5 a day.
    after = dues(run)
    assert sorted(set(after.values())) == [f"2026-03-{d}" for d in range(23, 29)]
    per_day = loads(run, 40)
    assert max(per_day.values()) == 5 and sum(per_day.values()) == 30
    assert all(per_day[f"2026-03-{d:02d}"] == 0 for d in range(3, 23))
    assert "30 revisits moved after it: 5 to 2026-03-23" in out and "5 to 2026-03-28" in out
    # In today's order (all had one old due date), each to the least loaded day, the earliest on ties.
    reach = [f"2026-03-{d}" for d in range(23, 29)]
    assert [after[n] for n in numbers] == [reach[i % 6] for i in range(30)]
    run.ok("db", "check")


def test_a_break_goes_over_the_cap_only_when_its_whole_reach_is_at_it(run):
    run.ok("config", "max_revisits_per_day", "1")
    first, second = chapters(run, 6)[:3], chapters(run, 6)[3:]
    favourite(run, first, on="2026-02-25")  # due 02-27 (overdue)
    for n in first:  # one a day on each of 03-10, 03-11, 03-12: the whole reach at the cap
        run.ok("snooze", IE, n, "--until", f"2026-03-{10 + first.index(n)}")
    favourite(run, second)  # due 03-04
    run.ok("break", "--from", "2026-03-03", "--to", "2026-03-09")
    per_day = loads(run, 20)
    # Reach: max(3, ceil(3 / 1)) = 3 days, all at the cap: over it, evenly, the earliest first.
    assert [per_day[f"2026-03-{d}"] for d in (10, 11, 12, 13)] == [2, 2, 2, 0]
    run.ok("db", "check")


def test_due_dates_that_fall_into_a_break_under_way_are_spread_after_it(run):
    run.ok("break", "--from", "2026-03-01", "--to", "2026-03-06")
    favourite(run, chapters(run, 7))  # good: 2 days → 03-04, inside the break
    per_day = loads(run, 12)
    # One at a time, each to the least loaded of the 3 days after the break, the earliest on ties.
    assert [per_day[f"2026-03-{d:02d}"] for d in (7, 8, 9, 10)] == [3, 2, 2, 0]
    run.ok("db", "check")


def test_a_break_that_spreads_over_many_days_says_so_in_one_line(run):
    run.ok("config", "max_revisits_per_day", "1")
    favourite(run, chapters(run, 8))  # due 03-04
    out = run.ok("break", "--from", "2026-03-03", "--to", "2026-03-05").stdout
    assert out.strip() == ("Break from 2026-03-03 to 2026-03-05; 8 revisits spread over 8 days after it "
                           "(2026-03-06 to 2026-03-13), at most 1 a day.")


def test_a_break_longer_than_366_days_is_refused(run, unchanged):
    with unchanged(run.db):
        line = run.error("break", "--from", "2026-03-03", "--to", "2027-03-04")
    assert "at most 366 days" in line and "367" in line
    run.ok("break", "--from", "2026-03-03", "--to", "2027-03-03")  # 366 days


def test_a_break_whose_end_is_before_its_start_is_refused(run, unchanged):
    with unchanged(run.db):
        line = run.error("break", "--from", "2026-03-10", "--to", "2026-03-01")
    assert "--from 2026-03-10 is after --to 2026-03-01" in line


# --- catch-up: small backlogs -------------------------------------------------------------


def test_catch_up_without_a_backlog_says_so_and_records_nothing(run, unchanged):
    favourite(run, chapters(run, 2))  # due in 2 days: nothing overdue
    with unchanged(run.db):
        out = run.ok("catch-up").stdout
    assert "no backlog" in out
    assert "catch-up" not in [c["command"] for c in run.json("history")]


def test_catch_up_days_0_is_refused(run, unchanged):
    favourite(run, chapters(run, 2), on="2026-02-01")
    with unchanged(run.db):
        line = run.error("catch-up", "--days", "0")
    assert "--days" in line and "1 or more" in line


def test_a_backlog_that_fits_todays_room_records_nothing(run, unchanged):
    favourite(run, chapters(run, 5), on="2026-02-01")  # 5 overdue, room 5
    with unchanged(run.db):
        out = run.ok("catch-up").stdout
    assert "fits in today's room" in out and "5/5" in out


def test_catch_up_fills_todays_room_lowest_recall_first_then_each_later_day(run):
    older, newer = chapters(run, 9)[:4], chapters(run, 9)[4:]
    favourite(run, older, on="2026-01-10")  # due 01-12: long overdue, low recall
    favourite(run, newer, on="2026-02-25")  # due 02-27: recall still high
    run.ok("config", "max_revisits_per_day", "3")
    favourite(run, chapters(run, 10)[9:])  # one due 03-04: that day has room 2
    recall = {r["chapter"]: r["recall"] for r in run.json("today", "--limit", 20)["revisit"]}
    lowest = sorted(recall, key=lambda n: recall[n])
    out = run.ok("catch-up").stdout
    assert "Backlog: 9 overdue revisits" in out and "Snoozed 6 revisits" in out
    after = dues(run)
    assert sorted(n for n in recall if after[n] < "2026-03-02") == sorted(lowest[:3])  # kept today
    assert sorted(n for n in recall if after[n] == "2026-03-03") == sorted(lowest[3:6])
    assert sorted(n for n in recall if after[n] == "2026-03-04") == sorted(lowest[6:8])
    assert sorted(n for n in recall if after[n] == "2026-03-05") == lowest[8:]
    per_day = loads(run, 5)
    assert list(per_day.values()) == [3, 3, 3, 1, 0]
    assert [e["event"] for e in run.json("log", "--limit", 6)] == ["snooze"] * 6
    (change,) = [c for c in run.json("history") if c["command"] == "catch-up"]
    assert len(change["events"]) == 6
    run.ok("db", "check")


def test_catch_up_over_n_days_goes_over_the_cap_evenly_only_when_it_must(run):
    favourite(run, chapters(run, 13), on="2026-02-01")
    favourite(run, chapters(run, 14)[13:], on="2026-03-01")  # 1 due 03-03: room 4 there
    out = run.ok("catch-up", "--days", "4", "--dry-run").stdout
    # ceil(13 / 4) = 4 a day at most: today 4, 03-03 4 (with the 1 due: 5), 03-04 4, 03-05 1.
    assert "2026-03-02  ████░  4/5" in out and "2026-03-03  █████  5/5" in out
    assert "2026-03-05  █░░░░  1/5" in out
    run.ok("catch-up", "--days", "2")  # 13 over 2 days: 7 a day at most; room 5 + 4: 4 over
    per_day = loads(run, 4)
    assert list(per_day.values())[:3] == [7, 7, 0]  # 7 + (6 + 1): even over the cap
    run.ok("db", "check")


def test_catch_up_dry_run_prints_each_days_load_and_changes_nothing(run, unchanged):
    favourite(run, chapters(run, 12), on="2026-02-01")
    with unchanged(run.db):
        out = run.ok("catch-up", "--dry-run").stdout
    assert out.splitlines()[1:4] == [
        "2026-03-02  █████  5/5 revisits    today: 5 overdue kept, lowest recall first",
        "2026-03-03  █████  5/5 revisits    +5 moved here",
        "2026-03-04  ██░░░  2/5 revisits    +2 moved here",
    ]
    assert "Dry run: nothing changed" in out


def test_catch_up_days_1_keeps_the_backlog_today_and_says_it_is_over_the_cap(run, unchanged):
    favourite(run, chapters(run, 12), on="2026-02-01")
    with unchanged(run.db):
        out = run.ok("catch-up", "--days", "1", "--dry-run").stdout
    assert "12/5 revisits (7 over the cap)" in out
    assert "fits in today's room" not in out  # it does not: 12 in a room of 5
    assert out.splitlines()[-1] == "Nothing to move: over 1 day the whole backlog stays today, 7 over the cap."
    assert "at most 12 of them a day, over the cap of 5" in out.splitlines()[0]


def test_catch_up_over_many_days_counts_the_empty_ones_and_says_its_real_limit(run):
    favourite(run, chapters(run, 12), on="2026-02-01")
    out = run.ok("catch-up", "--days", "100", "--dry-run").stdout
    lines = out.splitlines()
    assert lines[0] == "Backlog: 12 overdue revisits; spread over 100 days: at most 1 of them a day."
    assert len([line for line in lines if "/5 revisit" in line]) == 12  # one a day, the 88 others folded
    assert "0/5" not in out and "(88 days with nothing due)" in lines
    seven = run.ok("catch-up", "--days", "7", "--dry-run").stdout
    assert seven.splitlines()[0] == "Backlog: 12 overdue revisits; spread over 7 days: at most 2 of them a day."
    assert "at most 5 a day" not in seven
    assert "(1 day with nothing due)" in seven  # 12 at 2 a day fill 6 of the 7
    for text in (out, seven, run.ok("catch-up", "--dry-run").stdout, run.ok("catch-up", "--days", "1").stdout):
        assert all(line == line.rstrip() for line in text.splitlines())  # no trailing spaces


def test_catch_up_skips_a_break_ahead_and_replays_true(run):
    favourite(run, chapters(run, 12), on="2026-02-01")
    run.ok("break", "--from", "2026-03-03", "--to", "2026-03-05")
    run.ok("catch-up")
    per_day = loads(run, 8)
    assert [per_day[f"2026-03-0{d}"] for d in range(2, 8)] == [5, 0, 0, 0, 5, 2]
    run.ok("db", "check")
    run.ok("undo")
    assert loads(run, 8)["2026-03-02"] == 12
    run.ok("db", "check")


def test_catch_up_reports_its_progress_to_a_hook(run, monkeypatch):
    """The use case counts the snoozes it has recorded (a progress bar's feed)."""
    favourite(run, chapters(run, 12), on="2026-02-01")
    monkeypatch.setenv("TRACKER_NOW", NOW)
    from tracker import admin, changes, events, plan

    seen: list[int] = []
    lib = admin.open_library(str(run.db))
    try:
        with lib.write() as session, changes.recording(session, "catch-up"):
            result = plan.catch_up(session, events.clock(session), progress=seen.append)
    finally:
        lib.dispose()
    assert result.moved == 7 and seen == [7]
    assert list(loads(run, 3).values()) == [5, 5, 2]


# --- catch-up: 2,000 overdue ----------------------------------------------------------------


def backlog_backup(path: Path, favourites: int = 2000, per_book: int = 25) -> None:
    """A library of favourites made over 2025, every one overdue on 2026-03-02."""
    books = math.ceil(favourites / per_book)
    library = {"books": [{"slug": f"book-{b}", "title": f"Book {b}",
                          "chapters": [{"number": str(c + 1), "title": f"Chapter {c + 1}"} for c in range(per_book)]}
                         for b in range(books)]}
    events = []
    for i in range(favourites):
        day = dt.date(2025, 3, 1) + dt.timedelta(days=i * 300 // favourites)
        at = f"{day.isoformat()}T{8 + i % 12:02d}:00:00+01:00"
        target = {"book": f"book-{i // per_book}", "chapter": str(i % per_book + 1)}
        events.append({"at": at, "event": "finish", **target})
        events.append({"at": at, "event": "favourite", **target, "rating": ("good", "easy", "hard")[i % 3]})
    events.sort(key=lambda e: e["at"])
    path.write_text(json.dumps({"format": "tracker-backup", "version": 1, "settings": {"timezone": "Europe/Paris"},
                                "library": library, "events": events}), encoding="utf-8")


def all_dues(run: Any) -> dict[tuple[str, str], str]:
    return {(b["slug"], c["number"]): c["due"] for b in run.json("books")
            for c in run.json("show", b["slug"])["chapters"] if c["due"]}


def test_a_catch_up_of_2000_overdue_lands_no_day_above_the_cap_and_one_undo_takes_it_back(fresh, tmp_path):
    path = tmp_path / "backlog.json"
    backlog_backup(path)
    fresh.ok("restore", path)
    before = snapshot(fresh.db)["cards"]
    due_before = {d["date"]: len(d["revisits"]) for d in fresh.json("agenda", "--days", 1)}
    assert due_before["2026-03-02"] == 2000
    out = fresh.ok("catch-up").stdout
    assert "Backlog: 2000 overdue revisits" in out and "Snoozed 1995 revisits" in out
    per_day = {d["date"]: len(d["revisits"]) for d in fresh.json("agenda", "--days", 420)}
    assert max(per_day.values()) == 5 and sum(per_day.values()) == 2000
    assert per_day["2026-03-02"] == 5 and per_day["2027-04-05"] == 5 and per_day["2027-04-06"] == 0
    (change,) = [c for c in fresh.json("history") if c["command"] == "catch-up"]
    assert len(change["events"]) == 1995
    fresh.ok("db", "check")  # the stored cards are what replaying the log gives
    fresh.ok("undo")
    assert {d["date"]: len(d["revisits"]) for d in fresh.json("agenda", "--days", 1)}["2026-03-02"] == 2000
    assert snapshot(fresh.db)["cards"] == before  # every due date, every card, as it was
    assert not [e for e in fresh.json("log", "--limit", 5) if e["event"] == "snooze"]
    fresh.ok("db", "check")


# --- agenda ----------------------------------------------------------------------------------


def test_agenda_draws_each_days_load_against_the_cap(run):
    favourite(run, chapters(run, 7), on="2026-02-01")  # 7 overdue: shown today, over the cap
    favourite(run, chapters(run, 9)[7:])  # 2 due 03-04
    out = run.ok("agenda", "--days", 5).stdout.splitlines()
    assert out[0] == "2026-03-02  █████▓▓  7/5 revisits (2 over the cap)"
    assert "2026-03-04  ██░░░    2/5 revisits" in out
    assert run.json("agenda", "--days", 2)[0]["cap"] == 5


# --- the catch-up rule itself (pure) ---------------------------------------------------------

DAY = st.integers(min_value=0, max_value=20).map(lambda n: TODAY + dt.timedelta(days=n))


@settings(max_examples=200, deadline=None)
@given(
    recalls=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=60),
    cap=st.integers(min_value=1, max_value=8),
    due=st.dictionaries(DAY, st.integers(min_value=0, max_value=10), max_size=10),
    breaks=st.lists(st.tuples(DAY, st.integers(min_value=0, max_value=4)), max_size=2),
    days=st.none() | st.integers(min_value=1, max_value=12),
)
def test_the_catch_up_plan(recalls, cap, due, breaks, days):
    spans = [(first, first + dt.timedelta(days=n)) for first, n in breaks]
    overdue = [catch_up.Overdue(i, TODAY - dt.timedelta(days=1 + i % 3), r / 20) for i, r in enumerate(recalls)]
    plan = catch_up.plan(overdue, TODAY, cap, due, spans, days)
    placed = [cid for day in plan for cid in day.cards]
    assert sorted(placed) == list(range(len(overdue)))  # every card once
    key = {o.chapter_id: (o.recall, o.due) for o in overdue}
    assert [key[c] for c in placed] == sorted(key[c] for c in placed)  # lowest recall first, then most overdue
    assert all(not day.cards for day in plan if any(a <= day.date <= b for a, b in spans))  # a break has no room
    if days is None:
        assert all(len(day.cards) <= max(0, cap - day.due) for day in plan)  # never over the cap
        assert plan[-1].cards  # and no further than it must
    else:
        most = math.ceil(len(overdue) / days)
        assert len(plan) == days and all(len(day.cards) <= most for day in plan)
        over = [day for day in plan if day.load > cap and day.cards]
        if over:  # over the cap only when the N days cannot hold the backlog otherwise, and evenly
            assert all(day.load >= cap or len(day.cards) == most for day in plan)
            least = min(day.load for day in over)
            assert all(day.load >= least - 1 or len(day.cards) == most for day in plan)
    assert catch_up.moved(plan, TODAY) == {cid: day.date for day in plan if day.date > TODAY for cid in day.cards}
