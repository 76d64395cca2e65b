"""Shared fixtures: the real CLI (CliRunner) on real SQLite files in tmp_path.

`run(...)` invokes `tracker` with TRACKER_DB pointing at the test's own database and
TRACKER_NOW fixing the clock. A seeded template library is built once per session
(through the CLI itself) and copied for each test that asks for `library`.

With `TRACKER_TEST_PG=postgresql+psycopg://user@host:port/postgres` (a server where
that user may create databases) the `run` and `fresh` fixtures use PostgreSQL
instead: each test gets its own new database (`CREATE DATABASE … TEMPLATE` a seeded
template built once), dropped afterwards. `run.db` is then a `PgDatabase` (its URL
as `str()`, `.exists()` true once the library's tables are there); a test that uses
it as a file (`.stat()`, `.parent`, `shutil.copy`, …) is skipped there, and tests
marked `sqlite_only` are skipped too (`postgres_only` ones run only there).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli

if __name__ == "conftest":
    # pytest loads this file as `conftest`; tests import `tests.conftest`: one module for both,
    # so that there is one PgDatabase class (isinstance) and one Runner.
    import sys

    sys.modules.setdefault("tests.conftest", sys.modules[__name__])

DEFAULT_NOW = "2026-03-02T09:00:00+01:00"
TZ = "Europe/Paris"
PG_BASE = os.environ.get("TRACKER_TEST_PG", "")


class PgDatabase:
    """A test's PostgreSQL database: `str()` is its URL; file operations skip the test."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name

    def __str__(self) -> str:
        return self.url

    __repr__ = __str__

    def __fspath__(self) -> str:
        pytest.skip("uses the database as an SQLite file (not under TRACKER_TEST_PG)")

    def exists(self) -> bool:
        """Like a file's: True once the library is there (the database has tables)."""
        from sqlalchemy import create_engine, inspect

        engine = create_engine(self.url, poolclass=_null_pool())
        try:
            with engine.connect() as conn:
                return bool(inspect(conn).get_table_names())
        finally:
            engine.dispose()

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        pytest.skip(f"uses the database as an SQLite file (.{attr}; not under TRACKER_TEST_PG)")


class PgServer:
    """Creates and drops the tests' databases through an admin connection."""

    def __init__(self, base: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(base)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=_null_pool())
        self.prefix = f"tracker_test_{os.getpid()}_"
        self.counter = itertools.count(1)
        with self.admin.connect() as conn:
            # Copying the template's files is several times faster than WAL-logging them (15+).
            self.strategy = " STRATEGY FILE_COPY" if conn.dialect.server_version_info >= (15,) else ""

    def create(self, template: str | None = None) -> PgDatabase:
        from sqlalchemy import text

        name = f"{self.prefix}{next(self.counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'
                              + (f' TEMPLATE "{template}"{self.strategy}' if template else "")))
        url = self.base.set(database=name).render_as_string(hide_password=False)
        return PgDatabase(url, name)

    def drop(self, db: PgDatabase) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)'))


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: needs an SQLite file (skipped under TRACKER_TEST_PG)")
    config.addinivalue_line("markers", "postgres_only: needs TRACKER_TEST_PG (skipped without it)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if PG_BASE and "sqlite_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="SQLite only (TRACKER_TEST_PG is set)"))
        if not PG_BASE and "postgres_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs TRACKER_TEST_PG"))


@pytest.fixture(autouse=True)
def app_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app folder (where `restore --replace` sets the replaced library aside) is the
    test's own: never the developer's."""
    folder = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder / "tracker"


@pytest.fixture(scope="session")
def pg_server() -> Any:
    """The PostgreSQL server of TRACKER_TEST_PG, or None (the suite runs on SQLite)."""
    if not PG_BASE:
        yield None
        return
    server = PgServer(PG_BASE)
    yield server
    server.admin.dispose()


class Runner:
    def __init__(self, db: Path | PgDatabase) -> None:
        self.db = db
        self.now = DEFAULT_NOW

    def __call__(self, *args: Any, now: str | None = None, input: str | None = None,
                 env: dict[str, str] | None = None) -> Result:
        full_env = {"TRACKER_DB": str(self.db), "TRACKER_NOW": now or self.now, "NO_COLOR": "1",
                    "TRACKER_DEBUG": "", "TRACKER_NO_SEED": ""}
        full_env.update(env or {})
        return CliRunner().invoke(cli, [str(a) for a in args], env=full_env, input=input)

    def ok(self, *args: Any, **kw: Any) -> Result:
        result = self(*args, **kw)
        assert result.exit_code == 0, f"tracker {' '.join(map(str, args))}: {result.output}"
        return result

    def json(self, *args: Any, **kw: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **kw).stdout)

    def error(self, *args: Any, code: int = 2, **kw: Any) -> str:
        """Run a command that must fail: one `Error:` line on stderr, the exit code, no traceback."""
        result = self(*args, **kw)
        assert result.exit_code == code, f"expected exit {code}, got {result.exit_code}: {result.output}"
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert "Traceback" not in result.output
        return lines[0]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, pg_server: Any) -> Any:
    if pg_server is not None:
        db = pg_server.create()
        runner = Runner(db)
        runner.ok("init")
        runner.ok("config", "timezone", TZ)
        _forget_history(db.url)
        yield db
        pg_server.drop(db)
        return
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    runner = Runner(path)
    runner.ok("init")
    runner.ok("config", "timezone", TZ)
    _forget_history(f"sqlite:///{path}")
    yield path


def _forget_history(url: str) -> None:
    """The fixtures' own setup (the time zone) is not a change the tests' `undo` sees."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM change_rows"))
        conn.execute(text("DELETE FROM changes"))
    engine.dispose()


@pytest.fixture
def run(tmp_path: Path, template_db: Any, pg_server: Any) -> Any:
    """A library with the bundled reading map, time zone Europe/Paris."""
    if pg_server is not None:
        db = pg_server.create(template=template_db.name)
        yield Runner(db)
        pg_server.drop(db)
        return
    db = tmp_path / "tracker.db"
    shutil.copy(template_db, db)
    yield Runner(db)


@pytest.fixture
def fresh(tmp_path: Path, pg_server: Any) -> Any:
    """No database yet: the first command creates it (on PostgreSQL: an empty database)."""
    if pg_server is not None:
        db = pg_server.create()
        yield Runner(db)
        pg_server.drop(db)
        return
    yield Runner(tmp_path / "tracker.db")


def snapshot(db: Path | PgDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to prove that a failing command wrote nothing."""
    if isinstance(db, PgDatabase):
        return _server_snapshot(db.url)
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    finally:
        conn.close()


def _server_snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a server database, in a stable order."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url, poolclass=_null_pool())
    try:
        meta = MetaData()
        with engine.connect() as conn:
            meta.reflect(conn)
            return {name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
                    for name, table in sorted(meta.tables.items())}
    finally:
        engine.dispose()


@pytest.fixture
def unchanged() -> Callable[[Path], Any]:
    """`with unchanged(db): ...` asserts the block leaves every row as it was."""
    from contextlib import contextmanager

    @contextmanager
    def guard(db: Path | PgDatabase):  # type: ignore[no-untyped-def]
        before = snapshot(db)
        yield
        assert snapshot(db) == before

    return guard
