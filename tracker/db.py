"""Finding, opening, creating and migrating the library database (SPEC §2).

The daily path never imports Alembic: the stored revision is read with one query and
compared with `SCHEMA_HEAD`; Alembic is loaded only to create or upgrade a database.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from tracker.db_url import redact, redact_text, resolve_url
from tracker.errors import EnvError
from tracker.sqlite_file import (
    discard_file, engine_for, hold_file, say_waiting, use_wal,
)

# What the layers above put into a library as it is made or upgraded (the bundled
# library, the cards refolded), in the same transaction as the schema.
Fill = Callable[[Session], None]

# Every revision in migrations/versions, oldest first; the last is the head.
# tests/test_migrations.py checks that this agrees with Alembic's own history.
SCHEMA_REVISIONS = (
    "0001_initial",
    "0002_events_kind_index",
    "0003_event_ids_never_reused",
    "0004_cards_count_hard_reviews",
    "0005_change_journal",
    "0006_book_rating",
    "0007_calendar_sequences",
)
# Upgrading across these revisions adds facts that the cards cache from the log: the
# log is folded into the cards again, in the upgrade's own transaction.
CARDS_REFOLDED_AT = ("0004_cards_count_hard_reviews",)
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]


# PostgreSQL: every write transaction first takes this transaction-level advisory lock,
# so that writers run one at a time (as SQLite's BEGIN IMMEDIATE makes them do).
PG_WRITE_LOCK = 7_305_128_901
PG_CONNECT_TIMEOUT = 5  # seconds


def package_dir(name: str) -> Path:
    """migrations/ or seed/: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    inside = here / name
    return inside if inside.is_dir() else here.parent / name


@dataclass
class Library:
    url: str
    path: Path | None
    engine: Engine
    created: bool = False  # this command wrote the schema (it may take it back on failure)
    upgraded_from: str | None = None
    seeded: bool = False  # the bundled library was loaded into this new database
    _write_engine: Engine | None = field(default=None, repr=False)
    # SQLite: what the file was when this command found it ("made": missing, so this
    # command made it; "empty": zero-length; "rollback" or "wal": a database, by mode).
    file_state: str = ""
    _vanished: Callable[..., bool] | None = field(default=None, repr=False)
    # SQLite: a descriptor of the file holding a shared flock for as long as this command
    # uses it. A failed creator takes its library back only under an exclusive flock, so
    # never while another command has the file open: SQLite's journal is named for the
    # path, and a file removed under a command that holds it is a path two files share.
    _hold: int | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything in it is written, or nothing is."""
        engine = self._write_engine or self.engine
        with Session(engine, expire_on_commit=False) as session, session.begin():
            if engine.dialect.name == "postgresql":
                # The schedule's load balancing reads other cards before it writes:
                # concurrent writers must wait their turn, not interleave.
                _pg_write_lock(session.connection())
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        # Only now: closing any descriptor of the file drops this process's SQLite locks.
        if self._hold is not None:
            os.close(self._hold)
            self._hold = None

    def finish(self) -> None:
        """The command succeeded: a library it created goes to WAL now (a failure would
        have taken it back, which only a rollback-mode file allows safely)."""
        self.dispose()
        if self.created and self.path is not None:
            use_wal(self.path, self.file_state, force=True)

    def vanished(self) -> bool:
        """SQLite: the file this command opened is no longer at its path."""
        return self._vanished is not None and self._vanished(empty_too=False)

    def discard(self) -> bool:
        """Take back the library this failed command created, if no other command has
        committed anything to it meanwhile: a file it made is removed, a zero-length
        file it found is zero-length again, a server database is emptied. True if done."""
        if self.path is None:
            self.dispose()
            return self.created and _drop_tables(self.engine)
        self.engine.dispose()
        hold, self._hold = self._hold, None
        try:
            if hold is None or not (self.created or self.file_state == "made"):
                return False
            import fcntl

            try:
                fcntl.flock(hold, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # another command has it open: it is theirs too now, keep it
            return discard_file(self.path, self.file_state)
        finally:
            if hold is not None:
                os.close(hold)


def _pg_write_lock(conn: Connection) -> None:
    """Take the writers' advisory lock, saying so once if another command holds it."""
    if conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK}).scalar():
        return
    say_waiting()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})


def _drop_tables(engine: Engine) -> bool:
    from tracker.model import Base

    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})
            for table in ("events", "changes"):
                if conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
                    return False  # another command has written to it meanwhile: keep it
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            return True
    except SQLAlchemyError:
        return False  # the server is gone: nothing more can be done, the error is already shown
    finally:
        engine.dispose()


def _server_options(url: str) -> dict[str, object]:
    """Engine options for a database server: give up connecting after a few seconds."""
    if url.startswith(("postgresql", "postgres")):
        return {"connect_args": {"connect_timeout": PG_CONNECT_TIMEOUT}}
    return {}


def _stored_revision(engine: Engine) -> tuple[bool, str | None]:
    """(has any table, revision in alembic_version or None): read only, no lock kept."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        else:
            from sqlalchemy import inspect

            names = set(inspect(conn).get_table_names())
        if "alembic_version" not in names:
            return bool(names), None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return True, (row[0] if row else None)


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(package_dir("migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(lib: Library, expected: str | None, then: Callable[[Connection], None] | None = None) -> bool:
    """Apply every migration to a database last seen at revision `expected` (None: no
    schema yet). Under the write lock, taken first, the revision is read again: False if
    another command brought it to the head meanwhile."""
    from alembic import command

    sqlite = lib.is_sqlite
    engine = lib.engine
    if sqlite:
        engine = engine.execution_options(tracker_write="create" if expected is None else True)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            # Batch mode rebuilds a table (copy, DROP, rename): with foreign keys on, the
            # DROP would cascade into the rows of its child tables. The pragma only takes
            # effect outside a transaction, so it is set before BEGIN and checked after.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if not sqlite:
                    _pg_write_lock(conn)
                now = _revision_on(conn)
                if now == SCHEMA_HEAD:
                    return False
                if now != expected:
                    raise EnvError(f"{lib_name(lib)} changed while tracker opened it (schema {now}); "
                                   "run the command again")
                cfg = alembic_config(lib.engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if then is not None:
                    then(conn)  # in the same transaction
                if raw is not None and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise EnvError("the schema upgrade broke a foreign key; the database was left as it was")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
    return True


def _revision_on(conn) -> str | None:  # type: ignore[no-untyped-def]
    if conn.dialect.name == "sqlite":
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    else:
        from sqlalchemy import inspect

        names = set(inspect(conn).get_table_names())
    if "alembic_version" not in names:
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


def open_library(option: str | None, *, seed: bool | None = None, verify: bool = False,
                 load_seed: Fill | None = None, refold: Fill | None = None) -> Library:
    """Open (creating or upgrading as needed) the library in use; with `verify`, an
    existing SQLite file passes `quick_check` first (`init`, `db upgrade`, `db current`)."""
    url, path = resolve_url(option)
    if path is not None and not (option or os.environ.get("TRACKER_DB")) and not path.exists():
        # The default app folder does not exist on a new machine: make it (owner only).
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise EnvError(f"cannot create folder {path.parent}: {exc.strerror}") from None
    state = ""
    vanished = None
    hold = None
    if path is not None:
        hold, state = hold_file(path)
        try:
            engine, write_engine, vanished = engine_for(url, path)
        except BaseException:
            os.close(hold)
            raise
    else:
        scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
        if scheme not in ("postgresql", "postgres"):
            raise EnvError(
                f"{redact(url)}: tracker keeps its library in SQLite (a file path) or PostgreSQL "
                "(postgresql+psycopg://user:password@host/db); other databases are not supported"
            )
        try:
            engine = create_engine(url, pool_pre_ping=False, **_server_options(url))
        except ImportError as exc:
            raise EnvError(
                f"cannot use database {redact(url)}: its driver is not installed ({exc}); "
                "for PostgreSQL install its driver: pip install 'psycopg[binary]' (or, in tracker's folder, "
                "pip install '.[postgres]')"
            ) from None
        except (SQLAlchemyError, ValueError) as exc:
            raise EnvError(f"cannot use database {redact(url)}: {redact_text(url, str(exc))}") from None
        write_engine = engine
    lib = Library(url=url, path=path, engine=engine, _write_engine=write_engine, file_state=state,
                  _vanished=vanished, _hold=hold)
    try:
        if verify and state in ("rollback", "wal"):
            quick_check(lib)
        _prepare(lib, seed=seed, load_seed=load_seed, refold=refold)
    except BaseException:
        lib.discard()  # a file this command made and left empty goes too
        raise
    return lib


def _prepare(lib: Library, *, seed: bool | None, load_seed: Fill | None, refold: Fill | None) -> None:
    try:
        has_tables, revision = _stored_revision(lib.engine)
    except DBAPIError as exc:
        raise EnvError(describe_db_error(lib, exc)) from None
    if revision == SCHEMA_HEAD:
        use_wal(lib.path, lib.file_state)
        return
    if revision is None:
        if has_tables:
            raise EnvError(f"{lib_name(lib)} is not a tracker database; it was left untouched")
        if seed is None:
            seed = os.environ.get("TRACKER_NO_SEED", "") in ("", "0")
        # Schema and bundled library in one transaction: no one ever sees one without the other.
        if not upgrade(lib, None, then=_in_session(load_seed) if seed and load_seed else None):
            return  # another command created it at the same moment
        lib.created = True
        if seed and load_seed:
            lib.seeded = True
        return
    if revision not in SCHEMA_REVISIONS:
        raise EnvError(
            f"{lib_name(lib)} has schema revision {revision}, which this tracker does not "
            f"know (newest known: {SCHEMA_HEAD}); it is probably from a newer tracker. "
            "Upgrade tracker; the database was left untouched"
        )
    if lib.path is not None:
        lib.engine.dispose()
        backup = lib.path.with_name(f"{lib.path.name}.before-{SCHEMA_HEAD}")
        shutil.copy2(lib.path, backup)
    crossed = SCHEMA_REVISIONS[SCHEMA_REVISIONS.index(revision) + 1:]
    refolds = refold is not None and any(r in CARDS_REFOLDED_AT for r in crossed)
    if upgrade(lib, revision, then=_in_session(refold) if refold and refolds else None):
        lib.upgraded_from = revision
    use_wal(lib.path, lib.file_state)


def quick_check(lib: Library) -> None:
    """SQLite's `quick_check`: refuse a file with corrupt pages (exit 1), untouched."""
    if not lib.is_sqlite:
        return
    try:
        with lib.engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchmany(3)]
    except DBAPIError as exc:
        raise EnvError(describe_db_error(lib, exc)) from None
    if rows != ["ok"]:
        first = " ".join(str(rows[0] if rows else "no answer").replace("*** in database main ***", "").split())
        raise EnvError(f"{lib_name(lib)} is damaged (SQLite's quick_check: {first[:100]}); it was left "
                       "untouched. Restore your latest backup into a new file")


def lib_name(lib: Library) -> str:
    return str(lib.path) if lib.path is not None else redact(lib.url)


def describe_db_error(lib: Library, exc: BaseException) -> str:
    """One line for a failure of the database itself (corrupt, unreachable, read-only)."""
    orig = getattr(exc, "orig", exc)
    message = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if lib.is_sqlite:
        if "not a database" in message or "malformed" in message:
            return f"{lib_name(lib)} is not a readable tracker database ({message}); it was left untouched"
        if "readonly" in message or "read-only" in message:
            return f"cannot write to {lib_name(lib)}: the database is read-only"
        return f"database {lib_name(lib)}: {message}"
    message = " ".join(message.split())
    if message.startswith(("database \"", "FATAL: database \"")) or "failed: FATAL: database \"" in message:
        message += " (create it first, e.g. createdb, and give its URL)"
    message = redact_text(lib.url, message)
    return f"cannot use database {redact(lib.url)}: {message}"


def stored_revision(lib: Library) -> str:
    return _stored_revision(lib.engine)[1] or "(none)"


def _in_session(fill: Fill) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        with Session(bind=conn, expire_on_commit=False) as session:
            fill(session)
            session.flush()

    return run
