"""The reading log as the exports and the backup read it (SPEC §5.2, §5.3, §7): at the
speed of the database, in memory flat in the log's length.

One query walks the events in log order by the `(at, id)` index and hands its rows
over in batches straight from the driver's cursor (a server-side cursor on
PostgreSQL, so the server sends the log a batch at a time): ids, not names, so that
no book or chapter title is decoded 200,000 times. The names come from three small
queries, read once into dictionaries, which each writer turns into its own text once
per book, chapter and resource. Times are read as the text they are stored as and
given to the writers with `local_iso` (tracker.formats.local_times).

Everything must be read in one snapshot, so that a book added or removed meanwhile
cannot leave an event without its name: SQLite's read transaction is one; on
PostgreSQL `snapshot` begins the read session as REPEATABLE READ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.formats.local_times import local_iso

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.when import Clock

BATCH = 2000

# The row of a batch: (id, at as stored, book_id, chapter_id, resource_id, kind, minutes,
# percent, pages, rating, until as text, note). `local_at` turns `at` into its local ISO text.
Row = tuple[Any, ...]


@dataclass
class LogSource:
    books: dict[int, tuple[str, str]]  # id -> (slug, title)
    chapters: dict[int, tuple[str, str]]  # id -> (number, title)
    resources: dict[int, str]  # id -> slug
    local_at: Callable[[str], str]
    batches: Iterator[list[Row]]


def snapshot(session: Session) -> None:
    """Begin a read session (before its first query) so that all its queries see one
    library: on PostgreSQL as REPEATABLE READ (SQLite's read transaction is one
    already). For the reads of `export` and `backup`; a write transaction needs none
    (writers take their turn one at a time)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.in_transaction():
        session.rollback()  # only reads so far: nothing is lost
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def read_log(session: Session, clock: Clock, *, since: dt.datetime | None = None,
             until: dt.datetime | None = None, book_id: int | None = None, timespec: str = "seconds",
             progress: Callable[[int], None] | None = None) -> LogSource:
    """The log between two times (both included) and of one book, oldest first."""
    from sqlalchemy import String, func, select, type_coerce

    from tracker.events import log_filter
    from tracker.model import Book, Chapter, Event, Resource

    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # stored as text: read as it is
        at, until_text = type_coerce(Event.at, String), type_coerce(Event.until, String)
    else:
        at = func.to_char(Event.at, "YYYY-MM-DD HH24:MI:SS.US")
        until_text = func.to_char(Event.until, "YYYY-MM-DD")
    books_query = select(Book.id, Book.slug, Book.title)
    chapters_query = select(Chapter.id, Chapter.number, Chapter.title)
    if book_id is not None:
        books_query = books_query.where(Book.id == book_id)
        chapters_query = chapters_query.where(Chapter.book_id == book_id)
    books = {bid: (slug, title) for bid, slug, title in conn.execute(books_query)}
    chapters = {cid: (number, title) for cid, number, title in conn.execute(chapters_query)}
    resources = {rid: slug for rid, slug in conn.execute(select(Resource.id, Resource.slug))}
    query = log_filter(
        select(Event.id, at, Event.book_id, Event.chapter_id, Event.resource_id, Event.kind, Event.minutes,
               Event.percent, Event.pages, Event.rating, until_text, Event.note),
        since=since, until=until, book_id=book_id,
    ).order_by(Event.at, Event.id)
    batches = _driver_batches(conn, query) if sqlite else _streamed_batches(conn, query)
    if progress is not None:
        batches = _reported(batches, progress)
    return LogSource(books, chapters, resources, local_iso(clock.tz, timespec), batches)


def _driver_batches(conn: Any, query: Any) -> Iterator[list[Row]]:
    """SQLite: the rows as the driver gives them, no result processing (none is needed:
    every column is an integer or text)."""
    result = conn.execute(query)
    cursor = result.cursor
    try:
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        result.close()


def _streamed_batches(conn: Any, query: Any) -> Iterator[list[Row]]:
    """PostgreSQL: a server-side cursor, fetched a batch at a time."""
    # On the statement: Connection.execution_options would change the connection itself.
    result = conn.execute(query.execution_options(stream_results=True, max_row_buffer=BATCH))
    try:
        for batch in result.partitions(BATCH):
            yield batch  # type: ignore[misc]
    finally:
        result.close()


def _reported(batches: Iterator[list[Row]], progress: Callable[[int], None]) -> Iterator[list[Row]]:
    for batch in batches:
        yield batch
        progress(len(batch))
