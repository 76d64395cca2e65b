"""The library's SQLite file (SPEC §2): what a file is before it is opened (missing,
empty, a database in rollback or WAL mode, or not SQLite at all: then left as found),
a shared flock held on it for a command's life, writers that take the lock up front
and wait out long writes saying so once, WAL once a file is accepted, and a failed
creator's library taken back only when no other command has the file open."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from tracker.errors import EnvError, LibraryGone


SQLITE_MAGIC = b"SQLite format 3\x00"


# SQLite waits: a reader waits this long for a lock; a writer tries this long, then says
# it is waiting and waits up to WRITE_WAIT_MS (a restore of a large library takes minutes).
READ_WAIT_MS = 30_000


FIRST_TRY_MS = 1_000


WRITE_WAIT_MS = 30 * 60_000


def say_waiting() -> None:
    import sys

    print("Waiting for another tracker command to finish (a restore or an import can take a while)…",
          file=sys.stderr, flush=True)


def discard_file(path: Path, state: str) -> bool:
    """Under an exclusive flock (no other command has the file open) and SQLite's exclusive
    lock: only a file this command made or found empty, still in rollback mode, holding no
    command's commits, goes back to what it was."""
    import sqlite3

    try:
        if os.stat(path).st_size == 0:
            if state == "made":
                path.unlink()
            return state in ("made", "empty")
        conn = sqlite3.connect(path, timeout=WRITE_WAIT_MS / 1000, isolation_level=None)
    except (sqlite3.Error, OSError):
        return False
    try:
        conn.execute("BEGIN EXCLUSIVE")
        # Asked of SQLite, not read from the file: closing a second descriptor of the
        # file would drop the lock just taken (POSIX locks belong to the process).
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return False  # a later command switched it to WAL: it is in use, keep it
        for table in ("events", "changes"):
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                return False
        # Other commands waiting for the lock notice the file is gone (`_on_begin`).
        if state == "made":
            path.unlink(missing_ok=True)
        elif state == "empty":
            os.truncate(path, 0)
        else:
            return False
        return True
    except (sqlite3.Error, OSError):
        return False
    finally:
        conn.close()


def engine_for(url: str, path: Path) -> tuple[Engine, Engine, Callable[..., bool]]:
    engine = create_engine(url, connect_args={"timeout": READ_WAIT_MS / 1000})
    inode = os.stat(path).st_ino

    def vanished(*, empty_too: bool = True) -> bool:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return True
        return st.st_ino != inode or (empty_too and st.st_size == 0)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # The journal mode is not set here: a database that is refused must be left as
        # it was found. `use_wal` switches an accepted one to WAL, once, for good.
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Writers take the lock up front, so that concurrent commands wait their turn
        # (busy timeout) instead of failing on a read lock that cannot be upgraded.
        mode = conn.get_execution_options().get("tracker_write")
        if not mode:
            conn.exec_driver_sql("BEGIN")
            return
        try:
            begin_immediate(conn)
        except DBAPIError:
            # SQLite refuses to write to a file that was unlinked under it (read-only,
            # disk I/O error): the same case as below.
            if not vanished(empty_too=False):
                raise
        else:
            if not vanished(empty_too=mode != "create"):
                return
            conn.exec_driver_sql("ROLLBACK")
        raise LibraryGone(f"the library at {path} was taken back by a failed command that had just created "
                          "it while this one waited; nothing was written: run the command again")

    return engine, engine.execution_options(tracker_write=True), vanished


def begin_immediate(conn: Connection) -> None:
    """BEGIN IMMEDIATE; if another command holds the lock, say so once and wait it out."""
    import sqlite3

    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA busy_timeout={FIRST_TRY_MS}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    except DBAPIError as exc:
        if not isinstance(exc.orig, sqlite3.OperationalError) or "locked" not in str(exc.orig):
            raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={READ_WAIT_MS}")
    say_waiting()
    raw.execute(f"PRAGMA busy_timeout={WRITE_WAIT_MS}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={READ_WAIT_MS}")


def use_wal(path: Path | None, state: str, *, force: bool = False) -> None:
    """Switch an accepted rollback-mode file to WAL (readers never wait for writers).
    Best effort: a read-only file, or one busy at this moment, stays as it is."""
    if path is None or not (force or state == "rollback") or not os.access(path, os.W_OK):
        return
    import sqlite3

    try:
        conn = sqlite3.connect(path, timeout=FIRST_TRY_MS / 1000, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
    except sqlite3.Error:
        pass


def check_file(path: Path) -> str:
    """The file's state (see `Library.file_state`). Refuses what is not an SQLite database."""
    if path.exists():
        if path.is_dir():
            raise EnvError(f"database path {path} is a folder, not a file")
        try:
            with path.open("rb") as fh:
                head = fh.read(20)
        except OSError as exc:
            raise EnvError(f"cannot read database {path}: {exc.strerror}") from None
        if head == b"":
            return "empty"
        if head[:len(SQLITE_MAGIC)] != SQLITE_MAGIC:
            raise EnvError(f"{path} is not a tracker database (not an SQLite file); it was left untouched")
        return "wal" if head[18:20] == b"\x02\x02" else "rollback"
    parent = path.parent
    if not parent.is_dir():
        raise EnvError(f"cannot create database {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EnvError(f"cannot create database {path}: folder {parent} is not writable")
    return "missing"


def hold_file(path: Path) -> tuple[int, str]:
    """Open the SQLite file (making it if missing) and take a shared flock on it, which
    `Library.dispose` lets go: (descriptor, state). If a failed creator took the file back
    while this command waited for the flock, the path is looked at anew."""
    import fcntl

    for _ in range(100):
        state = check_file(path)
        try:
            if state == "missing":
                try:
                    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
                except FileExistsError:
                    continue  # another command made it a moment ago
            else:
                fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise EnvError(f"cannot {'create' if state == 'missing' else 'open'} database {path}: "
                           f"{exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            here = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            here = False
        except BaseException:
            os.close(fd)
            raise
        if here:
            # Read again now that no one can take it back: it may have been emptied.
            return fd, "made" if state == "missing" else check_file(path)
        os.close(fd)
    raise EnvError(f"the database file {path} kept changing while tracker opened it; run the command again")

