"""Reading activity per reader day (SPEC §3 `stats`, §5.4 report): the sums behind the
streaks, weeks, months and heat map, added up by the database.

A reader's date is the local date of a time less `day_start_hour` (SPEC §3): the UTC
time shifted by the zone's offset less that hour. The offset changes only at the zone's
transitions, so the log is cut into spans of one shift each, and each span is one
`GROUP BY` of the shifted date over the (kind, at) index: a few thousand rows for ten
years of reading instead of every event through Python. Times outside the years a
command records (a database written by hand) are counted one by one, by the clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, case, cast, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from tracker.model import Event
from tracker.when import MAX_YEAR, MIN_YEAR, Clock, in_zone

ACTIVITY_KINDS = ("read", "finish", "revisit")
# What a day holds, by index: minutes, events, chapters finished, revisits, events
# without minutes, revisits not rated again.
MINUTES, EVENTS, CHAPTERS, REVISITS, UNTIMED, PASSED = range(6)

UTC = dt.timezone.utc
FIRST = dt.datetime(MIN_YEAR, 1, 2, tzinfo=UTC)  # a day inside the years on both sides:
LAST = dt.datetime(MAX_YEAR, 12, 30, tzinfo=UTC)  # any zone's offset stays in the calendar
MICROSECOND = dt.timedelta(microseconds=1)


def per_day(session: Session, c: Clock, *, since: dt.datetime | None = None,
            until: dt.datetime | None = None) -> dict[dt.date, list[int]]:
    """Reader date -> [minutes, events, chapters, revisits, untimed, passed] for the days
    with reading or revisiting (a `read`, `finish` or `revisit`), from `since` to `until`."""
    bounds = session.execute(select(func.min(Event.at), func.max(Event.at))).one()
    days: dict[dt.date, list[int]] = {}
    if bounds[0] is None:
        return days
    # In UTC: arithmetic on a zone's times is wall-clock arithmetic, which skips or
    # repeats the hour a daylight-saving change moves.
    low = max(bounds[0], FIRST, since or FIRST).astimezone(UTC)
    high = min(bounds[1], LAST, until or LAST).astimezone(UTC)
    if low <= high:
        sqlite = session.get_bind().dialect.name == "sqlite"
        for start, end, shift in _spans(c, low, high):
            day = (func.date(Event.at, literal(f"{shift:+d} minutes")) if sqlite
                   else cast(Event.at + literal_column(f"interval '{int(shift)} minutes'"), Date)).label("day")
            query = _sums(day).where(Event.at >= max(start, low), Event.at <= min(end, high)).group_by(day)
            for row in session.execute(query):
                key = dt.date.fromisoformat(row[0]) if isinstance(row[0], str) else row[0]
                cell = days.setdefault(key, [0] * 6)
                for i, value in enumerate(row[1:]):
                    cell[i] += int(value or 0)
    _outside(session, c, days, since, until)
    return days


def _sums(day: Any) -> Any:
    revisit = Event.kind == "revisit"
    return select(
        day,
        func.sum(func.coalesce(Event.minutes, 0)),
        func.count(),
        func.sum(case((Event.kind == "finish", 1), else_=0)),
        func.sum(case((revisit, 1), else_=0)),
        func.sum(case((Event.minutes.is_(None), 1), else_=0)),
        func.sum(case((revisit & (func.coalesce(Event.rating, "") != "again"), 1), else_=0)),
    ).where(Event.kind.in_(ACTIVITY_KINDS))


def _spans(c: Clock, low: dt.datetime, high: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """[start, end] spans (end the last microsecond) covering low..high, each with one
    shift in minutes (the zone's UTC offset less the day's start hour): a step a day,
    and a bisection down to the microsecond where the shift changes."""

    def shift(at: dt.datetime) -> int:
        offset = in_zone(at, c.tz).utcoffset() or dt.timedelta(0)
        return int(offset.total_seconds() // 60) - 60 * c.day_start_hour

    spans = []
    start, current, at = low, shift(low), low
    while at < high:
        step = min(at + dt.timedelta(days=1), high)
        if shift(step) != current:
            before, after = at, step  # the shift changes in (before, after]
            while after - before > MICROSECOND:
                middle = before + (after - before) // 2
                before, after = (middle, after) if shift(middle) == current else (before, middle)
            spans.append((start, before, current))
            start, current = after, shift(after)
        at = step
    spans.append((start, high, current))
    return spans


def _outside(session: Session, c: Clock, days: dict[dt.date, list[int]], since: dt.datetime | None,
             until: dt.datetime | None) -> None:
    """Events before FIRST or after LAST (only a database written by hand has them)."""
    query = select(Event.at, Event.kind, Event.minutes, Event.rating).where(
        Event.kind.in_(ACTIVITY_KINDS), or_(Event.at < FIRST, Event.at > LAST))
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at <= until)
    for at, kind, minutes, rating in session.execute(query):
        cell = days.setdefault(c.reader_date(at), [0] * 6)
        cell[MINUTES] += minutes or 0
        cell[EVENTS] += 1
        cell[CHAPTERS] += kind == "finish"
        cell[REVISITS] += kind == "revisit"
        cell[UNTIMED] += minutes is None
        cell[PASSED] += kind == "revisit" and rating != "again"
