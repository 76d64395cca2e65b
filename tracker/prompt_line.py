"""The shell-prompt line (SPEC §3 `today --short`, §7): its words, and the fast way to
it for an SQLite library.

A shell prompt runs `tracker today --short` before every command line, so it may cost
little more than starting Python (`python -c "import sqlite3"`); Click and SQLAlchemy
alone cost several times that. For an SQLite library at the schema this tracker
writes, `answer` reads the line with the stdlib: it opens the file as every command
does (a shared flock, then SQLite), checks the schema revision, reads the reader's
time zone and `day_start_hour`, counts the active revisit cards due on or before the
reader's date and finds the first place to continue among the books being read.

It is never stale, because it computes nothing that a change could leave behind: it
reads, in one read transaction, the same rows `today` reads (the cards' due dates and
the chapter and book statuses), which every change updates in its own transaction;
the reader's date comes from the one rule every command uses (`tracker.reader_day`),
and the place to continue from the one rule `today` uses (`tracker.continuing`).

Anything unusual (another command line, a missing or empty file, another schema
revision, a server URL, any error) returns None: the full command (`tracker.cli`)
answers then, and says what is wrong.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import datetime, timezone

from tracker import reader_day
from tracker.continuing import where_to_continue
from tracker.control_chars import clean

SQLITE_MAGIC = b"SQLite format 3\x00"
# As long as any command's read waits for a lock (tracker.sqlite_file.READ_WAIT_MS).
READ_WAIT_SECONDS = 30

SETTINGS_SQL = "SELECT key, value FROM settings WHERE key IN ('timezone', 'day_start_hour')"
DUE_SQL = "SELECT count(*) FROM cards WHERE active = 1 AND due <= ?"
# The chapters of the books being read, in reading order (as `tracker.plan` reads them).
READING_SQL = (
    "SELECT b.id, b.slug, c.number, c.title, c.status FROM books b JOIN chapters c ON c.book_id = b.id "
    "WHERE b.status = 'reading' ORDER BY b.id, c.position"
)


def words(due: int, book: str | None, chapter: str | None) -> str:
    """`N revisit(s) due · next: BOOK CHAPTER`, either part left out when empty,
    `nothing due` when both are."""
    parts = []
    if due:
        parts.append(f"{due} revisit{'s' if due != 1 else ''} due")
    if book is not None:
        parts.append(f"next: {book} {chapter}")
    return " · ".join(parts) if parts else "nothing due"


def answer(args: Sequence[str]) -> str | None:
    """The line `tracker ARGS` prints, when ARGS are `[--db X] today --short` and the
    library is an SQLite file this tracker reads as it is; None otherwise."""
    fast, option = _shape(args)
    if not fast or "_TRACKER_COMPLETE" in os.environ:
        return None
    try:
        path = sqlite_path(option or os.environ.get("TRACKER_DB") or default_path())
        if path is None:
            return None
        return _read(path, _now())
    except Exception:  # noqa: BLE001 - anything unusual: the full command answers, and explains
        return None


def _shape(args: Sequence[str]) -> tuple[bool, str | None]:
    """(True, the --db value or None) for exactly `[--db X] today --short`."""
    rest = list(args)
    option = None
    if len(rest) >= 2 and rest[0] == "--db":
        option, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--db="):
        option, rest = rest[0][len("--db="):], rest[1:]
    if option is not None and option.startswith("-"):
        return False, None  # Click's reading of such a command line decides
    return rest == ["today", "--short"], option


def default_path() -> str:
    """`click.get_app_dir("tracker")/tracker.db` (SPEC §2), without importing Click."""
    if sys.platform.startswith("win"):
        folder = os.environ.get("APPDATA")
        return os.path.join(os.path.expanduser("~") if folder is None else folder, "tracker", "tracker.db")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~/Library/Application Support"), "tracker", "tracker.db")
    config = os.environ.get("XDG_CONFIG_HOME", os.path.expanduser("~/.config"))
    return os.path.join(config, "tracker", "tracker.db")


def sqlite_path(value: str) -> str | None:
    """The SQLite file a --db or TRACKER_DB value names (as `tracker.db_url` reads it),
    or None for anything else (a server, a connection string, URL parameters)."""
    if "://" in value:
        if not value.startswith("sqlite:///") or value == "sqlite:///:memory:" or "?" in value:
            return None
        return os.path.expanduser(value[len("sqlite:///"):])
    if "=" in value:
        return None  # perhaps a libpq connection string: the full command says what to give
    path = os.path.expanduser(value)
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _now() -> datetime:
    raw = os.environ.get("TRACKER_NOW", "").strip()
    if not raw:
        return datetime.now(timezone.utc)
    value = reader_day.parse_now(raw)
    if not reader_day.in_range(value):
        raise ValueError("TRACKER_NOW is out of range")
    return value


def schema_head() -> str | None:
    """The newest schema revision this tracker knows: the newest migration file's
    revision (they are numbered, `0005_change_journal.py`; tests check that this is
    `tracker.db.SCHEMA_HEAD`). Inside the installed package, or beside it in a checkout."""
    here = os.path.dirname(os.path.abspath(__file__))
    for base in (here, os.path.dirname(here)):
        try:
            names = os.listdir(os.path.join(base, "migrations", "versions"))
        except OSError:
            continue
        revisions = [name[:-3] for name in names if name.endswith(".py") and name[:4].isdigit()]
        if revisions:
            return max(revisions)
    return None


def _uri(path: str) -> str:
    """An SQLite URI for the file that reads and writes but never creates it."""
    quoted = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{quoted}?mode=rw"


def _read(path: str, now: datetime) -> str | None:
    import fcntl  # Unix: elsewhere the full command answers

    fd = os.open(path, os.O_RDONLY)
    try:
        # Held like every command holds it (tracker.sqlite_file.hold_file): a failed
        # creator takes a new library back only when no command has it open.
        fcntl.flock(fd, fcntl.LOCK_SH)
        if os.fstat(fd).st_ino != os.stat(path).st_ino or os.pread(fd, 16, 0) != SQLITE_MAGIC:
            return None  # replaced meanwhile, empty (a new library) or not SQLite
        # Not `mode=ro`: a read-only connection leaves -wal and -shm files behind, even
        # beside a database the full command then refuses (SPEC §4.3 leaves those as found).
        conn = sqlite3.connect(_uri(path), uri=True, timeout=READ_WAIT_SECONDS, isolation_level=None)
        try:
            conn.execute("PRAGMA query_only=ON")
            conn.execute("BEGIN")  # one snapshot for every read below
            return _line(conn, now)
        finally:
            conn.close()
    finally:
        os.close(fd)  # after SQLite's own descriptor: closing one drops the process's locks


def _line(conn: sqlite3.Connection, now: datetime) -> str | None:
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if row is None or row[0] != schema_head():
        return None  # older (the full command upgrades it) or newer (it refuses it)
    values = dict(conn.execute(SETTINGS_SQL).fetchall())
    tz = reader_day.zone(values.get("timezone") or None)
    hour = int(values.get("day_start_hour", reader_day.DEFAULT_DAY_START_HOUR))
    day = reader_day.reader_date(now, tz, hour)
    (due,) = conn.execute(DUE_SQL, (day.isoformat(),)).fetchone()
    book_id, slug, chapters = None, None, []
    found = None
    for row_book, row_slug, number, title, status in conn.execute(READING_SQL):
        if row_book != book_id:
            if chapters and (found := where_to_continue(chapters)) is not None:
                break
            book_id, slug, chapters = row_book, row_slug, []
        chapters.append((number, title, status))
    else:
        found = where_to_continue(chapters) if chapters else None
    return clean(words(due, slug if found else None, found[0] if found else None))
