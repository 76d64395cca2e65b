"""The review session (SPEC §4.4) and one favourite's memory (`card`, SPEC §3).

`review` takes today's due revisits in `today`'s order (`cards.due_query`); for each
it shows the reader's notes on the chapter (newest first, at most three), the recall
now and the interval each rating would give (`cards.preview_due`: FSRS and load
balancing, nothing written), then reads one answer (`parse_answer`). Each rating is
recorded at once as a `revisit`, each `n TEXT` as a `note`: the command line makes
each one its own change. `card` shows a card's memory and the reviews FSRS applied to
it, read from the checkpoints every event leaves (`CardState`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import cards, schedule, settings
from tracker.errors import UserError, candidates
from tracker.events import add_event, clock, rules
from tracker.limits import MAX_MINUTES
from tracker.model import Book, Card, CardState, Chapter, Event
from tracker.names import chapter_label, find_book, find_chapter
from tracker.when import Clock, in_zone

RATINGS = tuple(schedule.RATING_VALUES)  # again, hard, good, easy
# What an answer may say for each rating: the word, its first letter, its number.
RATING_ANSWERS = {form: word for word, value in schedule.RATING_VALUES.items()
                  for form in (word, word[0], str(value))}
ANSWER_HELP = ("again, hard, good or easy (a, h, g, e or 1–4), optionally with minutes (g 15); "
               "s skips, n TEXT adds a note, q stops")


@dataclass(frozen=True)
class Answer:
    """One line of the session: `rate` (rating, minutes), `skip`, `note` (text), `quit`,
    or `unknown` (problem: what is wrong with it)."""

    kind: str
    rating: str | None = None
    minutes: int | None = None
    text: str | None = None
    problem: str | None = None


def parse_answer(line: str) -> Answer:
    words = line.split()
    if not words:
        return Answer("unknown", problem=f"an answer is needed: {ANSWER_HELP}")
    first = words[0].casefold()
    if first == "n":
        text = line.strip()[1:].strip()
        if not text:
            return Answer("unknown", problem="a note needs its text: n TEXT")
        return Answer("note", text=text)
    if first in ("s", "q") and len(words) == 1:
        return Answer("skip" if first == "s" else "quit")
    rating = RATING_ANSWERS.get(first)
    if rating is not None and len(words) <= 2:
        minutes = None
        if len(words) == 2:
            try:
                minutes = int(words[1])
            except ValueError:
                return Answer("unknown", problem=f"{words[1]!r} is not a number of minutes, as in `g 15`")
            if not 0 <= minutes <= MAX_MINUTES:
                return Answer("unknown", problem=f"minutes run from 0 to {MAX_MINUTES}, got {minutes}")
        return Answer("rate", rating=rating, minutes=minutes)
    return Answer("unknown", problem=f"{line.strip()!r} is not an answer: {ANSWER_HELP}")


def queue(session: Session, c: Clock, limit: int | None = None) -> tuple[list[int], int]:
    """Today's due revisits in `today`'s order, at most `limit` (default: the
    `max_revisits_per_day` setting): their chapter ids, and how many are due in all."""
    cap = settings.load(session).max_revisits_per_day if limit is None else limit
    day = c.today()
    ids = [card.chapter_id for card, *_ in session.execute(cards.due_query(day).limit(cap))]
    return ids, cards.due_count(session, day)


def _target(session: Session, chapter_id: int) -> tuple[Book, Chapter]:
    chapter = session.get(Chapter, chapter_id)
    if chapter is None:
        raise UserError(f"chapter id {chapter_id} was removed while the session ran")
    book = session.get(Book, chapter.book_id)
    assert book is not None
    return book, chapter


def next_intervals(session: Session, r: schedule.Rules, chapter_id: int, card: schedule.CardValue,
                   at: dt.datetime) -> dict[str, int]:
    """The interval in days each rating would give at `at`, load balancing included."""
    store = cards.DbStore(session, r)
    day = r.day(at)
    return {rating: (cards.preview_due(session, r, chapter_id, card, rating, at, store) - day).days
            for rating in RATINGS}


def prompt(session: Session, chapter_id: int) -> dict[str, Any]:
    """What the session shows of one due revisit, as it stands now."""
    c = clock(session)
    book, chapter = _target(session, chapter_id)
    row = session.get(Card, chapter_id)
    assert row is not None
    value = cards.value_of(row)
    r = rules(session, c)
    notes = session.execute(
        select(Event.at, Event.note).where(Event.chapter_id == chapter_id, Event.note.is_not(None))
        .order_by(Event.at.desc(), Event.id.desc()).limit(3)
    ).all()
    return {
        "book": book.slug, "chapter": chapter.number, "title": chapter.title, "due": row.due.isoformat(),
        "overdue_days": (c.today() - row.due).days, "recall": schedule.recall(r, value, c.now),
        "next": next_intervals(session, r, chapter_id, value, c.now),
        "notes": [{"date": c.reader_date(at).isoformat(), "note": text} for at, text in notes],
    }


def revisit(session: Session, chapter_id: int, rating: str, minutes: int | None = None) -> dt.date | None:
    """Record one answer now, as a `revisit`; returns the card's new due date."""
    c = clock(session)
    book, chapter = _target(session, chapter_id)
    add_event(session, kind="revisit", at=c.now, book=book, chapter=chapter, rating=rating, minutes=minutes,
              rules_=rules(session, c))
    row = session.get(Card, chapter_id)
    return row.due if row is not None and row.active else None


def note(session: Session, chapter_id: int, text: str) -> None:
    """Record `n TEXT` now, as a `note` on the chapter."""
    book, chapter = _target(session, chapter_id)
    add_event(session, kind="note", at=clock(session).now, book=book, chapter=chapter, note=text)


def next_due(session: Session) -> dict[str, object] | None:
    """The next revisit to do, today's included: when, and which chapter (None: none)."""
    today = clock(session).today()
    first = session.execute(cards.due_query(dt.date.max).limit(1)).first()
    if first is None:
        return None
    row, number, title, slug = first
    return {"date": row.due.isoformat(), "days": (row.due - today).days, "book": slug, "chapter": number,
            "title": title}


# --- card -----------------------------------------------------------------------------


def card(session: Session, book_text: str, chapter_text: str) -> dict[str, Any]:
    """`card --json` (SPEC §3): the card's memory now, the next interval for each
    rating, and every review FSRS applied to it."""
    c = clock(session)
    book = find_book(session, book_text)
    chapter = find_chapter(session, book, chapter_text)
    row = session.get(Card, chapter.id)
    if row is None:
        raise UserError(_never_favourite(session, book, chapter))
    r = rules(session, c)
    value = cards.value_of(row)
    return {
        "book": book.slug, "chapter": chapter.number, "title": chapter.title, "favourite": row.active,
        "stability": value.stability, "difficulty": value.difficulty,
        "recall": round(schedule.recall(r, value, c.now), 4), "due": row.due.isoformat(),
        "days": (row.due - c.today()).days, "reviews": row.reviews, "lapses": row.lapses,
        # A revisit of a chapter that is no longer a favourite schedules nothing.
        "next": next_intervals(session, r, chapter.id, value, c.now) if row.active
        else dict.fromkeys(RATINGS),
        "history": history(session, r, c, chapter.id),
    }


def history(session: Session, r: schedule.Rules, c: Clock, chapter_id: int) -> list[dict[str, Any]]:
    """Each review FSRS applied to the card (the favouriting's first grade included):
    the checkpoints whose review count went up, with the interval that review gave."""
    out: list[dict[str, Any]] = []
    reviews = 0
    for at, rating, count, due in session.execute(
        select(Event.at, Event.rating, CardState.reviews, CardState.due)
        .join(Event, Event.id == CardState.event_id)
        .where(CardState.chapter_id == chapter_id).order_by(Event.at, Event.id)
    ):
        if count > reviews:
            out.append({"at": in_zone(at, c.tz).isoformat(timespec="seconds"), "rating": rating,
                        "interval_days": (due - r.day(at)).days, "due": due.isoformat()})
        reviews = count
    return out


def _never_favourite(session: Session, book: Book, chapter: Chapter) -> str:
    favourites = list(session.scalars(
        select(Chapter).where(Chapter.book_id == book.id, Chapter.favourite.is_(True)).order_by(Chapter.position)))
    what = f"{book.slug} {chapter_label(chapter)} has never been a favourite, so it has no card"
    if not favourites:
        return f"{what}; {book.slug} has no favourites yet (tracker fav {book.slug} CHAPTER makes one)"
    return f"{what}; the favourites of {book.slug}: {candidates(chapter_label(f) for f in favourites)}"
