"""Exports (SPEC §5.3): the reading log as CSV, JSON, JSON Lines or a Markdown journal,
and the revisit plan as an iCalendar file; and the atomic output file they share with
backups.

Every log writer consumes `events.log_rows(...)`, which is a generator reading the
database in batches: nothing holds the whole log, so memory stays flat as it grows.
Writers take a text stream (UTF-8, no newline translation) and return how many
entries they wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TextIO

from tracker.errors import EnvError, UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.when import Clock

FORMATS = ("csv", "json", "jsonl", "md", "ics")
CSV_HEADER = (
    "id", "at", "book", "book_title", "chapter", "chapter_title", "resource", "event",
    "minutes", "percent", "pages", "rating", "until", "note",
)
# Columns that hold text a reader (or a book's title) chose; the others are numbers,
# times, dates and fixed words, which never start with a formula character.
_TEXT_COLUMNS = ("book", "book_title", "chapter", "chapter_title", "resource", "note")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 1000

Progress = Callable[[int], None]


# --------------------------------------------------------------------- output files


def check_target(path: Path, *, force: bool) -> None:
    """Refuse, before any work, a file that exists (without force) or a missing folder."""
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name, e.g. {path / 'export.csv'}")
    if path.exists() and not force:
        raise UserError(f"{path} exists; add --force to overwrite it, or choose another file")
    parent = path.parent
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EnvError(f"cannot write {path}: folder {parent} is not writable")


@contextmanager
def atomic_file(path: Path, *, force: bool, private: bool = False) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` complete or not at all.

    Written to a temporary file in the same folder, flushed to disk, then renamed over
    `path`: a failure (or a killed process) leaves no half-written file. Without
    `force` an existing file is never replaced, even one created meanwhile. `private`
    keeps the file readable by its owner only (backups hold a whole life's log).
    """
    check_target(path, force=force)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise EnvError(f"cannot write {path}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh  # type: ignore[misc]
            fh.flush()
            os.fsync(fh.fileno())
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwritten
            except FileExistsError:
                raise UserError(f"{path} exists; add --force to overwrite it, or choose another file") from None
            except OSError:
                if path.exists():
                    raise UserError(f"{path} exists; add --force to overwrite it, or choose another file") from None
                os.replace(tmp, path)
            tmp.unlink(missing_ok=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def text_stream(binary: IO[bytes]) -> Iterator[TextIO]:
    """UTF-8 text over a binary stream, without newline translation; left open after."""
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)  # type: ignore[arg-type]
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def counted(rows: Iterable[dict[str, Any]], progress: Progress | None) -> Iterator[dict[str, Any]]:
    """The rows, reporting every PROGRESS_EVERY of them to `progress`."""
    if progress is None:
        yield from rows
        return
    n = 0
    for row in rows:
        yield row
        n += 1
        if n == PROGRESS_EVERY:
            progress(n)
            n = 0
    if n:
        progress(n)


# ------------------------------------------------------------------------------ CSV


def csv_cell(value: Any) -> Any:
    """A cell safe from spreadsheet formula injection: text starting with `=`, `+`, `-`,
    `@`, tab or carriage return gets a leading `'` (the one guard of every export)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """The log as CSV with the fixed header (rows need `book_title`)."""
    from operator import itemgetter

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    cells_of = itemgetter(*CSV_HEADER)
    texts_of = itemgetter(*_TEXT_COLUMNS)
    guarded = tuple(CSV_HEADER.index(key) for key in _TEXT_COLUMNS)
    count = 0
    batch: list[Any] = []
    append = batch.append
    for row in rows:
        cells = cells_of(row)
        for value in texts_of(row):
            if value and value.startswith(FORMULA_START):
                cells = tuple(csv_cell(v) if i in guarded else v for i, v in enumerate(cells))
                break
        append(cells)
        if len(batch) == 2000:
            writer.writerows(batch)
            count += len(batch)
            batch.clear()
    writer.writerows(batch)
    return count + len(batch)


# ----------------------------------------------------------------------- JSON, JSONL


def write_json(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON list in the `log --json` shape, one entry per line, written as it goes."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(dumps(row))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """JSON Lines: one object of the `log --json` shape per line."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    for row in rows:
        out.write(dumps(row))
        out.write("\n")
        count += 1
    return count


# -------------------------------------------------------------------------- Markdown

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})
_MD_LINE_START = ("#", ">", "-", "+", "=", "~")


def md_text(text: str) -> str:
    """Inline text with Markdown's special characters escaped."""
    return text.translate(_MD_SPECIAL)


def _md_quote(text: str) -> list[str]:
    """A note as blockquote lines under its bullet; nothing in it can break the page."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = md_text(line)
        stripped = line.lstrip()
        if stripped.startswith(_MD_LINE_START) or (stripped[:1].isdigit() and ". " in stripped[:12]):
            line = line[: len(line) - len(stripped)] + "\\" + stripped
        lines.append(f"  > {line}".rstrip() if line.strip() else "  >")
    return lines


def _chapter_phrase(row: dict[str, Any]) -> str:
    if row["chapter"] is None:
        return ""
    title = row["chapter_title"] or ""
    return md_text(f"{row['chapter']} {title}".strip())


def _md_event(row: dict[str, Any]) -> str:
    kind = row["event"]
    chapter = _chapter_phrase(row)
    resource = f"`{row['resource']}`" if row["resource"] else ""
    details: list[str] = []
    if kind == "read":
        what = f"Read {chapter}"
    elif kind == "finish":
        what = f"Finished **{chapter}**"
    elif kind == "favourite":
        what = f"★ Favourite: {chapter}"
        if row["rating"]:
            details.append(f"first pass {row['rating']}")
    elif kind == "unfavourite":
        what = f"No longer a favourite: {chapter}"
    elif kind == "revisit":
        what = f"Revisited {chapter}"
        if row["rating"]:
            details.append(row["rating"])
    elif kind == "snooze":
        what = f"Snoozed {chapter} until {row['until']}"
    elif kind == "break":
        what = f"Break until {row['until']}"
    elif kind == "stop":
        what = "Stopped reading the book"
    elif kind == "note":
        what = f"Note on {chapter}" if chapter else "Note"
    else:
        verb = {"queue": "Queued", "start": "Started", "done": "Done with", "dismiss": "Dismissed"}.get(kind, kind)
        what = f"{verb} {resource}".strip()
    if row["minutes"] is not None:
        details.append(f"{row['minutes']} min")
    if row["percent"] is not None:
        details.append(f"{row['percent']}%")
    if row["pages"] is not None:
        details.append(f"{row['pages']} pages")
    line = f"- {row['at'][11:16]} · {what}"
    if details:
        line += " · " + " · ".join(details)
    return line


def _md_day(day: dt.date, rows: list[dict[str, Any]]) -> list[str]:
    minutes = sum(r["minutes"] or 0 for r in rows)
    heading = f"## {day:%A} {day.day} {day:%B} {day.year}"
    if minutes:
        heading += f" — {minutes} min"
    lines = ["", heading]
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["book"], []).append(r)
    for slug, items in groups.items():
        if slug is None:
            title = "Reading map and breaks"
        else:
            title = f"{md_text(items[0].get('book_title') or slug)} ({md_text(slug)})"
        lines += ["", f"### {title}", ""]
        for r in items:
            lines.append(_md_event(r))
            if r["note"]:
                lines.extend(_md_quote(r["note"]))
    return lines


def write_markdown(rows: Iterable[dict[str, Any]], out: TextIO, clock: Clock, *, title: str = "Reading journal",
                   subtitle: str | None = None) -> int:
    """A reading journal: a heading per reader day, a subheading per book, a bullet per
    event with its minutes, rating and notes. Holds one day at a time."""
    out.write(f"# {md_text(title)}\n")
    if subtitle:
        out.write(f"\n_{md_text(subtitle)}_\n")
    count = 0
    day: dt.date | None = None
    held: list[dict[str, Any]] = []
    for row in rows:
        this = clock.reader_date(dt.datetime.fromisoformat(row["at"]))
        if this != day and held:
            assert day is not None
            out.write("\n".join(_md_day(day, held)) + "\n")
            held = []
        day = this
        held.append(row)
        count += 1
    if held:
        assert day is not None
        out.write("\n".join(_md_day(day, held)) + "\n")
    if not count:
        out.write("\nNothing in the log for that choice.\n")
    return count


# ---------------------------------------------------------------------- iCalendar

ICS_PRODID = "-//tracker//Reading tracker//EN"


def ics_text(value: str) -> str:
    """RFC 5545 TEXT escaping: backslash, semicolon, comma, newline."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ics_fold(line: str) -> str:
    """A content line folded at 75 octets (CRLF + space), never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def ics_uid(book_slug: str, number: str) -> str:
    """Stable per chapter (slug and number, not database ids): a re-import updates."""
    return f"chapter-{book_slug}-{number}@tracker"


def revisit_plan(session: Session, *, book_id: int | None = None, first: dt.date | None = None,
                 last: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """Every active card (favourite chapter) with its due date, overdue ones included."""
    from sqlalchemy import func, select

    from tracker.model import Book, Card, CardState, Chapter

    changes = (select(CardState.chapter_id, func.count().label("n"))
               .group_by(CardState.chapter_id).subquery())
    query = (
        select(Card.due, Card.reviews, Card.last_review, Book.slug, Book.title, Chapter.number,
               Chapter.title, changes.c.n)
        .join(Chapter, Chapter.id == Card.chapter_id).join(Book, Book.id == Chapter.book_id)
        .outerjoin(changes, changes.c.chapter_id == Card.chapter_id)
        .where(Card.active.is_(True))
        .order_by(Card.due, Book.slug, Chapter.position)
    )
    if book_id is not None:
        query = query.where(Book.id == book_id)
    if first is not None:
        query = query.where(Card.due >= first)
    if last is not None:
        query = query.where(Card.due <= last)
    for due, reviews, last_review, slug, book_title, number, title, n in session.execute(query):
        yield {"due": due, "reviews": reviews, "last_review": last_review, "book": slug,
               "book_title": book_title, "chapter": number, "title": title, "sequence": n or 0}


def write_ics(plan: Iterable[dict[str, Any]], out: TextIO, clock: Clock) -> int:
    """The revisit plan as an iCalendar (RFC 5545) file: an all-day VEVENT per card."""
    stamp = clock.now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    today = clock.today()

    def line(text: str) -> None:
        out.write(ics_fold(text))

    for text in ("BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ICS_PRODID}", "CALSCALE:GREGORIAN",
                 "METHOD:PUBLISH", "X-WR-CALNAME:Revisits (tracker)"):
        line(text)
    count = 0
    for item in plan:
        due: dt.date = item["due"]
        label = f"{item['chapter']} {item['title']}"
        summary = f"Revisit {item['book_title']} {label}"
        reviews = item["reviews"]
        last = clock.reader_date(item["last_review"])
        description = (
            f"Spaced revisit of {label} in {item['book_title']}.\n"
            f"Reviewed {reviews} time{'s' if reviews != 1 else ''}, last on {last.isoformat()}"
            + (f"; overdue since {due.isoformat()}" if due < today else "") + ".\n"
            f"Log it: tracker revisit {item['book']} {item['chapter']} good"
        )
        line("BEGIN:VEVENT")
        line(f"UID:{ics_text(ics_uid(item['book'], item['chapter']))}")
        line(f"DTSTAMP:{stamp}")
        line(f"DTSTART;VALUE=DATE:{due:%Y%m%d}")
        line(f"DTEND;VALUE=DATE:{due + dt.timedelta(days=1):%Y%m%d}")
        line(f"SEQUENCE:{item['sequence']}")
        line(f"SUMMARY:{ics_text(summary)}")
        line(f"DESCRIPTION:{ics_text(description)}")
        line("CATEGORIES:Reading")
        line("TRANSP:TRANSPARENT")
        line("END:VEVENT")
        count += 1
    line("END:VCALENDAR")
    return count


# ----------------------------------------------------------------------- dispatch


def export(session: Session, clock: Clock, fmt: str, out: TextIO, *, since: dt.datetime | None = None,
           until: dt.datetime | None = None, book_id: int | None = None,
           progress: Progress | None = None) -> int:
    """Write one export to `out`; returns how many events (or revisits, for ics)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "ics":
        first = clock.reader_date(since) if since is not None else None
        last = clock.reader_date(until) if until is not None else None
        return write_ics(revisit_plan(session, book_id=book_id, first=first, last=last), out, clock)
    from tracker import events

    rows = counted(events.log_rows(session, clock, since=since, until=until, book_id=book_id,
                                    with_book_title=fmt in ("csv", "md")), progress)
    if fmt == "csv":
        return write_csv(rows, out)
    if fmt == "json":
        return write_json(rows, out)
    if fmt == "jsonl":
        return write_jsonl(rows, out)
    parts = []
    if since is not None:
        parts.append(f"from {clock.reader_date(since).isoformat()}")
    if until is not None:
        parts.append(f"to {clock.reader_date(until).isoformat()}")
    subtitle = f"Exported {clock.today().isoformat()}" + (" · " + " ".join(parts) if parts else "")
    return write_markdown(rows, out, clock, subtitle=subtitle)


def count_events(session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
                 book_id: int | None = None) -> int:
    """How many events an export will write (for a progress bar)."""
    from sqlalchemy import func, select

    from tracker.model import Event

    from tracker.events import log_filter

    query = log_filter(select(func.count()).select_from(Event), since=since, until=until, book_id=book_id)
    return session.scalar(query) or 0
