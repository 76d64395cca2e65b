"""Exports (SPEC §5.3): the reading log as CSV, JSON, JSON Lines or a Markdown journal,
and the revisit plan as an iCalendar file, each written by its own module here; and
the books in Goodreads' layout (§5.5, `tracker.formats.goodreads`).

The CSV, JSON and JSON Lines writers read the log through `log_source.read_log`, the
Markdown journal through `events.log_rows(...)`: both read the database in batches, so
nothing holds the whole log and memory stays flat as it grows.
Writers take a text stream (UTF-8, no newline translation) and return how many
entries they wrote.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TextIO

from tracker.errors import UserError
from tracker.formats.csv_log import write_csv
from tracker.formats.ics import revisit_plan, write_ics
from tracker.formats.json_log import write_json, write_jsonl
from tracker.formats.markdown import write_markdown
from tracker.formats.output import Progress, counted

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.when import Clock

FORMATS = ("csv", "json", "jsonl", "md", "ics", "goodreads")














def export(session: Session, clock: Clock, fmt: str, out: TextIO, *, since: dt.datetime | None = None,
           until: dt.datetime | None = None, book_id: int | None = None,
           progress: Progress | None = None) -> int:
    """Write one export to `out`; returns how many events (or revisits, for ics)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "ics":
        first = clock.reader_date(since) if since is not None else None
        last = clock.reader_date(until) if until is not None else None
        return write_ics(revisit_plan(session, clock, book_id=book_id, first=first, last=last), out)
    if fmt == "goodreads":  # the books, not the log (SPEC §5.5)
        from tracker.formats.goodreads import write_goodreads
        from tracker.formats.shelf_store import shelf_books

        if since is not None or until is not None:
            raise UserError("--since and --until choose events; --format goodreads writes every book")
        return write_goodreads(shelf_books(session, clock, book_id), out)
    if fmt in ("csv", "json", "jsonl"):
        from tracker.formats.log_source import read_log

        source = read_log(session, clock, since=since, until=until, book_id=book_id, progress=progress)
        return {"csv": write_csv, "json": write_json, "jsonl": write_jsonl}[fmt](source, out)
    from tracker import events

    rows = counted(events.log_rows(session, clock, since=since, until=until, book_id=book_id,
                                    with_book_title=True), progress)
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
