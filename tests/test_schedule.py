"""Spaced revisits over time (SPEC §4.1), checked against FSRS itself.

The expected dates come from the `fsrs` package driven directly with our settings
(no learning steps, no fuzz), not from tracker's own scheduler; the load balancing
may only move an interval of 3 days or more within its ±5% (≥ ±1 day) window.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

IE = "inference-engineering"
PARIS = ZoneInfo("Europe/Paris")
RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


def fsrs_scheduler(retention: float = 0.9, maximum: int = 365) -> Scheduler:
    return Scheduler(desired_retention=retention, learning_steps=(), relearning_steps=(),
                     maximum_interval=maximum, enable_fuzzing=False)


class Shadow:
    """FSRS driven directly: the memory state tracker must keep, per chapter."""

    def __init__(self, tz: dt.tzinfo = PARIS, day_start: int = 4) -> None:
        self.sched = fsrs_scheduler()
        self.cards: dict[str, Card] = {}
        self.tz, self.day_start = tz, day_start

    def day(self, at: dt.datetime) -> dt.date:
        return (at.astimezone(self.tz) - dt.timedelta(hours=self.day_start)).date()

    def review(self, chapter: str, rating: str, at: dt.datetime) -> tuple[dt.date, int]:
        card = self.cards.get(chapter) or Card(card_id=1, due=at.astimezone(dt.timezone.utc))
        new, _ = self.sched.review_card(card, RATINGS[rating], at.astimezone(dt.timezone.utc))
        self.cards[chapter] = new
        interval = round((new.due - at.astimezone(dt.timezone.utc)).total_seconds() / 86400)
        return self.day(at) + dt.timedelta(days=interval), interval


def window_ok(due: dt.date, ideal: dt.date, interval: int, review_day: dt.date) -> bool:
    if interval < 3:
        return due == ideal
    spread = max(1, round(interval * 0.05))
    return abs((due - ideal).days) <= spread and due > review_day


def iso(at: dt.datetime) -> str:
    return at.isoformat()


def due_of(run, chapter: str) -> str | None:
    return {c["number"]: c["due"] for c in run.json("show", IE)["chapters"]}[chapter]


def test_first_pass_grades_match_fsrs(run):
    shadow = Shadow()
    at = dt.datetime(2026, 3, 2, 9, tzinfo=PARIS)
    for chapter, rating in (("2", "again"), ("3", "hard"), ("4", "good"), ("5", "easy")):
        run.ok("read", IE, chapter, "--done")
        run.ok("fav", IE, chapter, "--rating", rating)
        expected, _ = shadow.review(chapter, rating, at)
        assert due_of(run, chapter) == expected.isoformat()


def test_a_year_of_following_the_review(run):
    """Read the book through, favourite chapters, revisit them for a year: every rating,
    a snooze, a break, an undone grade and a change of time zone; every due date checked."""
    shadow = Shadow()
    start = dt.datetime(2026, 1, 5, 20, 0, tzinfo=PARIS)
    now = start
    # The first pass: one chapter an evening.
    for i, chapter in enumerate("01234567"):
        at = start + dt.timedelta(days=i)
        run.ok("read", IE, chapter, "--done", "--minutes", 45, now=iso(at))
    now = start + dt.timedelta(days=8)
    favourites = {"5": "good", "5.2.3": "easy", "3": "hard", "2.5": "good"}
    for chapter, rating in favourites.items():
        run.ok("fav", IE, chapter, "--rating", rating, now=iso(now))
        ideal, interval = shadow.review(chapter, rating, now)
        assert window_ok(dt.date.fromisoformat(due_of(run, chapter)), ideal, interval, shadow.day(now))

    ratings = ["good", "hard", "again", "easy", "good", "good", "hard", "good"]
    turn = 0
    snoozed = broke = undone = moved_tz = False
    end = start + dt.timedelta(days=365)
    while now < end:
        agenda = run.json("agenda", "--days", 400, now=iso(now))
        next_day = next((d["date"] for d in agenda if d["revisits"]), None)
        if next_day is None:
            break
        day = dt.date.fromisoformat(next_day)
        now = max(now, dt.datetime(day.year, day.month, day.day, 8, 30, tzinfo=shadow.tz))
        plan = run.json("today", now=iso(now))
        assert plan["date"] == shadow.day(now).isoformat()
        assert [r["overdue_days"] for r in plan["revisit"]] == sorted(
            (r["overdue_days"] for r in plan["revisit"]), reverse=True)
        for item in plan["revisit"]:
            chapter = item["chapter"]
            card = shadow.cards[chapter]
            expected_recall = shadow.sched.get_card_retrievability(card, now.astimezone(dt.timezone.utc))
            assert abs(item["recall"] - expected_recall) < 1e-3
            if not snoozed and turn == 5:
                # Snooze: the memory state is untouched; the date moves 3 days past today.
                run.ok("snooze", IE, chapter, "--days", 3, now=iso(now))
                assert due_of(run, chapter) == (shadow.day(now) + dt.timedelta(days=3)).isoformat()
                snoozed = True
                turn += 1
                continue
            rating = ratings[turn % len(ratings)]
            turn += 1
            if not undone and rating == "again":
                # A mistaken grade, undone: the card is as if it never happened.
                run.ok("revisit", IE, chapter, "again", now=iso(now))
                run.ok("undo", now=iso(now))
                rating = "good"
                undone = True
            out = run.ok("revisit", IE, chapter, rating, "--minutes", 10, now=iso(now)).stdout
            ideal, interval = shadow.review(chapter, rating, now)
            due = dt.date.fromisoformat(due_of(run, chapter))
            assert due.isoformat() in out
            if rating == "again":
                assert interval < 7  # a lapse brings it back in days, not weeks
            assert window_ok(due, ideal, interval, shadow.day(now)), (chapter, rating, due, ideal, interval)
        if not broke and now > start + dt.timedelta(days=60):
            # A holiday over the next favourite due: it falls due the day after.
            upcoming = [d for d in run.json("agenda", "--days", 90, now=iso(now))[1:] if d["revisits"]]
            first = dt.date.fromisoformat(upcoming[0]["date"])
            run.ok("break", "--from", first - dt.timedelta(days=1), "--to", first + dt.timedelta(days=2),
                   now=iso(now))
            after = first + dt.timedelta(days=3)
            moved = run.json("agenda", "--days", 90, now=iso(now))
            inside = [d for d in moved if first - dt.timedelta(days=1) <= dt.date.fromisoformat(d["date"])
                      <= first + dt.timedelta(days=2)]
            assert all(not d["revisits"] for d in inside)
            assert any(d["revisits"] for d in moved if d["date"] == after.isoformat())
            broke = True
        if not moved_tz and now > start + dt.timedelta(days=180):
            run.ok("config", "timezone", "America/New_York", now=iso(now))
            shadow.tz = ZoneInfo("America/New_York")
            now = now.astimezone(shadow.tz)
            moved_tz = True
        now += dt.timedelta(hours=1)
    assert snoozed and broke and undone and moved_tz
    assert turn > 20
    run.ok("db", "check", now=iso(now))


def test_day_starts_at_day_start_hour(run):
    before = "2026-03-03T03:30:00+01:00"
    assert run.json("today", now=before)["date"] == "2026-03-02"
    assert run.json("today", now="2026-03-03T04:00:00+01:00")["date"] == "2026-03-03"
    run.ok("read", IE, "5.1", "--done", now=before)
    run.ok("fav", IE, "5.1", now=before)  # the reader's date is still 03-02: good → 03-04
    assert due_of(run, "5.1") == "2026-03-04"
    run.ok("config", "day_start_hour", "0", now=before)  # re-folds the log with the new day
    assert due_of(run, "5.1") == "2026-03-05"
    run.ok("db", "check", now=before)


def test_daylight_saving_change(run):
    # Europe/Paris moves to summer time at 02:00 on 2026-03-29.
    assert run.json("today", now="2026-03-29T03:30:00+02:00")["date"] == "2026-03-28"
    assert run.json("today", now="2026-03-29T04:00:00+02:00")["date"] == "2026-03-29"
    at = "2026-03-28T23:30:00+01:00"
    run.ok("read", IE, "5.1", "--done", now=at)
    run.ok("fav", IE, "5.1", "--rating", "easy", now=at)
    assert due_of(run, "5.1") == "2026-04-05"  # 8 days of dates, not 8 × 24 hours
    # Autumn: 2026-10-25 has 25 hours; the day still starts at 04:00 local.
    assert run.json("today", now="2026-10-25T03:59:00+01:00")["date"] == "2026-10-24"
    assert run.json("today", now="2026-10-25T04:00:00+01:00")["date"] == "2026-10-25"


def test_load_balancing_spreads_equal_intervals(run):
    """Chapters favourited easy together would all fall due on one day; balancing spreads
    them over the window by expected load: a day's favourites, plus a tenth (1 - desired
    retention) of the day before's that will lapse onto it, ties to the nearest then
    earlier day."""
    numbers = ["0", "1", "2", "3", "4", "6", "7"]
    for n in numbers:
        run.ok("read", IE, n, "--done")
        run.ok("fav", IE, n, "--rating", "easy")
    # 8 days → window ±1 day: 03-09, 03-10, 03-11. Expected loads before each one:
    # (0, 0, 0) → 10; (0, 1, .1) → 09; (1, 1.1, .1) → 11; (1, 1.1, 1.1) → 09;
    # (2, 1.2, 1.1) → 11; (2, 1.2, 2.1) → 10; (2, 2.2, 2.1) → 09.
    dues = [due_of(run, n) for n in numbers]
    assert dues == ["2026-03-10", "2026-03-09", "2026-03-11", "2026-03-09", "2026-03-11", "2026-03-10",
                    "2026-03-09"]
    agenda = run.json("agenda", "--days", 12)
    loads = {d["date"]: len(d["revisits"]) for d in agenda}
    assert (loads["2026-03-09"], loads["2026-03-10"], loads["2026-03-11"]) == (3, 2, 2)


def test_retention_and_maximum_interval_settings(run):
    run.ok("config", "desired_retention", "0.8")
    run.ok("config", "maximum_interval_days", "10")
    run.ok("read", IE, "5.1", "--done", "--on", "2026-01-01")
    run.ok("fav", IE, "5.1", "--rating", "easy", "--on", "2026-01-01")
    run.ok("revisit", IE, "5.1", "easy", "--on", "2026-01-09")
    sched = fsrs_scheduler(0.8, 10)
    at1 = dt.datetime(2026, 1, 1, 12, tzinfo=PARIS).astimezone(dt.timezone.utc)
    at2 = dt.datetime(2026, 1, 9, 12, tzinfo=PARIS).astimezone(dt.timezone.utc)
    card, _ = sched.review_card(Card(card_id=1, due=at1), Rating.Easy, at1)
    card, _ = sched.review_card(card, Rating.Easy, at2)
    interval = round((card.due - at2).total_seconds() / 86400)
    assert interval == 10
    due = dt.date.fromisoformat(due_of(run, "5.1"))
    assert abs((due - dt.date(2026, 1, 19)).days) <= 1


OPS = st.lists(
    st.tuples(
        st.sampled_from(["revisit", "revisit", "revisit", "snooze", "unfav", "fav", "undo", "break", "backdated"]),
        st.sampled_from(["5", "5.1", "5.2", "3", "2.5"]),
        st.sampled_from(["again", "hard", "good", "easy"]),
        st.integers(min_value=0, max_value=9),
    ),
    min_size=5, max_size=25,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_stored_cards_equal_a_replay_of_the_log(run, ops):
    """Whatever happens, in whatever order (backdated, undone), the stored cards are
    exactly what folding the whole log gives (`db check` compares them)."""
    import shutil

    from tests.conftest import Runner

    db = run.db.with_name(f"h{abs(hash(tuple(ops)))}.db")
    shutil.copy(run.db, db)
    r = Runner(db)
    day0 = dt.datetime(2026, 1, 1, 9, tzinfo=PARIS)
    for chapter in ("5.1", "5.2", "5", "3", "2.5"):  # sections first: a read chapter is not finished again
        r.ok("read", IE, chapter, "--done", now=iso(day0))
        r.ok("fav", IE, chapter, now=iso(day0))
    now = day0
    for kind, chapter, rating, n in ops:
        now += dt.timedelta(days=n + 1, hours=n)
        stamp = iso(now)
        if kind == "revisit":
            r(kind, IE, chapter, rating, now=stamp)
        elif kind == "backdated":
            r("revisit", IE, chapter, rating, "--on", (now - dt.timedelta(days=n * 3 + 1)).isoformat(), now=stamp)
        elif kind == "snooze":
            r("snooze", IE, chapter, "--days", n + 1, now=stamp)
        elif kind in ("fav", "unfav"):
            r(kind, IE, chapter, now=stamp)
        elif kind == "undo":
            r("undo", now=stamp)
        elif kind == "break":
            first = (now + dt.timedelta(days=n - 4)).date()
            r("break", "--from", first, "--to", first + dt.timedelta(days=n % 4), now=stamp)
    r.ok("db", "check", now=iso(now))
    db.unlink()
