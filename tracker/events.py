"""The reading log (SPEC §1 "Event", §4.3): appending an event that stays true, and
reading the log back (`log --json`'s shape).

Every fact is an event. Chapter and book status and favourites follow from a book's
events (`tracker.derived`); revisit cards follow from the schedule's fold
(`tracker.cards`). A write that would leave an event impossible is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from tracker import cards, derived, schedule, settings
from tracker.errors import UserError
from tracker.limits import NOTE_MAX, check_length
from tracker.log_rules import CHECKED_KINDS, Impossible, LogEvent, impossible_events
from tracker.model import Book, Chapter, Event, Resource
from tracker.names import chapter_label
from tracker.progress import progress
from tracker.statuses import BOOK_KINDS
from tracker.when import Clock, get_tz, in_zone, now



def clock(session: Session) -> Clock:
    values = settings.load(session)
    return Clock(now=now(), tz=get_tz(values.timezone or None), day_start_hour=values.day_start_hour)


def rules(session: Session, at_clock: Clock | None = None) -> schedule.Rules:
    values = settings.load(session)
    return schedule.Rules.of(values, at_clock or clock(session))


# --- statuses -----------------------------------------------------------------------


# --- a log that stays true (SPEC §4.3) ---------------------------------------------------


def book_log(session: Session, book_id: int) -> tuple[list[tuple[int, str]], list[LogEvent]]:
    chapters = [(cid, number) for cid, number in session.execute(
        select(Chapter.id, Chapter.number).where(Chapter.book_id == book_id).order_by(Chapter.position))]
    events = [LogEvent(*row) for row in session.execute(
        select(Event.id, Event.at, Event.kind, Event.chapter_id)
        .where(Event.book_id == book_id, Event.kind.in_(CHECKED_KINDS)).order_by(Event.at, Event.id))]
    return chapters, events


def impossible_now(session: Session, book_id: int) -> dict[int, Impossible]:
    """The events of a book that the log's order already makes impossible (old data)."""
    session.flush()
    chapters, events = book_log(session, book_id)
    return {i.event.id: i for i in impossible_events(chapters, events)}


def describe_event(session: Session, event_id: int, c: Clock | None = None) -> str:
    rows = list(log_rows(session, c or clock(session), ids=[event_id]))
    if not rows:
        return f"event {event_id}"
    row = rows[0]
    target = " ".join(str(x) for x in (row["book"] or row["resource"], row["chapter"]) if x)
    return f"event {event_id} ({row['event']} {target} on {row['at'][:10]})"


def refuse_untrue(session: Session, book: Book, before: dict[int, Impossible], subject: int | None,
                  mode: str) -> None:
    """Refuse a write that leaves an event of the book impossible that was not before:
    `mode` is "record" (subject: the new event), "remove" or "edit" (subject: the event)."""
    after = impossible_now(session, book.id)
    new = [i for eid, i in after.items() if eid not in before]
    if not new:
        return
    c = clock(session)
    first = min(new, key=lambda i: (i.event.at, i.event.id))
    own = next((i for i in new if i.event.id == subject), None)
    if mode == "record" and own is not None:
        raise UserError(_own_reason(session, book, own, c))
    if mode == "record":
        raise UserError(
            f"that would make a later event impossible: {describe_event(session, first.event.id, c)} "
            f"{first.reason}; undo that one first (tracker undo {first.event.id}) or log this at another time")
    if mode == "edit" and own is not None:
        raise UserError(f"after this edit, event {subject} {own.reason}{_since(own, c)}; "
                        "nothing was changed")
    raise UserError(
        f"{describe_event(session, first.event.id, c)} depends on it: without it, that event "
        f"{first.reason}; undo that one first: tracker undo {first.event.id}")


def _since(item: Impossible, c: Clock) -> str:
    return f" (since {c.reader_date(item.since)})" if item.since is not None else ""


def _own_reason(session: Session, book: Book, item: Impossible, c: Clock) -> str:
    chapter = session.get(Chapter, item.event.chapter_id)
    assert chapter is not None
    what = f"{book.slug} {chapter_label(chapter)}"
    day = c.reader_date(item.event.at)
    kind = item.event.kind
    if kind == "finish":
        on = c.reader_date(item.since) if item.since else day
        parent = session.scalar(select(Chapter).where(Chapter.book_id == book.id, Chapter.number == item.parent)) \
            if item.parent is not None else None
        within = "its parent" if parent is not None and parent.number == chapter.number.rpartition(".")[0] \
            else "the chapter it is in,"
        read = f"was finished with {within} {chapter_label(parent)} on {on}" if parent is not None \
            else f"was already read on {on}"
        return (f"{what} {read}; its first pass is finished once. To log coming back to it: "
                f"tracker revisit {book.slug} {chapter.number} good")
    if kind == "favourite" and item.since is not None:
        return f"{what} is already a favourite (since {c.reader_date(item.since)})"
    if kind in ("favourite", "revisit"):
        return (f"{what} had not been started by {day}; log a first-pass session first: "
                f"tracker read {book.slug} {chapter.number}")
    if kind == "unfavourite":
        return f"{what} is not a favourite on {day}"
    return f"{what} is not a favourite on {day}, so it has no revisit to snooze"


# --- recording ------------------------------------------------------------------------


def add_event(
    session: Session,
    *,
    kind: str,
    at: dt.datetime,
    book: Book | None = None,
    chapter: Chapter | None = None,
    resource: Resource | None = None,
    rules_: schedule.Rules | None = None,
    **fields: Any,
) -> Event:
    """Append one event and bring every cache in line with it; refused (SPEC §4.3) when
    it, or a later event because of it, could not be true in the log's order."""
    if fields.get("note") is not None:
        check_length("the note", fields["note"], NOTE_MAX)
    checked = book is not None and chapter is not None and kind in CHECKED_KINDS
    before = impossible_now(session, book.id) if checked and book is not None else {}
    event = Event(
        kind=kind, at=at, book_id=book.id if book else None,
        chapter_id=chapter.id if chapter else None,
        resource_id=resource.id if resource else None, **fields,
    )
    session.add(event)
    session.flush()
    if checked and book is not None:
        refuse_untrue(session, book, before, event.id, "record")
    if book is not None and kind in BOOK_KINDS:
        derived.refresh_book(session, book)
    if kind in schedule.SCHEDULE_KINDS:
        cards.record(session, rules_ or rules(session), event)
    return event


def add_snoozes(session: Session, at: dt.datetime, snoozes: list[tuple[int, int, dt.date]],
                rules_: schedule.Rules, progress: Callable[[int], None] | None = None) -> list[int]:
    """Append many snoozes at `at`, the end of the log (book id, chapter id, until each):
    one bulk insert and one fold, not one replay per snooze. Returns their event ids.

    SPEC §4.3: a snooze is true when its chapter is a favourite by then, and it makes no
    other event untrue. At the end of the log that is the chapter's favourite mark, as
    the log derives it; a book with events of those chapters after `at` (a restored log
    may hold some) is checked whole by `log_rules` instead."""
    chapters = [cid for _book, cid, _until in snoozes]
    books: set[int] = set()
    not_favourite: list[tuple[int, int]] = []  # (book id, chapter id)
    for chunk in range(0, len(chapters), 500):
        part = chapters[chunk:chunk + 500]
        books.update(session.scalars(select(Event.book_id).distinct().where(
            Event.chapter_id.in_(part), Event.kind.in_(CHECKED_KINDS), Event.at > at)))
        not_favourite.extend((book_id, chapter_id) for book_id, chapter_id in session.execute(
            select(Chapter.book_id, Chapter.id).where(Chapter.id.in_(part), Chapter.favourite.is_(False))))
    for book_id, chapter_id in not_favourite:
        if book_id not in books:
            chapter, book = session.get(Chapter, chapter_id), session.get(Book, book_id)
            assert chapter is not None and book is not None
            raise UserError(f"{book.slug} {chapter_label(chapter)} is not a favourite, so it has no revisit to snooze")
    checked = [book for book in (session.get(Book, b) for b in sorted(books)) if book is not None]
    before = {book.id: impossible_now(session, book.id) for book in checked}
    recorded: list[tuple[int, int]] = []  # (event id, chapter id)
    for chunk in range(0, len(snoozes), 500):
        rows = [{"kind": "snooze", "at": at, "book_id": b, "chapter_id": c, "until": u}
                for b, c, u in snoozes[chunk:chunk + 500]]
        recorded.extend((eid, cid) for eid, cid in session.execute(insert(Event).returning(Event.id, Event.chapter_id),
                                                                   rows))
        if progress is not None:
            progress(len(recorded))
    for book in checked:
        refuse_untrue(session, book, before[book.id], None, "record")
    until = {cid: day for _b, cid, day in snoozes}
    recorded.sort()
    cards.record_many(session, rules_, [schedule.EventView(eid, at, "snooze", cid, None, until[cid])
                                        for eid, cid in recorded])
    return [eid for eid, _cid in recorded]


def when_on(c: Clock, on: str | None) -> dt.datetime:
    """The time of an event: --on (default now), never after now."""
    return c.on_past(on) if on is not None else c.now  # `--on ""` is no time: refused


def progress_of(session: Session, chapter_ids: Iterable[int]) -> dict[int, str]:
    """Where each of these chapters stands (`tracker.progress`), for those whose
    first-pass sessions said how far: `40%`, `15/35 pages`."""
    ids = list(chapter_ids)
    if not ids:
        return {}
    lengths = dict(session.execute(select(Chapter.id, Chapter.pages).where(Chapter.id.in_(ids))).all())
    # By the chapter index alone, kinds and order sorted out here: asked for `read`
    # events in log order, SQLite would walk every `read` of the log instead.
    rows = sorted(session.execute(
        select(Event.at, Event.id, Event.chapter_id, Event.kind, Event.percent, Event.pages)
        .where(Event.chapter_id.in_(ids))
    ).all())
    sessions: dict[int, list[tuple[int | None, int | None]]] = {}
    for _at, _id, chapter_id, kind, percent, pages in rows:
        if kind == "read":
            sessions.setdefault(chapter_id, []).append((percent, pages))
    shown = {cid: progress(items, lengths.get(cid)) for cid, items in sessions.items()}
    return {cid: text for cid, text in shown.items() if text is not None}


# --- the log ---------------------------------------------------------------------------


def log_filter(query: Any, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
               book_id: int | None = None) -> Any:
    """The events of the log between two times (both included) and of one book."""
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at <= until)
    if book_id is not None:
        query = query.where(Event.book_id == book_id)
    return query


def log_rows(
    session: Session, c: Clock, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
    book_id: int | None = None, ids: list[int] | None = None, limit: int | None = None,
    with_book_title: bool = False, timespec: str = "seconds",
) -> Iterator[dict[str, Any]]:
    """The log in the `log --json` shape (SPEC §3), oldest first, streamed."""
    from sqlalchemy import String, type_coerce

    # On SQLite `at` and `until` are read as the text they are stored as, which
    # datetime's own C parser reads several times faster than the column types do
    # (the export of a long log spends most of its time on these conversions).
    raw = session.get_bind().dialect.name == "sqlite"
    chapter = aliased(Chapter)
    query = (
        select(Event.id, type_coerce(Event.at, String).label("at") if raw else Event.at, Book.slug, Book.title,
               chapter.number, chapter.title, Resource.slug, Event.kind, Event.minutes, Event.percent,
               Event.pages, Event.rating, type_coerce(Event.until, String).label("until") if raw else Event.until,
               Event.note)
        .outerjoin(Book, Book.id == Event.book_id)
        .outerjoin(chapter, chapter.id == Event.chapter_id)
        .outerjoin(Resource, Resource.id == Event.resource_id)
    )
    query = log_filter(query, since=since, until=until, book_id=book_id)
    if ids is not None:
        query = query.where(Event.id.in_(ids))
    if limit is not None:
        # The newest `limit` events, still printed oldest first.
        inner = query.order_by(Event.at.desc(), Event.id.desc()).limit(limit).subquery()
        query = select(inner).order_by(inner.c.at, inner.c.id)
    else:
        query = query.order_by(Event.at, Event.id)
    tz = c.tz
    parse = dt.datetime.fromisoformat
    # Core, not ORM, execution: the same rows, a third cheaper for a long log. On SQLite
    # no column needs a result processor here, so the driver's rows are used as they come.
    if raw:
        rows: Iterable[Any] = _driver_rows(session.connection().execute(query))
    else:
        rows = session.connection().execute(query.execution_options(yield_per=2000))
    for (eid, at, slug, book_title, number, chapter_title, resource, kind, minutes, percent, pages,
         rating, until_day, text) in rows:
        if raw:
            at = parse(at + "+00:00")  # stored as naive UTC
        elif until_day is not None:
            until_day = until_day.isoformat()
        when = in_zone(at, tz).isoformat(timespec=timespec)
        if with_book_title:
            yield {"id": eid, "at": when, "book": slug, "book_title": book_title, "chapter": number,
                   "chapter_title": chapter_title, "resource": resource, "event": kind, "minutes": minutes,
                   "percent": percent, "pages": pages, "rating": rating, "until": until_day, "note": text}
        else:
            yield {"id": eid, "at": when, "book": slug, "chapter": number, "chapter_title": chapter_title,
                   "resource": resource, "event": kind, "minutes": minutes, "percent": percent, "pages": pages,
                   "rating": rating, "until": until_day, "note": text}


def _driver_rows(result: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a result straight from its DBAPI cursor, in batches."""
    cursor = result.cursor
    try:
        while batch := cursor.fetchmany(2000):
            yield from batch
    finally:
        result.close()
