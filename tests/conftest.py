"""Shared fixtures: the real CLI (CliRunner) on real SQLite files in tmp_path.

`run(...)` invokes `tracker` with TRACKER_DB pointing at the test's own database and
TRACKER_NOW fixing the clock. A seeded template library is built once per session
(through the CLI itself) and copied for each test that asks for `library`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli

DEFAULT_NOW = "2026-03-02T09:00:00+01:00"
TZ = "Europe/Paris"


class Runner:
    def __init__(self, db: Path) -> None:
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
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    runner = Runner(path)
    runner.ok("init")
    runner.ok("config", "timezone", TZ)
    return path


@pytest.fixture
def run(tmp_path: Path, template_db: Path) -> Runner:
    """A library with the bundled reading map, time zone Europe/Paris."""
    db = tmp_path / "tracker.db"
    shutil.copy(template_db, db)
    return Runner(db)


@pytest.fixture
def fresh(tmp_path: Path) -> Runner:
    """No database yet: the first command creates it."""
    return Runner(tmp_path / "tracker.db")


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to prove that a failing command wrote nothing."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    finally:
        conn.close()


@pytest.fixture
def unchanged() -> Callable[[Path], Any]:
    """`with unchanged(db): ...` asserts the block leaves every row as it was."""
    from contextlib import contextmanager

    @contextmanager
    def guard(db: Path):  # type: ignore[no-untyped-def]
        before = snapshot(db)
        yield
        assert snapshot(db) == before

    return guard
