"""The report's numbers (SPEC §5.4 report): what `stats`, `agenda` and `books` already
give, put together, and the favourites with their recall now.

This is the one use case that reads the others: the history of the year (or of all
time) comes from `data.stats`, the next 90 days' load from `plan.agenda` (the overdue
counted on the first day, as `agenda` counts them), each book's progress from
`library.books`, recall from the schedule's own rule. The page itself is drawn by
`tracker.formats.report_html` from these plain values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import data, library, plan, schedule, settings
from tracker.cards import value_of
from tracker.model import Book, Card, Chapter
from tracker.when import Clock, in_zone

DAYS_AHEAD = 90
HEATMAP_WEEKS = 53  # all time: the last year of days, from a Monday


def report(session: Session, c: Clock, *, year: int | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain values."""
    today = c.today()
    if year is not None and 1900 <= year <= 2200:
        heat_from = dt.date(year, 1, 1)
    else:
        heat_from = today - dt.timedelta(days=today.weekday(), weeks=HEATMAP_WEEKS - 1)
    history = data.stats(session, c, year=year, heatmap_from=heat_from)  # refuses a year out of range
    values = settings.load(session)
    ahead = plan.agenda(session, c, days=DAYS_AHEAD)
    return {
        "date": today.isoformat(),
        "made": in_zone(c.now, c.tz).isoformat(timespec="minutes"),
        "year": year,
        "stats": history,
        "ahead": [{"date": d["date"], "revisits": len(d["revisits"])} for d in ahead],
        "max_revisits_per_day": values.max_revisits_per_day,
        "desired_retention": values.desired_retention,
        "books": sorted((b for b in library.books(session) if b["status"] in ("reading", "read")),
                        key=lambda b: (b["status"] != "reading", b["title"].casefold(), b["slug"])),
        "favourites": favourites(session, c),
    }


def favourites(session: Session, c: Clock) -> list[dict[str, Any]]:
    """Every favourite chapter with its recall now (FSRS) and next due date, due first."""
    rules = schedule.Rules.of(settings.load(session), c)
    rows = session.execute(
        select(Card, Book.slug, Book.title, Chapter.number, Chapter.title)
        .join(Chapter, Chapter.id == Card.chapter_id).join(Book, Book.id == Chapter.book_id)
        .where(Card.active.is_(True)).order_by(Card.due, Book.slug, Chapter.position)
    ).all()
    today = c.today()
    return [
        {"book": slug, "book_title": book_title, "chapter": number, "title": title,
         "recall": round(schedule.recall(rules, value_of(card), c.now), 4), "due": card.due.isoformat(),
         "overdue_days": max(0, (today - card.due).days), "reviews": card.reviews}
        for card, slug, book_title, number, title in rows
    ]
