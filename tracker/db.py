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

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from tracker.errors import EnvError

# Every revision in migrations/versions, oldest first; the last is the head.
# tests/test_migrations.py checks that this agrees with Alembic's own history.
SCHEMA_REVISIONS = (
    "0001_initial",
    "0002_events_kind_index",
    "0003_event_ids_never_reused",
    "0004_cards_count_hard_reviews",
    "0005_change_journal",
)
# Upgrading across these revisions adds facts that the cards cache from the log: the
# log is folded into the cards again, in the upgrade's own transaction.
CARDS_REFOLDED_AT = ("0004_cards_count_hard_reviews",)
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]

SQLITE_MAGIC = b"SQLite format 3\x00"

# PostgreSQL: every write transaction first takes this transaction-level advisory lock,
# so that writers run one at a time (as SQLite's BEGIN IMMEDIATE makes them do).
PG_WRITE_LOCK = 7_305_128_901
PG_CONNECT_TIMEOUT = 5  # seconds


def default_path() -> Path:
    import click  # only for get_app_dir; cheap and already loaded by the CLI

    return Path(click.get_app_dir("tracker")) / "tracker.db"


def resolve_url(option: str | None) -> tuple[str, Path | None]:
    """The URL in use and, for an SQLite file, its path: --db, TRACKER_DB, default."""
    value = option or os.environ.get("TRACKER_DB") or str(default_path())
    if "://" in value:
        if value.startswith("sqlite:///") and value != "sqlite:///:memory:":
            path = Path(value[len("sqlite:///"):]).expanduser()
            return f"sqlite:///{path}", path
        return value, None
    path = Path(value).expanduser().absolute()
    return f"sqlite:///{path}", path


def redact(url: str) -> str:
    """A URL safe to print: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown without its credentials
        return url.split("@")[-1]


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
    created: bool = False
    upgraded_from: str | None = None
    seeded: bool = False  # the bundled library was loaded into this new database
    _write_engine: Engine | None = field(default=None, repr=False)

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
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def discard(self) -> None:
        """Remove a database this command created (the command failed)."""
        if self.created and self.path is None:
            _drop_tables(self.engine)  # a server database: back to the empty one we found
        self.dispose()
        if self.created and self.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)


def _drop_tables(engine: Engine) -> None:
    from tracker.model import Base

    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})
            if conn.execute(text("SELECT 1 FROM events LIMIT 1")).first() is not None:
                return  # another machine has started using it meanwhile: keep it
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    except SQLAlchemyError:
        pass  # the server is gone: nothing more can be done, the error is already shown


def _sqlite_engine(url: str) -> tuple[Engine, Engine]:
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Writers take the lock up front, so that concurrent commands wait their turn
        # (busy timeout) instead of failing on a read lock that cannot be upgraded.
        immediate = conn.get_execution_options().get("tracker_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine, engine.execution_options(tracker_write=True)


def _server_options(url: str) -> dict[str, object]:
    """Engine options for a database server: give up connecting after a few seconds."""
    if url.startswith(("postgresql", "postgres")):
        return {"connect_args": {"connect_timeout": PG_CONNECT_TIMEOUT}}
    return {}


def _check_sqlite_file(path: Path) -> bool:
    """True if the file must be created. Refuses what is not an SQLite database."""
    if path.exists():
        if path.is_dir():
            raise EnvError(f"database path {path} is a folder, not a file")
        try:
            with path.open("rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise EnvError(f"cannot read database {path}: {exc.strerror}") from None
        if head == b"":
            return False
        if head != SQLITE_MAGIC:
            raise EnvError(f"{path} is not a tracker database (not an SQLite file); it was left untouched")
        return False
    parent = path.parent
    if not parent.is_dir():
        raise EnvError(f"cannot create database {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EnvError(f"cannot create database {path}: folder {parent} is not writable")
    return True


def _stored_revision(engine: Engine) -> tuple[bool, str | None]:
    """(has any table, revision in alembic_version or None)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'")}
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


def upgrade(engine: Engine, then: Callable[[Connection], None] | None = None) -> bool:
    """Apply every migration; False if another process brought it to the head meanwhile."""
    from alembic import command

    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            # Batch mode rebuilds a table (copy, DROP, rename): with foreign keys on, the
            # DROP would cascade into the rows of its child tables. The pragma only takes
            # effect outside a transaction, so it is set before BEGIN and checked after.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})
                    if _revision_on(conn) == SCHEMA_HEAD:
                        return False
                cfg = alembic_config(engine)
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
    from sqlalchemy import inspect

    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


def open_library(option: str | None, *, seed: bool | None = None) -> Library:
    """Open (creating or upgrading as needed) the library in use."""
    url, path = resolve_url(option)
    created = False
    if path is not None and not (option or os.environ.get("TRACKER_DB")) and not path.exists():
        # The default app folder does not exist on a new machine: make it (owner only).
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise EnvError(f"cannot create folder {path.parent}: {exc.strerror}") from None
    if path is not None:
        created = _check_sqlite_file(path)
        if created:
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                created = False
            except OSError as exc:
                raise EnvError(f"cannot create database {path}: {exc.strerror}") from None
        engine, write_engine = _sqlite_engine(url)
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
                "for PostgreSQL install the postgres extra: pip install 'tracker[postgres]'"
            ) from None
        except (SQLAlchemyError, ValueError) as exc:
            raise EnvError(f"cannot use database {redact(url)}: {exc}") from None
        write_engine = engine
    lib = Library(url=url, path=path, engine=engine, created=created, _write_engine=write_engine)
    try:
        _prepare(lib, seed=seed)
    except BaseException:
        lib.discard()
        raise
    return lib


def _prepare(lib: Library, *, seed: bool | None) -> None:
    try:
        has_tables, revision = _stored_revision(lib.engine)
    except DBAPIError as exc:
        raise EnvError(describe_db_error(lib, exc)) from None
    if revision == SCHEMA_HEAD:
        return
    if revision is None:
        if has_tables:
            raise EnvError(f"{lib_name(lib)} is not a tracker database; it was left untouched")
        if seed is None:
            seed = os.environ.get("TRACKER_NO_SEED", "") in ("", "0")
        # Schema and bundled library in one transaction: no one ever sees one without the other.
        if not upgrade(lib.engine, then=_load_seed_on if seed else None):
            return  # another command created it at the same moment
        lib.created = True
        if seed:
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
    refold = any(r in CARDS_REFOLDED_AT for r in crossed)
    upgrade(lib.engine, then=_refold_cards_on if refold else None)
    lib.upgraded_from = revision


def _load_seed_on(conn: Connection) -> None:
    from tracker.formats import library_file

    with Session(bind=conn, expire_on_commit=False) as session:
        library_file.load_seed(session)
        session.flush()


def _refold_cards_on(conn: Connection) -> None:
    from tracker import journal, schedule

    with Session(bind=conn, expire_on_commit=False) as session:
        schedule.rebuild(session, journal.rules(session))
        session.flush()


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
    if lib.url and "@" in lib.url:
        from sqlalchemy.engine import make_url

        try:
            password = make_url(lib.url).password
        except Exception:  # noqa: BLE001
            password = None
        if password:
            message = message.replace(str(password), "***")
    return f"cannot use database {redact(lib.url)}: {message}"


def stored_revision(lib: Library) -> str:
    return _stored_revision(lib.engine)[1] or "(none)"
