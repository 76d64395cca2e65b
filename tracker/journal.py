"""Recording the reading log (SPEC §1, §3): one transaction per command.

Every fact is an event. Chapter and book status and favourites follow from a book's
events (`refresh_book`); revisit cards follow from the schedule's fold
(`tracker.schedule`). An undo removes one event and recomputes both from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from tracker import schedule, settings
from tracker.errors import UserError
from tracker.log_rules import CHECKED_KINDS, Impossible, LogEvent, impossible_events
from tracker.model import Book, Card, Chapter, Event, Resource, is_top_level, parent_of
from tracker.names import chapter_label, find_book, find_chapter
from tracker.when import Clock, get_tz, in_zone, now

BOOK_KINDS = ("read", "finish", "favourite", "unfavourite", "stop", "start", "done")
RATING_WORDS = {"1": "again", "2": "hard", "3": "good", "4": "easy"}


def clock(session: Session) -> Clock:
    values = settings.load(session)
    return Clock(now=now(), tz=get_tz(values.timezone or None), day_start_hour=values.day_start_hour)


def rules(session: Session, at_clock: Clock | None = None) -> schedule.Rules:
    values = settings.load(session)
    return schedule.Rules.of(values, at_clock or clock(session))


def parse_rating(text: str) -> str:
    word = RATING_WORDS.get(text.strip(), text.strip().lower())
    if word not in schedule.RATING_VALUES:
        raise UserError(f"unknown rating {text!r}; use again, hard, good, easy (or 1–4)")
    return word


from tracker.limits import MAX_MINUTES, MAX_PAGES, NOTE_MAX, check_length  # noqa: E402


def check_minutes(minutes: int | None) -> None:
    if minutes is not None and minutes < 0:
        raise UserError(f"--minutes must be 0 or more, got {minutes}")
    if minutes is not None and minutes > MAX_MINUTES:
        raise UserError(f"--minutes must be at most {MAX_MINUTES} for one session, got {minutes}")


def check_pages(pages: int | None) -> None:
    if pages is not None and not 0 <= pages <= MAX_PAGES:
        raise UserError(f"--pages must be from 0 to {MAX_PAGES}, got {pages}")


# --- statuses -----------------------------------------------------------------------


def _ancestors(number: str) -> Iterator[str]:
    parent = parent_of(number)
    while parent is not None:
        yield parent
        parent = parent_of(parent)


def derive_statuses(
    chapters: list[tuple[int, str]], events: Iterable[tuple[str, int | None]]
) -> tuple[dict[int, tuple[str, bool]], str]:
    """What a book's events say (SPEC §1): per chapter id (status, favourite), and the
    book's status. `chapters` are (id, number) in reading order; `events` are
    (kind, chapter id) in log order."""
    number_of = dict(chapters)
    started: set[str] = set()
    finished: set[str] = set()
    favourite: dict[int, bool] = {}
    lifecycle: str | None = None  # the last of read, stop, start, done
    for kind, chapter_id in events:
        number = number_of.get(chapter_id) if chapter_id is not None else None
        if kind in ("read", "finish") and number is not None:
            started.add(number)
            if kind == "finish":
                finished.add(number)
            lifecycle = "read"
        elif kind in ("favourite", "unfavourite") and chapter_id in number_of:
            favourite[chapter_id] = kind == "favourite"
        elif kind in ("stop", "start", "done"):
            lifecycle = kind
    numbers = set(number_of.values())
    children: dict[str, list[str]] = {}
    for _, number in chapters:
        if not is_top_level(number, numbers):
            children.setdefault(parent_of(number) or "", []).append(number)

    status: dict[str, str] = {}

    def decide(number: str) -> str:
        if number in status:
            return status[number]
        kids = [decide(k) for k in children.get(number, [])]
        if number in finished or any(a in finished for a in _ancestors(number)):
            result = "read"
        elif kids and all(s == "read" for s in kids):
            result = "read"
        elif number in started or any(s != "unread" for s in kids):
            result = "reading"
        else:
            result = "unread"
        status[number] = result
        return result

    out = {cid: (decide(number), favourite.get(cid, False)) for cid, number in chapters}
    top = [n for _, n in chapters if is_top_level(n, numbers)]
    if (top and all(status[n] == "read" for n in top)) or lifecycle == "done":
        book_status = "read"
    elif lifecycle == "stop":
        book_status = "stopped"
    elif lifecycle is not None or any(s != "unread" for s in status.values()):
        book_status = "reading"
    else:
        book_status = "to-read"
    return out, book_status


def refresh_book(session: Session, book: Book) -> None:
    """Bring one book's chapter statuses, favourites and status in line with its events."""
    session.flush()
    chapters = list(session.scalars(select(Chapter).where(Chapter.book_id == book.id).order_by(Chapter.position)))
    events = session.execute(
        select(Event.kind, Event.chapter_id).where(Event.book_id == book.id, Event.kind.in_(BOOK_KINDS))
        .order_by(Event.at, Event.id)
    ).all()
    derived, book_status = derive_statuses([(c.id, c.number) for c in chapters], events)
    for c in chapters:
        new_status, fav = derived[c.id]
        if c.status != new_status:
            c.status = new_status
        if c.favourite != fav:
            c.favourite = fav
    if book.status != book_status:
        book.status = book_status
    session.flush()
    # A started resource of the same slug follows its book (SPEC §4.3).
    resource_id = session.scalar(select(Resource.id).where(Resource.slug == book.slug))
    if resource_id is not None:
        from tracker.resources import refresh_resource

        refresh_resource(session, resource_id)


def refresh_books(session: Session) -> int:
    """`refresh_book` for every book at once, in a few queries (restore, `db check`).
    Returns how many rows it changed. Objects already loaded in the session are expired."""
    from sqlalchemy import bindparam, update

    session.flush()
    conn = session.connection()
    chapters: dict[int, list[tuple[int, str]]] = {}
    stored: dict[int, tuple[str, bool]] = {}
    for cid, book_id, number, status, fav in conn.execute(
        select(Chapter.id, Chapter.book_id, Chapter.number, Chapter.status, Chapter.favourite)
        .order_by(Chapter.book_id, Chapter.position)
    ):
        chapters.setdefault(book_id, []).append((cid, number))
        stored[cid] = (status, bool(fav))
    events: dict[int, list[tuple[str, int | None]]] = {}
    for book_id, kind, cid in conn.execute(
        select(Event.book_id, Event.kind, Event.chapter_id)
        .where(Event.book_id.is_not(None), Event.kind.in_(BOOK_KINDS)).order_by(Event.at, Event.id)
    ):
        events.setdefault(book_id, []).append((kind, cid))
    chapter_updates, book_updates = [], []
    for book_id, book_status in conn.execute(select(Book.id, Book.status)).all():
        derived, new_status = derive_statuses(chapters.get(book_id, []), events.get(book_id, []))
        chapter_updates += [{"cid": cid, "s": s, "f": f} for cid, (s, f) in derived.items() if stored[cid] != (s, f)]
        if new_status != book_status:
            book_updates.append({"bid": book_id, "s": new_status})
    if chapter_updates:
        table = Chapter.__table__
        conn.execute(update(table).where(table.c.id == bindparam("cid"))
                     .values(status=bindparam("s"), favourite=bindparam("f")), chapter_updates)
    if book_updates:
        table = Book.__table__
        conn.execute(update(table).where(table.c.id == bindparam("bid")).values(status=bindparam("s")),
                     book_updates)
    session.expire_all()
    return len(chapter_updates) + len(book_updates)


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
        return (f"{what} was already read on {c.reader_date(item.since) if item.since else day}; its first pass "
                f"is finished once. To log coming back to it: tracker revisit {book.slug} {chapter.number} good")
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
        refresh_book(session, book)
    if kind in schedule.SCHEDULE_KINDS:
        schedule.record(session, rules_ or rules(session), event)
    return event


def when_on(c: Clock, on: str | None) -> dt.datetime:
    """The time of an event: --on (default now), never after now."""
    return c.on_past(on) if on else c.now


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
    event = add_event(session, kind=kind, at=at, book=book, chapter=chapter, minutes=minutes,
                      percent=percent, pages=pages, note=note)
    return _recorded(event, book, chapter)


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


def take_break(session: Session, first: str, last: str) -> tuple[int, dt.date, dt.date, int]:
    """A holiday, both days included; returns (event id, first, last, revisits moved)."""
    c = clock(session)
    start, end = c.date(first), c.date(last)
    if start > end:
        shown = (lambda text, day: text if text == day.isoformat() else f"{text} ({day})")
        raise UserError(f"--from {shown(first, start)} is after --to {shown(last, end)}")
    moved = session.scalar(
        select(func.count()).select_from(Card).where(Card.active.is_(True), Card.due.between(start, end))
    ) or 0
    event = add_event(session, kind="break", at=c.noon(start), until=end)
    return event.id, start, end, moved


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
    from tracker import changes

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
            refresh_book(session, book)
    if resource_id is not None:
        from tracker.resources import refresh_resource

        refresh_resource(session, resource_id)
    if kind in schedule.SCHEDULE_KINDS:
        schedule.replay_from(session, rules(session, c), point)
    changes.forget_event(session, event_id)
    return described


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
