"""The reading commands (SPEC §3 read, note, fav, unfav, revisit, snooze, break, stop,
`undo ID`, `edit`): each one event appended to the log, or one amended or taken back,
with everything that follows from the log kept true (`tracker.events`).

An edit never changes an event's kind, book or chapter; it changes its time and the
fields that apply to its kind, and everything derived from the log (statuses, cards,
due dates, resource statuses) is recomputed as a replay of the edited log gives it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import cards, changes, derived, schedule
from tracker.errors import UserError
from tracker.events import (
    add_event, clock, impossible_now, log_rows, progress_of, refuse_untrue, rules, when_on,
)
from tracker.limits import NOTE_MAX, check_length, check_minutes, check_pages
from tracker.model import Book, Card, Chapter, Event
from tracker.names import chapter_label, find_book, find_chapter
from tracker.statuses import BOOK_KINDS


RATING_WORDS = {"1": "again", "2": "hard", "3": "good", "4": "easy"}


def parse_rating(text: str) -> str:
    word = RATING_WORDS.get(text.strip(), text.strip().lower())
    if word not in schedule.RATING_VALUES:
        raise UserError(f"unknown rating {text!r}; use again, hard, good, easy (or 1–4)")
    return word


@dataclass(frozen=True)
class Recorded:
    id: int
    kind: str
    book: str
    chapter: str | None
    title: str | None
    at: dt.datetime
    due: dt.date | None = None
    favourite: bool = False
    progress: str | None = None  # where a chapter being read stands: `40%`, `15/35 pages`
    sections: tuple[int, int] = (0, 0)  # a finish: (its sections it finished, all its sections)


def _target(session: Session, book_text: str, chapter_text: str | None) -> tuple[Book, Chapter | None]:
    book = find_book(session, book_text)
    chapter = find_chapter(session, book, chapter_text) if chapter_text is not None else None
    return book, chapter


def _recorded(event: Event, book: Book, chapter: Chapter | None, due: dt.date | None = None,
              favourite: bool = False) -> Recorded:
    return Recorded(event.id, event.kind, book.slug, chapter.number if chapter else None,
                    chapter.title if chapter else None, event.at, due, favourite)


def read(
    session: Session, book_text: str, chapter_text: str, *, on: str | None = None, done: bool = False,
    percent: int | None = None, pages: int | None = None, minutes: int | None = None,
    note: str | None = None,
) -> Recorded:
    if percent is not None and not 0 <= percent <= 100:
        raise UserError(f"--percent must be from 0 to 100, got {percent}")
    check_pages(pages)
    if percent is not None and pages is not None:
        raise UserError("give --percent or --pages, not both")
    if done and percent is not None and percent < 100:
        raise UserError(f"--done finishes the chapter, but --percent {percent} says it is not finished; "
                        "give one of them")
    check_minutes(minutes)
    c = clock(session)
    at = when_on(c, on)
    book, chapter = _target(session, book_text, chapter_text)
    assert chapter is not None
    kind = "finish" if done or percent == 100 else "read"
    sections = _sections(session, chapter) if kind == "finish" else (0, 0)
    event = add_event(session, kind=kind, at=at, book=book, chapter=chapter, minutes=minutes,
                      percent=percent, pages=pages, note=note)
    recorded = replace(_recorded(event, book, chapter), sections=sections)
    if chapter.status == "reading":
        recorded = replace(recorded, progress=progress_of(session, [chapter.id]).get(chapter.id))
    return recorded


def _sections(session: Session, chapter: Chapter) -> tuple[int, int]:
    """A chapter's sections (at any depth): (those not read yet, all of them). Finishing
    the chapter finishes them (SPEC §1 "Status")."""
    statuses = session.scalars(select(Chapter.status).where(
        Chapter.book_id == chapter.book_id, Chapter.number.startswith(chapter.number + "."))).all()
    return sum(1 for status in statuses if status != "read"), len(statuses)


def note(session: Session, book_text: str, text: str, *, chapter_text: str | None = None,
         on: str | None = None) -> Recorded:
    if not text.strip():
        raise UserError("the note is empty")
    c = clock(session)
    at = when_on(c, on)
    book, chapter = _target(session, book_text, chapter_text)
    event = add_event(session, kind="note", at=at, book=book, chapter=chapter, note=text)
    return _recorded(event, book, chapter)


def fav(session: Session, book_text: str, chapter_text: str, *, rating: str = "good",
        on: str | None = None) -> Recorded:
    rating = parse_rating(rating)
    c = clock(session)
    at = when_on(c, on)
    book, chapter = _target(session, book_text, chapter_text)
    assert chapter is not None
    if chapter.favourite:
        raise UserError(f"{book.slug} {chapter_label(chapter)} is already a favourite")
    if chapter.status == "unread":
        raise UserError(
            f"{book.slug} {chapter_label(chapter)} has not been started; log a session first: "
            f"tracker read {book.slug} {chapter.number}"
        )
    r = rules(session, c)
    event = add_event(session, kind="favourite", at=at, book=book, chapter=chapter, rating=rating, rules_=r)
    card = session.get(Card, chapter.id)
    return _recorded(event, book, chapter, card.due if card else None, True)


def unfav(session: Session, book_text: str, chapter_text: str, *, on: str | None = None) -> Recorded:
    c = clock(session)
    at = when_on(c, on)
    book, chapter = _target(session, book_text, chapter_text)
    assert chapter is not None
    if not chapter.favourite:
        raise UserError(f"{book.slug} {chapter_label(chapter)} is not a favourite")
    event = add_event(session, kind="unfavourite", at=at, book=book, chapter=chapter, rules_=rules(session, c))
    return _recorded(event, book, chapter)


def revisit(session: Session, book_text: str, chapter_text: str, rating: str, *,
            minutes: int | None = None, note: str | None = None, on: str | None = None) -> Recorded:
    rating = parse_rating(rating)
    check_minutes(minutes)
    c = clock(session)
    at = when_on(c, on)
    book, chapter = _target(session, book_text, chapter_text)
    assert chapter is not None
    event = add_event(session, kind="revisit", at=at, book=book, chapter=chapter, rating=rating,
                      minutes=minutes, note=note, rules_=rules(session, c))
    card = session.get(Card, chapter.id) if chapter.favourite else None
    return _recorded(event, book, chapter, card.due if card else None, chapter.favourite)


def snooze(session: Session, book_text: str, chapter_text: str, *, days: int | None = None,
           until: str | None = None, on: str | None = None) -> Recorded:
    if (days is None) == (until is None):
        raise UserError("give one of --days N or --until WHEN")
    if days is not None and not 1 <= days <= 3650:
        raise UserError(f"--days must be from 1 to 3650, got {days}")
    c = clock(session)
    at = when_on(c, on)
    book, chapter = _target(session, book_text, chapter_text)
    assert chapter is not None
    card = session.get(Card, chapter.id)
    if not chapter.favourite or card is None:
        raise UserError(f"{book.slug} {chapter_label(chapter)} is not a favourite, so it has no revisit to snooze")
    day = c.reader_date(at)
    if until is not None:
        target = c.date(until)
        if target <= day:
            raise UserError(f"--until {until} ({target}) must lie after the snooze's own date ({day})")
    else:
        assert days is not None
        target = max(card.due, day) + dt.timedelta(days=days)
    event = add_event(session, kind="snooze", at=at, book=book, chapter=chapter, until=target,
                      rules_=rules(session, c))
    card = session.get(Card, chapter.id)
    return _recorded(event, book, chapter, card.due if card else target, True)


def take_break(session: Session, first: str, last: str) -> tuple[int, dt.date, dt.date, dict[dt.date, int]]:
    """A holiday, both days included; returns (event id, first, last, and how many of the
    revisits it pushed out went to each day after it)."""
    c = clock(session)
    start, end = c.date(first), c.date(last)
    shown = (lambda text, day: text if text == day.isoformat() else f"{text} ({day})")
    if start > end:
        raise UserError(f"--from {shown(first, start)} is after --to {shown(last, end)}")
    if (end - start).days + 1 > MAX_BREAK_DAYS:
        raise UserError(f"a break lasts at most {MAX_BREAK_DAYS} days; --from {shown(first, start)} to "
                        f"--to {shown(last, end)} is {(end - start).days + 1}")
    moved = list(session.scalars(
        select(Card.chapter_id).where(Card.active.is_(True), Card.due.between(start, end))))
    event = add_event(session, kind="break", at=c.noon(start), until=end)
    landed: dict[dt.date, int] = {}
    for chunk in range(0, len(moved), 500):
        for day, count in session.execute(select(Card.due, func.count()).where(
                Card.chapter_id.in_(moved[chunk:chunk + 500])).group_by(Card.due)):
            landed[day] = landed.get(day, 0) + count
    return event.id, start, end, dict(sorted(landed.items()))


def stop(session: Session, book_text: str, *, on: str | None = None) -> Recorded:
    c = clock(session)
    at = when_on(c, on)
    book = find_book(session, book_text)
    if book.status == "read":
        raise UserError(f"{book.slug} is read already; there is nothing to stop")
    event = add_event(session, kind="stop", at=at, book=book)
    return _recorded(event, book, None)


def undo(session: Session, event_id: int) -> dict[str, Any]:
    """`undo ID`: take back one logged event and recompute what followed it (SPEC §4.3:
    refused when a later event depends on it)."""
    event = session.get(Event, event_id)
    if event is None:
        raise UserError(f"there is no event with id {event_id}; see `tracker log`")
    c = clock(session)
    described = next(iter(log_rows(session, c, ids=[event.id])))
    book = session.get(Book, event.book_id) if event.book_id is not None else None
    before = impossible_now(session, book.id) if book is not None else {}
    point = (event.at, event.id)
    kind, resource_id = event.kind, event.resource_id
    session.delete(event)
    session.flush()
    if book is not None:
        refuse_untrue(session, book, before, None, "remove")
        if kind in BOOK_KINDS:
            derived.refresh_book(session, book)
    if resource_id is not None:
        derived.refresh_resource(session, resource_id)
    if kind in schedule.SCHEDULE_KINDS:
        cards.replay_from(session, rules(session, c), point)
    changes.forget_event(session, event_id)
    return described


# --- edit -----------------------------------------------------------------------------

# The fields each kind of event has, besides its time.
FIELDS: dict[str, tuple[str, ...]] = {
    "read": ("minutes", "percent", "pages", "note"),
    "finish": ("minutes", "pages", "note"),
    "favourite": ("rating",),
    "unfavourite": (),
    "revisit": ("rating", "minutes", "note"),
    "snooze": ("until",),
    "break": ("until",),
    "stop": ("note",),
    "note": ("note",),
    "queue": (), "start": (), "done": (), "dismiss": (),
}
MAX_BREAK_DAYS = 366


@dataclass(frozen=True)
class Amendment:
    on: str | None = None
    minutes: int | None = None
    percent: int | None = None
    pages: int | None = None
    rating: str | None = None
    until: str | None = None
    note: str | None = None

    def given(self) -> list[str]:
        return [name for name in ("on", "minutes", "percent", "pages", "rating", "until", "note")
                if getattr(self, name) is not None]


def edit(session: Session, event_id: int, change: Amendment) -> dict[str, Any]:
    """Amend an event; returns it as `log --json` shows it afterwards."""
    given = change.given()
    if not given:
        raise UserError("give at least one field to change: --on, --minutes, --percent, --pages, --rating, "
                        "--until or --note")
    event = session.get(Event, event_id)
    if event is None:
        raise UserError(f"there is no event with id {event_id}; see `tracker log`")
    allowed = FIELDS[event.kind]
    wrong = [name for name in given if name != "on" and name not in allowed]
    if wrong:
        fields = ", ".join(f"--{f}" for f in ("on", *allowed))
        raise UserError(f"--{wrong[0]} does not apply to a {event.kind} event; it takes {fields}")
    if change.percent is not None and change.pages is not None:
        raise UserError("give --percent or --pages, not both")
    c = clock(session)
    book = session.get(Book, event.book_id) if event.book_id is not None else None
    before = impossible_now(session, book.id) if book is not None else {}
    old_point = (event.at, event.id)
    if change.on is not None:
        if event.kind == "break":
            event.at = c.noon(c.date(change.on))
        else:
            event.at = when_on(c, change.on)
    if change.minutes is not None:
        check_minutes(change.minutes)
        event.minutes = change.minutes
    if change.percent is not None:
        if not 0 <= change.percent <= 100:
            raise UserError(f"--percent must be from 0 to 100, got {change.percent}")
        if change.percent == 100:
            raise UserError("--percent 100 would finish the chapter; an edit never changes an event's kind "
                            f"(undo {event_id} and log it again with --done)")
        event.percent, event.pages = change.percent, None
    if change.pages is not None:
        check_pages(change.pages)
        event.pages, event.percent = change.pages, None if event.kind == "read" else event.percent
    if change.rating is not None:
        event.rating = parse_rating(change.rating)
    if change.note is not None:
        check_length("the note", change.note, NOTE_MAX)
        if event.kind == "note" and not change.note.strip():
            raise UserError("the note is empty")
        event.note = change.note if change.note.strip() else None
    if change.until is not None:
        event.until = c.date(change.until)
    _check_dates(c, event)
    session.flush()
    if book is not None:
        refuse_untrue(session, book, before, event.id, "edit")
        derived.refresh_book(session, book)
    if event.resource_id is not None:
        derived.refresh_resource(session, event.resource_id)
    if event.kind in schedule.SCHEDULE_KINDS:
        cards.replay_from(session, rules(session, c), min(old_point, (event.at, event.id)))
    return next(iter(log_rows(session, c, ids=[event.id])))


def _check_dates(c: Any, event: Event) -> None:
    if event.kind == "snooze" and event.until is not None and event.until <= c.reader_date(event.at):
        raise UserError(f"a snooze must move the revisit after its own date ({c.reader_date(event.at)}); "
                        f"--until {event.until} does not")
    if event.kind == "break" and event.until is not None:
        first = c.reader_date(event.at)
        if event.until < first:
            raise UserError(f"the break would end ({event.until}) before it starts ({first})")
        if (event.until - first).days + 1 > MAX_BREAK_DAYS:
            raise UserError(f"a break lasts at most {MAX_BREAK_DAYS} days")
    if event.kind != "break" and event.at > c.now:
        raise UserError(f"{event.at.astimezone(c.tz).date()} is in the future; an event cannot happen after now")
