"""Backup and restore (SPEC §5.2): every fact in the library, as one JSON file.

    {"format": "tracker-backup", "version": 1, "created_at": "…",
     "settings": {…}, "library": {5.1 shape}, "events": [log --json shape, log order]}

`write_backup` streams: the events are written as they are read, one per line, so
memory stays flat however long the log. The layout is fixed (keys in a fixed order,
settings sorted, UTF-8 unescaped), so that backup → restore into an empty library →
backup gives the same bytes apart from `created_at`.

`read_backup` checks a file before anything is written: JSON syntax up to the
events, the format marker, the version, the settings and the library (5.1 rules).
`restore` then replaces the whole library in the caller's one transaction: it reads
the events one at a time (never holding the parsed log), checks each (its book,
chapter and resource must be in the backup's own library; a truncated file is
caught here too) and inserts them in bulk, then rebuilds every cache (statuses,
favourites, resource statuses, revisit cards) from them. Any mistake is one
`UserError` and the transaction rolls back: nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tracker.errors import UserError
from tracker.limits import MAX_ID, MAX_MINUTES, MAX_PAGES
from tracker.when import MAX_YEAR, MIN_YEAR
from tracker.model import EVENT_KINDS, RATINGS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.formats.library_file import LibraryData
    from tracker.when import Clock

FORMAT = "tracker-backup"
VERSION = 1
INSERT_CHUNK = 5000


# ---------------------------------------------------------------------------- writing


def write_backup(session: Session, clock: Clock, out: TextIO) -> int:
    """Write the whole library as a backup to a text stream; returns the events written."""
    from tracker import events, settings
    from tracker.formats.library_dump import dump_library

    dumps = json.JSONEncoder(ensure_ascii=False).encode
    stored = dict(sorted(settings.stored(session).items()))
    library = json.dumps(dump_library(session), ensure_ascii=False, indent=2).replace("\n", "\n  ")
    out.write("{\n")
    out.write(f'  "format": {dumps(FORMAT)},\n')
    out.write(f'  "version": {VERSION},\n')
    out.write(f'  "created_at": {dumps(clock.now.astimezone(clock.tz).isoformat(timespec="seconds"))},\n')
    out.write(f'  "settings": {dumps(stored)},\n')
    out.write(f'  "library": {library},\n')
    out.write('  "events": [')
    count = 0
    # "auto": a time recorded to the microsecond keeps it (a backup loses no fact).
    for row in events.log_rows(session, clock, timespec="auto"):
        out.write(",\n    " if count else "\n    ")
        out.write(dumps(row))
        count += 1
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


# ---------------------------------------------------------------------------- reading

_WS = re.compile(r"[ \t\n\r]*")


class _Invalid(Exception):
    """A JSON syntax error at a position of the file."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass
class Backup:
    """A checked backup: its header and library parsed, its events still text.

    The events are checked one by one as `restore` reads them (inside its one
    transaction: a bad event rolls everything back), so the parsed log is never held.
    """

    name: str
    text: str
    created_at: str | None
    settings: dict[str, str]
    library: LibraryData
    events_at: int | None  # index of the events array's "[" in text
    tail_at: int | None  # where the top-level object continues after the events, if unchecked
    books: dict[str, set[str]] = field(default_factory=dict)
    resources: set[str] = field(default_factory=set)


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]


def _decode(text: str, i: int) -> tuple[Any, int]:
    try:
        return _raw_decode(text, i)
    except json.JSONDecodeError as exc:
        raise _Invalid(exc.msg, exc.pos) from None
    except RecursionError:
        raise _too_deep(text, i) from None


def _too_deep(text: str, i: int) -> _Invalid:
    from tracker.limits import DEPTH_MAX, too_deep_at

    return _Invalid(f"nested deeper than {DEPTH_MAX} levels", max(too_deep_at(text, i), i))


_raw_decode = json.JSONDecoder().raw_decode


def _skip_array(text: str, i: int) -> int:
    """The position just after the JSON array that starts at text[i]."""
    i = _skip(text, i + 1)
    if text.startswith("]", i):
        return i + 1
    while True:
        _value, i = _decode(text, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif text.startswith("]", i):
            return i + 1
        else:
            raise _Invalid("expected ',' or ']'", i)


def _members(text: str, i: int, top: dict[str, Any], *, stop_at_events: bool) -> tuple[int | None, int | None]:
    """Read the members of the top-level object from text[i] (just after '{' or after a
    member) into `top`, but for `events`: returns (index of its '[', where reading
    stopped if it stopped there, else None)."""
    events_at = None
    first = True
    while True:
        i = _skip(text, i)
        if first and text.startswith("}", i):
            i += 1
            break
        if not first:
            if text.startswith(",", i):
                i = _skip(text, i + 1)
            elif text.startswith("}", i):
                i += 1
                break
            else:
                raise _Invalid("expected ',' or '}'", i)
        first = False
        if not text.startswith('"', i):
            raise _Invalid("expected a key in double quotes", i)
        key, i = _decode(text, i)
        i = _skip(text, i)
        if not text.startswith(":", i):
            raise _Invalid("expected ':'", i)
        i = _skip(text, i + 1)
        if key == "events" and text.startswith("[", i):
            events_at = i
            top.pop("events", None)
            if stop_at_events and all(k in top for k in ("format", "version", "settings", "library")):
                return events_at, i  # the common case: events come last, read once, by restore
            i = _skip_array(text, i)
        else:
            top[key], i = _decode(text, i)
    if _skip(text, i) != len(text):
        raise _Invalid("extra data after the backup", _skip(text, i))
    return events_at, None


def _syntax_error(name: str, text: str, exc: _Invalid) -> UserError:
    if exc.pos >= len(text.rstrip()) or exc.message.startswith("Unterminated"):
        return UserError(f"{name}: the backup is truncated (its JSON stops at {_where(text, exc.pos)} "
                         "before it is complete); nothing was restored")
    return UserError(f"{name}: not valid JSON ({exc.message} at {_where(text, exc.pos)}); nothing was restored")


def _where(text: str, pos: int) -> str:
    pos = min(pos, len(text))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {column}"


def read_text(name: str) -> str:
    from tracker.formats.files import read_text as read_file

    return read_file(name, what="a backup file",
                     not_text="not a tracker backup (not UTF-8 text; a backup is JSON)")


def parse_backup(text: str, name: str) -> Backup:
    """Check a backup's JSON, format, version, settings and library (events: see Backup)."""
    from tracker.formats.library_file import parse_library_dict

    top: dict[str, Any] = {}
    i = _skip(text, 0)
    try:
        if not text.startswith("{", i):
            if not text.strip():
                raise UserError(f"{name}: the file is empty; it is not a tracker backup")
            _decode(text, i)  # a syntax error says so; valid JSON is another program's
            raise UserError(f'{name}: not a tracker backup (its JSON is not an object with "format": "{FORMAT}")')
        events_at, tail_at = _members(text, i + 1, top, stop_at_events=True)
    except _Invalid as exc:
        raise _syntax_error(name, text, exc) from None
    fmt = top.get("format")
    if fmt != FORMAT:
        got = 'it has no "format" key' if fmt is None else f'its "format" is {json.dumps(fmt)[:40]}'
        raise UserError(f'{name}: not a tracker backup ({got}, expected "{FORMAT}")')
    version = top.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UserError(f'{name}: "version" must be a whole number (1), got {json.dumps(version)[:40]}')
    if version > VERSION:
        raise UserError(f"{name}: backup version {version} was written by a newer tracker; this one reads "
                        f"version {VERSION}. Upgrade tracker to restore it")
    created_at = top.get("created_at")
    if created_at is not None and not isinstance(created_at, str):
        raise UserError(f'{name}: "created_at" must be an ISO 8601 time')
    if top.get("events") is not None:
        raise UserError(f'{name}: "events" must be a list of events')
    settings_ = _settings(name, top.get("settings") if top.get("settings") is not None else {})
    data = parse_library_dict(top.get("library") or {}, f"{name}: library")
    return Backup(name=name, text=text, created_at=created_at, settings=settings_, library=data,
                  events_at=events_at, tail_at=tail_at,
                  books={b.slug: {c.number for c in b.chapters} for b in data.books},
                  resources={r.slug for r in data.resources})


def read_backup(name: str) -> Backup:
    return parse_backup(read_text(name), name)


def _settings(name: str, value: Any) -> dict[str, str]:
    from tracker import settings

    if not isinstance(value, dict):
        raise UserError(f'{name}: "settings" must be an object of setting names and values')
    out: dict[str, str] = {}
    for key, raw in value.items():
        if key not in settings.SETTINGS:
            raise UserError(f"{name}: settings: unknown setting {key!r}; settings: {', '.join(settings.SETTINGS)}")
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise UserError(f"{name}: settings: {key}: expected a string or a number")
        try:
            out[key] = settings.SETTINGS[key].check(str(raw))
        except UserError as exc:
            raise UserError(f"{name}: settings: {key}: {exc.message}") from None
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------- events

# kind -> (needs a chapter, needs a book, needs a resource, needs `until`, needs a rating)
_NEEDS = {
    "read": (True, True, False, False, False),
    "finish": (True, True, False, False, False),
    "favourite": (True, True, False, False, False),
    "unfavourite": (True, True, False, False, False),
    "revisit": (True, True, False, False, True),
    "snooze": (True, True, False, True, False),
    "break": (False, False, False, True, False),
    "stop": (False, True, False, False, False),
    "note": (False, True, False, False, False),
    "queue": (False, False, True, False, False),
    "start": (False, False, True, False, False),
    "done": (False, False, True, False, False),
    "dismiss": (False, False, True, False, False),
}
assert tuple(_NEEDS) == EVENT_KINDS

# (id, at, kind, book, chapter, resource, minutes, percent, pages, rating, until, note)
EventTuple = tuple[Any, ...]


class _Bad(Exception):
    pass


def _event_error(backup: Backup, index: int, item: Any, message: str) -> UserError:
    where = f"{backup.name}: events[{index}]"
    if isinstance(item, dict) and type(item.get("id")) is int:
        where += f" (id {item['id']})"
    return UserError(f"{where}: {message}")


def _check_event(item: Any, books: dict[str, set[str]], resources: set[str], tz: Any) -> EventTuple:
    """One event of the `log --json` shape, checked; raises _Bad(message)."""
    if type(item) is not dict:
        raise _Bad("must be an object in the `log --json` shape")
    get = item.get
    kind = get("event")
    need = _NEEDS.get(kind) if type(kind) is str else None
    if need is None:
        raise _Bad(f"event {json.dumps(kind)[:40]} is not one of {', '.join(EVENT_KINDS)}")
    eid = get("id")
    if eid is not None and (type(eid) is not int or eid < 1):
        raise _Bad(f"id must be a whole number of 1 or more, got {json.dumps(eid)[:40]}")
    raw_at = get("at")
    try:
        at = dt.datetime.fromisoformat(raw_at)  # type: ignore[arg-type]
        if at.tzinfo is None:
            at = at.replace(tzinfo=tz)
        at.utcoffset()
        at.astimezone(dt.timezone.utc)
    except (TypeError, ValueError, OverflowError):
        raise _Bad(f'"at" {json.dumps(raw_at)[:40]} is not an ISO 8601 time; use e.g. '
                   "2026-03-01T08:30:00+01:00") from None
    if not MIN_YEAR <= at.year <= MAX_YEAR:
        raise _Bad(f'"at" {raw_at} is out of range: no command records a time outside {MIN_YEAR}–{MAX_YEAR}')
    book, chapter, resource = get("book"), get("chapter"), get("resource")
    if book is not None:
        numbers = books.get(book) if type(book) is str else None
        if numbers is None:
            raise _Bad(f"book {json.dumps(book)[:60]} is not in the backup's library")
        if chapter is not None and (type(chapter) is not str or chapter not in numbers):
            raise _Bad(f"chapter {json.dumps(chapter)[:40]} is not a chapter of {book} in the backup's library")
    elif chapter is not None:
        raise _Bad(f"chapter {json.dumps(chapter)[:40]} is given without its book")
    if resource is not None and (type(resource) is not str or resource not in resources):
        raise _Bad(f"resource {json.dumps(resource)[:60]} is not in the backup's library")
    needs_chapter, needs_book, needs_resource, needs_until, needs_rating = need
    if needs_chapter and chapter is None:
        raise _Bad(f"a {kind} event needs a book and a chapter")
    if needs_book and book is None:
        raise _Bad(f"a {kind} event needs a book")
    if needs_resource and resource is None:
        raise _Bad(f"a {kind} event needs a resource")
    minutes, percent, pages = get("minutes"), get("percent"), get("pages")
    for key, value, top in (("minutes", minutes, MAX_MINUTES), ("percent", percent, 100), ("pages", pages, MAX_PAGES)):
        if value is not None and (type(value) is not int or not 0 <= value <= top):
            raise _Bad(f'"{key}" must be a whole number from 0 to {top}, got {json.dumps(value)[:40]}')
    if eid is not None and eid > MAX_ID:
        raise _Bad(f"id must be at most {MAX_ID}, got {eid}")
    rating = get("rating")
    if rating is not None and rating not in RATINGS:
        raise _Bad(f"rating {json.dumps(rating)[:40]} is not one of {', '.join(RATINGS)}")
    if needs_rating and rating is None:
        raise _Bad(f"a {kind} needs a rating ({', '.join(RATINGS)})")
    until = get("until")
    if until is not None:
        try:
            until = dt.date.fromisoformat(until)
        except (TypeError, ValueError):
            raise _Bad(f'"until" {json.dumps(until)[:40]} is not a date (YYYY-MM-DD)') from None
        if not MIN_YEAR <= until.year <= MAX_YEAR:
            raise _Bad(f'"until" {until} is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}')
        if kind == "snooze" and until < at.date():
            raise _Bad(f'a snooze until {until} is before its own time {raw_at}: no command records that')
    elif needs_until:
        raise _Bad(f'a {kind} needs "until" (a date)')
    note = get("note")
    if note is not None and type(note) is not str:
        raise _Bad('"note" must be a string or null')
    return (eid, at, kind, book, chapter, resource, minutes, percent, pages, rating, until, note)


def iter_events(backup: Backup) -> Iterator[EventTuple]:
    """Every event of the backup, checked, in the file's order; then the rest of the
    file, if it was not read yet. Any mistake: one UserError naming the event."""
    if backup.events_at is None:
        return
    text, name = backup.text, backup.name
    books, resources = backup.books, backup.resources
    from tracker.when import get_tz

    tz = get_tz(backup.settings.get("timezone") or None)
    skip = _WS.match
    decode = _raw_decode
    seen: set[int] = set()
    index = 0
    try:
        i = skip(text, backup.events_at + 1).end()
        if text.startswith("]", i):
            end = i + 1
        else:
            while True:
                try:
                    item, i = decode(text, i)
                except json.JSONDecodeError as exc:
                    raise _Invalid(exc.msg, exc.pos) from None
                except RecursionError:
                    raise _too_deep(text, i) from None
                try:
                    row = _check_event(item, books, resources, tz)
                except _Bad as exc:
                    raise _event_error(backup, index, item, str(exc)) from None
                eid = row[0]
                if eid is not None:
                    if eid in seen:
                        raise _event_error(backup, index, item, f"id {eid} is used twice")
                    seen.add(eid)
                yield row
                index += 1
                i = skip(text, i).end()
                c = text[i:i + 1]
                if c == ",":
                    i = skip(text, i + 1).end()
                elif c == "]":
                    end = i + 1
                    break
                else:
                    raise _Invalid("expected ',' or ']'", i)
        if backup.tail_at is not None:
            rest: dict[str, Any] = {}
            _members(text, end, rest, stop_at_events=False)
            twice = [k for k in rest if k in ("format", "version", "settings", "library", "events")]
            if twice:
                raise UserError(f'{name}: "{twice[0]}" is given twice; give each key once')
    except _Invalid as exc:
        raise _syntax_error(name, text, exc) from None


# ---------------------------------------------------------------------------- restore


def refuse_unless_replace(session: Session) -> None:
    """Without --replace: a library with a log, or a book the bundle did not bring."""
    from sqlalchemy import func, select

    from tracker.model import Book, Event

    events = session.scalar(select(func.count()).select_from(Event)) or 0
    own = list(session.scalars(select(Book.slug).where(Book.bundled.is_(False)).order_by(Book.id).limit(3)))
    if events or own:
        what = f"{events} logged event{'s' if events != 1 else ''}" if events else f"your own book {own[0]}"
        raise UserError(f"the library is not empty (it has {what}); restore replaces everything in it: "
                        "add --replace to do so (make a backup first: tracker backup FILE)")


def set_aside(session: Session, clock: Clock) -> Path | None:
    """Write the library about to be replaced as a backup file in the app folder (beside
    the default library), named for the moment; None if it holds nothing to lose."""
    from sqlalchemy import select

    from tracker.db import default_path
    from tracker.model import Event

    if session.scalar(select(Event.id).limit(1)) is None and not _own_books(session):
        return None
    folder = default_path().parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = clock.now.strftime("%Y-%m-%dT%H%M%S")
    path, n = folder / f"replaced-by-restore-{stamp}.json", 2
    while path.exists():
        path, n = folder / f"replaced-by-restore-{stamp}-{n}.json", n + 1
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
        write_backup(session, clock, out)
    return path


def _own_books(session: Session) -> bool:
    from sqlalchemy import select

    from tracker.model import Book

    return session.scalar(select(Book.id).where(Book.bundled.is_(False)).limit(1)) is not None


def _wipe(session: Session) -> None:
    from sqlalchemy import delete, update

    from tracker.model import (
        Book, Card, CardState, Chapter, ChapterTopic, Event, Interest, Resource, ResourceTopic, Setting, Topic,
    )

    for model in (CardState, Card, Event, ChapterTopic, ResourceTopic, Interest, Chapter, Book):
        session.execute(delete(model))
    session.execute(update(Resource).values(recommended_by_id=None))
    for model in (Resource, Topic, Setting):
        session.execute(delete(model))


def _seed_slugs() -> set[str]:
    """Books the bundled library brings (restore keeps them replaceable)."""
    try:
        from tracker.formats.library_file import parse_library
        from tracker.formats.library_store import seed_path

        path = seed_path()
        return {b.slug for b in parse_library(path.read_text(encoding="utf-8"), str(path)).books}
    except Exception:  # noqa: BLE001 - without a readable seed, no book counts as bundled
        return set()


def restore(session: Session, backup: Backup, *, replace: bool = False) -> dict[str, int]:
    """Replace the whole library with the backup, in the caller's transaction."""
    from sqlalchemy import insert, select, update

    from tracker import cards, derived, events
    from tracker.formats.library_store import load_library
    from tracker.model import Book, Chapter, Resource, Setting

    if not replace:
        refuse_unless_replace(session)
    _wipe(session)
    session.expunge_all()
    if backup.settings:
        session.execute(insert(Setting), [{"key": k, "value": v} for k, v in backup.settings.items()])
    load_library(session, backup.library)
    seed = _seed_slugs() & {b.slug for b in backup.library.books}
    if seed:
        session.execute(update(Book).where(Book.slug.in_(seed)).values(bundled=True))

    book_id = dict(session.execute(select(Book.slug, Book.id)).all())
    chapter_id = {(slug, number): cid for cid, slug, number in session.execute(
        select(Chapter.id, Book.slug, Chapter.number).join(Book, Book.id == Chapter.book_id))}
    resource_id = dict(session.execute(select(Resource.slug, Resource.id)).all())

    write = _event_writer(session)
    indexes = _drop_event_indexes(session)
    chunk: list[tuple[Any, ...]] = []
    without_id: list[tuple[Any, ...]] = []
    count = max_id = 0
    for eid, at, kind, book, chapter, resource, minutes, percent, pages, rating, until, note in iter_events(backup):
        bid = book_id[book] if book is not None else None
        row = (eid, at, kind, bid, chapter_id[(book, chapter)] if chapter is not None else None,
               resource_id[resource] if resource is not None else None, minutes, percent, pages, rating, until, note)
        if eid is None:
            without_id.append(row)  # numbered after every given id, in the file's order
            continue
        if eid > max_id:
            max_id = eid
        chunk.append(row)
        if len(chunk) >= INSERT_CHUNK:
            write(chunk)
            count += len(chunk)
            chunk = []
    for n, row in enumerate(without_id, start=max_id + 1):
        chunk.append((n, *row[1:]))
        if len(chunk) >= INSERT_CHUNK:
            write(chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        write(chunk)
        count += len(chunk)
    for sql in indexes:
        session.connection().exec_driver_sql(sql)
    if session.get_bind().dialect.name == "postgresql" and count:
        from sqlalchemy import text

        session.execute(text("SELECT setval(pg_get_serial_sequence('events', 'id'), "
                             "(SELECT max(id) FROM events))"))

    # The caches, from the events: resource statuses, book and chapter statuses and
    # favourites, then the revisit cards (the settings are in place: they shape them).
    derived.refresh_books(session)
    _refresh_resources(session)
    cards.rebuild(session, events.rules(session))
    session.flush()
    return {"events": count, "books": len(backup.library.books), "resources": len(backup.library.resources),
            "topics": len(backup.library.topics), "settings": len(backup.settings)}


EVENT_COLUMNS = ("id", "at", "kind", "book_id", "chapter_id", "resource_id", "minutes", "percent", "pages",
                 "rating", "until", "note")


def _event_writer(session: Session) -> Callable[[list[tuple[Any, ...]]], None]:
    """A function inserting rows of EVENT_COLUMNS (aware `at`, date `until`) in bulk.

    On SQLite and psycopg the rows go to the driver's executemany as tuples, each
    value converted by its column's own bind processor (the same conversion Core
    would do, without building a parameter dict per row); elsewhere Core's insert.
    """
    from sqlalchemy import insert

    from tracker.model import Event

    table = Event.__table__
    conn = session.connection()
    dialect = conn.dialect
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if mark is None:
        statement = insert(table)

        def write_core(rows: list[tuple[Any, ...]]) -> None:
            session.execute(statement, [dict(zip(EVENT_COLUMNS, row)) for row in rows])

        return write_core
    at_proc = table.c.at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    until_proc = table.c.until.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    utc = dt.timezone.utc
    probe = dt.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    if at_proc(probe) == probe.astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds"):
        # SQLite's stored form, made by datetime's own C code: the same text, faster.
        def at_proc(value: dt.datetime) -> Any:
            return value.astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    sql = (f"INSERT INTO {table.name} ({', '.join(EVENT_COLUMNS)}) "
           f"VALUES ({', '.join([mark] * len(EVENT_COLUMNS))})")

    def write(rows: list[tuple[Any, ...]]) -> None:
        conn.exec_driver_sql(sql, [
            (r[0], at_proc(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
             until_proc(r[10]) if r[10] is not None else None, r[11])
            for r in rows
        ])

    return write


def _drop_event_indexes(session: Session) -> list[str]:
    """On SQLite, the events table's indexes are built once after the bulk insert
    (faster than keeping five of them current row by row); returns how to rebuild
    them. Inside the restore's transaction, like everything else: a failure or a
    killed process leaves them as they were."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return []
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
    ).all()
    # A larger page cache for this connection: the bulk insert and the index builds
    # that follow touch far more pages than SQLite's default 2 MB keeps.
    conn.exec_driver_sql("PRAGMA cache_size=-65536")
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _refresh_resources(session: Session) -> None:
    """Every resource's status from its events, by the one rule in tracker.resources."""
    from sqlalchemy import select

    from tracker.model import Event
    from tracker.derived import refresh_resource
    from tracker.statuses import LIFECYCLE

    ids = session.scalars(
        select(Event.resource_id).where(Event.resource_id.is_not(None), Event.kind.in_(tuple(LIFECYCLE)))
        .distinct())
    for rid in sorted(ids):
        refresh_resource(session, rid)
