"""A Goodreads or StoryGraph export into the library (SPEC §5.5), in the caller's one
transaction: one change that `undo` takes back whole.

A row whose ISBN, else title and first author, matches a book already in the library
(or one an earlier row added) updates it: its rating where the row has one, and the
ISBN, year, authors and note where the book has none; its title and slug stay. Any
other row adds a book without chapters. The shelf is recorded as one event on the
book (`done`, `start` or `stop`) at noon local time of the row's day, only where it
changes the book's status as the log has it (`tracker.statuses`, the one rule): a book
already read stays read and the row is listed, and so is a row whose event the log's
later events would overrule. The same file twice changes nothing. New rows are
written in bulk, so that a shelf of thousands loads in a moment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tracker.formats.goodreads import SHELF_STATUS, ShelfBook, ShelfFile, ShelfRow
from tracker.formats.book_match import book_key
from tracker.formats.isbn import isbn13
from tracker.model import Book, Chapter, Event, Resource
from tracker.statuses import BOOK_KINDS, derive_statuses
from tracker.when import Clock

UPDATED = ("authors", "isbn", "year", "note", "rating")  # what a row may change in a book
KIND_OF_STATUS = {"read": "done", "reading": "start", "stopped": "stop"}
PROGRESS_EVERY = 500
_UNKNOWN = object()
_SERIES = re.compile(r"\s*\([^()]*#[0-9.]+\)$")


@dataclass
class ShelfReport:
    name: str
    source: str
    rows: int
    added: int = 0  # books
    updated: int = 0  # books
    events: int = 0
    listed: list[str] = field(default_factory=list)


@dataclass
class _Book:
    id: int | None  # None: added by this import
    slug: str
    values: dict[str, Any]  # title, authors, isbn, year, note, rating
    status: str
    changed: set[str] = field(default_factory=set)
    chapters: list[tuple[int, str]] | None = None  # loaded when first needed
    log: list[tuple[dt.datetime, int, str, int | None]] | None = None  # (at, order, kind, chapter)
    new_events: list[tuple[dt.datetime, str]] = field(default_factory=list)
    last: Any = None  # the latest status event's time (`_last`): _UNKNOWN until asked


def load_shelf(session: Session, name: str, shelf: ShelfFile, clock: Clock,
               progress: Callable[[int], None] | None = None) -> ShelfReport:
    from tracker.names import free_slug, slugify

    session.flush()
    conn = session.connection()
    by_isbn: dict[str, _Book] = {}
    by_key: dict[tuple[str, str], _Book] = {}
    taken: set[str] = set()
    for bid, slug, title, authors, isbn, year, note, rating, status in conn.execute(
        select(Book.id, Book.slug, Book.title, Book.authors, Book.isbn, Book.year, Book.note, Book.rating,
               Book.status).order_by(Book.id)
    ):
        book = _Book(bid, slug, {"title": title, "authors": list(authors or []), "isbn": isbn, "year": year,
                                 "note": note, "rating": rating}, status, last=_UNKNOWN)
        taken.add(slug)
        code = isbn13(isbn)
        if code:
            by_isbn.setdefault(code, book)
        by_key.setdefault(book_key(title, authors), book)
    report = ShelfReport(name, shelf.source, len(shelf.rows))
    added: list[_Book] = []
    touched: dict[int, _Book] = {}
    pending = 0
    for row in shelf.rows:
        book = (by_isbn.get(row.isbn) if row.isbn else None) or by_key.get(book_key(row.title, row.authors))
        if book is None:
            slug = free_slug(slugify(_SERIES.sub("", row.title) or row.title), taken)  # no "(Series, #1)"
            taken.add(slug)
            book = _Book(None, slug, {"title": row.title, "authors": list(row.authors), "isbn": row.isbn,
                                      "year": row.year, "note": row.note, "rating": row.rating}, "to-read",
                         chapters=[], log=[])
            added.append(book)
            by_key.setdefault(book_key(row.title, row.authors), book)
        else:
            _update(book, row)
            if book.id is not None:
                touched.setdefault(book.id, book)
        if row.isbn:
            by_isbn.setdefault(row.isbn, book)
        _status(session, book, row, clock, report)
        pending += 1
        if progress is not None and pending == PROGRESS_EVERY:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    _write(session, added, list(touched.values()), report)
    return report


def _update(book: _Book, row: ShelfRow) -> None:
    """The row's rating, and what the book lacks: ISBN, year, authors, note."""
    values = book.values
    if row.rating is not None and values["rating"] != row.rating:
        values["rating"] = row.rating
        book.changed.add("rating")
    for key, value in (("isbn", row.isbn), ("year", row.year), ("note", row.note)):
        if value is not None and values[key] is None:
            values[key] = value
            book.changed.add(key)
    if row.authors and not values["authors"]:
        values["authors"] = list(row.authors)
        book.changed.add("authors")


def _status(session: Session, book: _Book, row: ShelfRow, clock: Clock, report: ShelfReport) -> None:
    """Record the row's shelf as an event where it changes the book's status."""
    label = f"row {row.row} ({row.title[:50]})"
    if row.shelf not in SHELF_STATUS:
        report.listed.append(f"{label}: shelf {row.shelf!r} imports as to-read")
    target = row.status
    if target == "to-read" or book.status == target:
        return
    if book.status == "read":
        report.listed.append(f"{label}: the book is read already and stays read (the file says {row.shelf})")
        return
    at = clock.noon(row.day) if row.day is not None else clock.now
    kind = KIND_OF_STATUS[target]
    last = _last(session, book)
    # After every event that says the book's status, the event says it (the book is not
    # read, so not all its chapters are); before some, the one rule decides.
    after = target if last is None or at >= last else _derive(session, book, (at, kind))
    if after == book.status:
        report.listed.append(f"{label}: the book stays {book.status}: the log has later events")
        return
    book.new_events.append((at, kind))
    book.status = after
    book.last = at if last is None else max(at, last)


def _last(session: Session, book: _Book) -> dt.datetime | None:
    """The time of the book's latest event that says its status (`BOOK_KINDS`)."""
    if book.last is _UNKNOWN:
        book.last = session.scalar(
            select(Event.at).where(Event.book_id == book.id, Event.kind.in_(BOOK_KINDS))
            .order_by(Event.at.desc()).limit(1))
    return book.last  # type: ignore[return-value]


def _derive(session: Session, book: _Book, extra: tuple[dt.datetime, str]) -> str:
    """The book's status with one more event (`tracker.statuses`)."""
    if book.chapters is None or book.log is None:
        book.chapters = [(cid, number) for cid, number in session.execute(
            select(Chapter.id, Chapter.number).where(Chapter.book_id == book.id).order_by(Chapter.position))]
        book.log = [(at, eid, kind, cid) for at, eid, kind, cid in session.execute(
            select(Event.at, Event.id, Event.kind, Event.chapter_id)
            .where(Event.book_id == book.id, Event.kind.in_(BOOK_KINDS)))]
    big = 1 << 62  # recorded after every event already in the log
    events = list(book.log) + [(at, big + i, kind, None) for i, (at, kind) in enumerate([*book.new_events, extra])]
    events.sort(key=lambda e: (e[0], e[1]))
    _, status = derive_statuses(book.chapters, [(kind, cid) for _, _, kind, cid in events])
    return status


def _write(session: Session, added: list[_Book], touched: list[_Book], report: ShelfReport) -> None:
    conn = session.connection()
    if added:
        before = conn.execute(select(func.coalesce(func.max(Book.id), 0))).scalar_one()
        rows = [{"slug": b.slug, "bundled": False, "status": b.status, **b.values} for b in added]
        for chunk in range(0, len(rows), 2000):
            conn.execute(insert(Book), rows[chunk:chunk + 2000])
        ids = dict(conn.execute(select(Book.slug, Book.id).where(Book.id > before)).all())
        if not all(b.slug in ids for b in added):  # ids not given in order: ask by slug
            for chunk in range(0, len(added), 500):
                slugs = [b.slug for b in added[chunk:chunk + 500]]
                ids.update(conn.execute(select(Book.slug, Book.id).where(Book.slug.in_(slugs))).all())
        for b in added:
            b.id = ids[b.slug]
        report.added = len(added)
    changed = [{"b_id": b.id, **{k: b.values[k] for k in UPDATED}} for b in touched if b.changed]
    if changed:  # one statement for them all; an unchanged column is written as it was
        table = Book.__table__
        conn.execute(update(table).where(table.c.id == bindparam("b_id"))
                     .values({k: bindparam(k) for k in UPDATED}), changed)
        report.updated = len(changed)
    events = [{"at": at, "kind": kind, "book_id": b.id} for b in [*added, *touched] for at, kind in b.new_events]
    for chunk in range(0, len(events), 2000):
        conn.execute(insert(Event), events[chunk:chunk + 2000])
    report.events = len(events)
    from tracker import derived

    for b in touched:
        if b.new_events:
            found = session.get(Book, b.id)
            if found is not None:
                session.expire(found)
                derived.refresh_book(session, found)
    slugs = [b.slug for b in added]
    for chunk in range(0, len(slugs), 500):
        for rid in conn.execute(select(Resource.id).where(Resource.slug.in_(slugs[chunk:chunk + 500]))).scalars():
            derived.refresh_resource(session, rid)
    session.expire_all()



def shelf_books(session: Session, clock: Clock, book_id: int | None = None) -> list[ShelfBook]:
    """The library's books for `export --format goodreads`, in the order `books` lists them:
    the day a read book was read (its last `finish` or `done`) and the day of its first event."""
    conn = session.connection()
    first = dict(conn.execute(select(Event.book_id, func.min(Event.at)).where(Event.book_id.is_not(None))
                              .group_by(Event.book_id)).all())
    read = dict(conn.execute(select(Event.book_id, func.max(Event.at)).where(Event.kind.in_(("finish", "done")))
                             .group_by(Event.book_id)).all())
    query = select(Book.id, Book.title, Book.authors, Book.isbn, Book.rating, Book.status, Book.year,
                   Book.note).order_by(Book.id)
    if book_id is not None:
        query = query.where(Book.id == book_id)
    out = []
    for bid, title, authors, isbn, rating, status, year, note in conn.execute(query):
        read_at, first_at = read.get(bid), first.get(bid)
        out.append(ShelfBook(title, tuple(authors or ()), isbn, rating, status, year, note,
                             clock.reader_date(read_at) if read_at is not None else None,
                             clock.reader_date(first_at) if first_at is not None else None))
    return out
