"""The backup file (SPEC §5.2): every fact in the library, as one JSON file.

    {"format": "tracker-backup", "version": 1, "created_at": "…",
     "settings": {…}, "library": {5.1 shape}, "events": [log --json shape, log order]}

`write_backup` streams: the events are written as they are read, one per line, so
memory stays flat however long the log. The layout is fixed (keys in a fixed order,
settings sorted, UTF-8 unescaped), so that backup → restore into an empty library →
backup gives the same bytes apart from `created_at`.

`read_backup` checks a file before anything is written: JSON syntax up to the
events, the format marker, the version, the settings and the library (5.1 rules).
`iter_events` then reads the events one at a time (never holding the parsed log) and
checks each (its book, chapter and resource must be in the backup's own library; a
truncated file is caught here too), for `tracker.data.restore`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from tracker.errors import UserError
from tracker.formats.json_scan import WS, Invalid, decode, members, raw_decode, skip, too_deep
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


def write_backup(session: Session, clock: Clock, out: TextIO,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the whole library as a backup to a text stream; returns the events written.
    `progress` is told of each batch of events written."""
    from tracker import settings
    from tracker.formats.json_log import json_batches
    from tracker.formats.library_dump import dump_library
    from tracker.formats.log_source import read_log

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
    for rows in json_batches(read_log(session, clock, timespec="auto", progress=progress)):
        out.write((",\n    " if count else "\n    ") + ",\n    ".join(rows))
        count += len(rows)
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


# ---------------------------------------------------------------------------- reading


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


def _syntax_error(name: str, text: str, exc: Invalid) -> UserError:
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
    i = skip(text, 0)
    try:
        if not text.startswith("{", i):
            if not text.strip():
                raise UserError(f"{name}: the file is empty; it is not a tracker backup")
            decode(text, i)  # a syntax error says so; valid JSON is another program's
            raise UserError(f'{name}: not a tracker backup (its JSON is not an object with "format": "{FORMAT}")')
        events_at, tail_at = members(text, i + 1, top, stop_at_events=True)
    except Invalid as exc:
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
                  events_at=events_at, tail_at=tail_at)


def read_backup(name: str) -> Backup:
    return parse_backup(read_text(name), name)


def events_in(backup: Backup) -> int:
    """About how many events the backup holds, for a progress bar: its `"event":` keys
    (text in a JSON string cannot hold that sequence, its quotes would be escaped)."""
    return 0 if backup.events_at is None else backup.text.count('"event":', backup.events_at)


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
    "start": (False, False, False, False, False),  # a resource, or a book (SPEC §1: a Goodreads import)
    "done": (False, False, False, False, False),
    "dismiss": (False, False, True, False, False),
}
assert tuple(_NEEDS) == EVENT_KINDS

# (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note):
# `at` (an aware time) and `until` (a date) as the given conversions make them.
EventTuple = tuple[Any, ...]
# book slug -> (its id, its chapters' ids by number)
Books = Mapping[str, tuple[Any, Mapping[str, Any]]]
Convert = Callable[[Any], Any]


class _Bad(Exception):
    pass


def _event_error(backup: Backup, index: int, item: Any, message: str) -> UserError:
    where = f"{backup.name}: events[{index}]"
    if isinstance(item, dict) and type(item.get("id")) is int:
        where += f" (id {item['id']})"
    return UserError(f"{where}: {message}")


def _check_event(item: Any, books: Books, resources: Mapping[str, Any], tz: Any, time_value: Convert,
                 date_value: Convert) -> EventTuple:
    """One event of the `log --json` shape, checked, as the row `restore` inserts (see
    `iter_events`); raises _Bad(message). Written for speed: a restore checks every event."""
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
        at = _parse_time(raw_at)  # type: ignore[arg-type]
        if at.tzinfo is None:
            at = at.replace(tzinfo=tz)
        utc = at.astimezone(_UTC)
    except (TypeError, ValueError, OverflowError):
        raise _Bad(f'"at" {json.dumps(raw_at)[:40]} is not an ISO 8601 time; use e.g. '
                   "2026-03-01T08:30:00+01:00") from None
    if not MIN_YEAR <= at.year <= MAX_YEAR:
        raise _Bad(f'"at" {raw_at} is out of range: no command records a time outside {MIN_YEAR}–{MAX_YEAR}')
    book, chapter, resource = get("book"), get("chapter"), get("resource")
    book_id = chapter_id = resource_id = None
    if book is not None:
        found = books.get(book) if type(book) is str else None
        if found is None:
            raise _Bad(f"book {json.dumps(book)[:60]} is not in the backup's library")
        book_id, numbers = found
        if chapter is not None:
            chapter_id = numbers.get(chapter) if type(chapter) is str else None
            if chapter_id is None:
                raise _Bad(f"chapter {json.dumps(chapter)[:40]} is not a chapter of {book} in the backup's library")
    elif chapter is not None:
        raise _Bad(f"chapter {json.dumps(chapter)[:40]} is given without its book")
    if resource is not None:
        resource_id = resources.get(resource) if type(resource) is str else None
        if resource_id is None:
            raise _Bad(f"resource {json.dumps(resource)[:60]} is not in the backup's library")
    needs_chapter, needs_book, needs_resource, needs_until, needs_rating = need
    if needs_chapter and chapter is None:
        raise _Bad(f"a {kind} event needs a book and a chapter")
    if needs_book and book is None:
        raise _Bad(f"a {kind} event needs a book")
    if needs_resource and resource is None:
        raise _Bad(f"a {kind} event needs a resource")
    if kind in ("start", "done") and resource is None and book is None:
        raise _Bad(f"a {kind} event needs a resource or a book")
    minutes, percent, pages = get("minutes"), get("percent"), get("pages")
    if (minutes is not None and (type(minutes) is not int or not 0 <= minutes <= MAX_MINUTES)
            or percent is not None and (type(percent) is not int or not 0 <= percent <= 100)
            or pages is not None and (type(pages) is not int or not 0 <= pages <= MAX_PAGES)):
        for key, value, top in (("minutes", minutes, MAX_MINUTES), ("percent", percent, 100),
                                ("pages", pages, MAX_PAGES)):
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
    return (eid, time_value(utc), kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating,
            None if until is None else date_value(until), note)


_UTC = dt.timezone.utc
_parse_time = dt.datetime.fromisoformat


def iter_events(backup: Backup, books: Books, resources: Mapping[str, Any], *,
                time_value: Convert = lambda at: at, date_value: Convert = lambda day: day) -> Iterator[EventTuple]:
    """Every event of the backup, checked, in the file's order, as the row `restore`
    inserts: its book, chapter and resource by id (`books`, `resources`: the ids of the
    backup's own library, by slug), its time and date through the conversions given.
    Then the rest of the file, if it was not read yet. Any mistake: one UserError
    naming the event."""
    if backup.events_at is None:
        return
    text, name = backup.text, backup.name
    from tracker.when import get_tz

    tz = get_tz(backup.settings.get("timezone") or None)
    match_ws = WS.match
    decode_at = raw_decode
    seen: set[int] = set()
    index = 0
    try:
        i = match_ws(text, backup.events_at + 1).end()
        if text.startswith("]", i):
            end = i + 1
        else:
            while True:
                items, after = _run_of_events(text, i)
                if items is None:
                    try:
                        item, i = decode_at(text, i)
                    except json.JSONDecodeError as exc:
                        raise Invalid(exc.msg, exc.pos) from None
                    except RecursionError:
                        raise too_deep(text, i) from None
                    items = (item,)
                else:
                    i = after
                for item in items:
                    try:
                        row = _check_event(item, books, resources, tz, time_value, date_value)
                    except _Bad as exc:
                        raise _event_error(backup, index, item, str(exc)) from None
                    eid = row[0]
                    if eid is not None:
                        if eid in seen:
                            raise _event_error(backup, index, item, f"id {eid} is used twice")
                        seen.add(eid)
                    yield row
                    index += 1
                i = match_ws(text, i).end()
                c = text[i:i + 1]
                if c == ",":
                    i = match_ws(text, i + 1).end()
                elif c == "]":
                    end = i + 1
                    break
                else:
                    raise Invalid("expected ',' or ']'", i)
        if backup.tail_at is not None:
            rest: dict[str, Any] = {}
            members(text, end, rest, stop_at_events=False)
            twice = [k for k in rest if k in ("format", "version", "settings", "library", "events")]
            if twice:
                raise UserError(f'{name}: "{twice[0]}" is given twice; give each key once')
    except Invalid as exc:
        raise _syntax_error(name, text, exc) from None


RUN_CHARS = 1 << 14  # about 50 events: larger runs parse slower (the CPU cache)


def _run_of_events(text: str, i: int) -> tuple[list[Any] | None, int]:
    """Many events at once, as tracker writes them (one to a line): the objects from `i`
    up to the last line ending "}," within RUN_CHARS, parsed in one `json.loads` (the
    same values the one-by-one scan gives, several times faster), and where they end.
    (None, i) where that text is not such a run: the caller then takes one event, and
    a mistake is found and named exactly as before."""
    cut = text.rfind("},\n", i, i + RUN_CHARS)
    if cut < 0 or text[i:i + 1] != "{":
        return None, i
    try:
        items = json.loads("[" + text[i:cut + 1] + "]")
    except (ValueError, RecursionError):
        return None, i
    return items, cut + 1
