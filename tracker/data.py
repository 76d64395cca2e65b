"""The data commands' use cases (SPEC §3 `stats`): streaks, minutes, chapters and
revisits per week, true retention, and the days of a 26-week heat map, from one
streamed pass over the log.

A reader day counts as active when it has reading or revisiting in it (a `read`,
`finish` or `revisit` event). Days are the reader's dates (SPEC §3: local date of the
time minus `day_start_hour`), so a session after midnight counts for the evening.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import settings
from tracker.errors import UserError
from tracker.model import Event
from tracker.when import Clock

ACTIVITY_KINDS = ("read", "finish", "revisit")
HEATMAP_WEEKS = 26
# A session logged without minutes still shows on the heat map, as if it took this long.
MINUTES_PER_UNTIMED_EVENT = 10


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def stats(session: Session, c: Clock, *, year: int | None = None) -> dict[str, Any]:
    """The numbers of `stats --json` (and the heat map's days)."""
    today = c.today()
    query = (select(Event.at, Event.kind, Event.minutes, Event.rating)
             .where(Event.kind.in_(ACTIVITY_KINDS)).order_by(Event.at, Event.id))
    end = today
    first_day: dt.date | None = None
    if year is not None:
        if not 1900 <= year <= 2200:
            raise UserError(f"--year must be from 1900 to 2200, got {year}")
        first_day = dt.date(year, 1, 1)
        end = min(today, dt.date(year, 12, 31))
        query = query.where(Event.at >= c.day_start(first_day), Event.at <= c.day_end(dt.date(year, 12, 31)))

    # day -> [minutes, events, chapters finished, revisits, untimed events]
    days: dict[dt.date, list[int]] = {}
    minutes = chapters = revisits = passed = 0
    reader_date = c.reader_date
    for at, kind, mins, rating in session.execute(query.execution_options(yield_per=5000)):
        day = reader_date(at)
        cell = days.get(day)
        if cell is None:
            cell = days[day] = [0, 0, 0, 0, 0]
        cell[1] += 1
        if mins:
            cell[0] += mins
            minutes += mins
        elif mins is None:
            cell[4] += 1
        if kind == "finish":
            cell[2] += 1
            chapters += 1
        elif kind == "revisit":
            cell[3] += 1
            revisits += 1
            if rating != "again":
                passed += 1

    active = sorted(days)
    longest = run = 0
    previous: dt.date | None = None
    for day in active:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    if year is None or dt.date(year, 1, 1) <= today:
        cursor = end if end in days else end - dt.timedelta(days=1)
        while cursor in days:
            current += 1
            cursor -= dt.timedelta(days=1)

    weeks: list[dict[str, Any]] = []
    start = first_day if first_day is not None else (active[0] if active else None)
    if start is not None and start <= end:
        totals: dict[dt.date, list[int]] = {}
        for day, cell in days.items():
            t = totals.setdefault(_monday(day), [0, 0, 0])
            t[0] += cell[0]
            t[1] += cell[2]
            t[2] += cell[3]
        monday = _monday(start)
        while monday <= end:
            t = totals.get(monday, [0, 0, 0])
            weeks.append({"week": _week(monday), "from": monday.isoformat(), "minutes": t[0],
                          "chapters": t[1], "revisits": t[2]})
            monday += dt.timedelta(days=7)

    heat_start = _monday(end) - dt.timedelta(weeks=HEATMAP_WEEKS - 1)
    heatmap = []
    day = heat_start
    while day <= end:
        cell = days.get(day)
        heatmap.append({
            "date": day.isoformat(),
            "minutes": cell[0] if cell else 0,
            "events": cell[1] if cell else 0,
            "score": (cell[0] + MINUTES_PER_UNTIMED_EVENT * cell[4]) if cell else 0,
        })
        day += dt.timedelta(days=1)

    return {
        "year": year,
        "date": today.isoformat(),
        "streak_days": current,
        "longest_streak_days": longest,
        "days_active": len(active),
        "minutes": minutes,
        "chapters_finished": chapters,
        "revisits": revisits,
        "true_retention": round(passed / revisits, 4) if revisits else None,
        "desired_retention": settings.load(session).desired_retention,
        "weeks": weeks,
        "heatmap": heatmap,
    }
