"""PostgreSQL as the shared database (SPEC §2, §6, §7): connection errors, creation,
the write lock, and the schema and types on a real server.

Most tests need a server (TRACKER_TEST_PG, see conftest.py); the connection-error
tests need only the driver (`pip install '.[postgres]'`).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from tests.conftest import PgDatabase, Runner
from tests.test_faults import IE, cli_env, one_error_line, tracker

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_line(result: Any, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --------------------------------------------------------------------------- connection errors (driver only)


def test_unreachable_port_is_one_line_without_the_password():
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://reader:S3cret-unreach@127.0.0.1:{free_port()}/library"
    for args in (["today"], ["read", IE, "0"], ["db", "check"]):
        result = Runner(url)(*args)  # type: ignore[arg-type]
        line = one_line(result)
        assert "S3cret-unreach" not in result.output
        assert "127.0.0.1" in line and "refused" in line.lower(), line


@pytest.mark.postgres_only
def test_a_server_that_never_answers_times_out_in_one_line():
    """connect_timeout: a port that accepts the connection but never speaks."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://reader:S3cret-silent@127.0.0.1:{port}/library"
        started = time.monotonic()
        result = tracker(url, "today", timeout=60)
        elapsed = time.monotonic() - started
    line = one_error_line(result, 1)
    assert "S3cret-silent" not in result.stdout + result.stderr
    assert "timeout" in line.lower() or "timed out" in line.lower(), line
    assert elapsed < 30


def test_unknown_database_kind_is_one_line():
    result = Runner("nosuchdialect://u:pw-Hidden@host/db")("today")  # type: ignore[arg-type]
    line = one_line(result)
    assert "pw-Hidden" not in result.output, line


# --------------------------------------------------------------------------- on a server


@pytest.mark.postgres_only
def test_wrong_password_is_one_line_without_the_password(pg_server):
    from sqlalchemy import text

    role = f"tracker_pw_{pg_server.prefix.split('_')[2]}"
    with pg_server.admin.connect() as conn:
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'the-right-one'"))
    try:
        wrong = pg_server.base.set(username=role, password="Wr0ng-Secret-9")
        probe = _connects(wrong.render_as_string(hide_password=False))
        if probe:
            pytest.skip("this server does not check passwords on 127.0.0.1 (trust)")
        result = Runner(wrong.render_as_string(hide_password=False))("today")  # type: ignore[arg-type]
        line = one_line(result)
        assert "Wr0ng-Secret-9" not in result.output
        assert "password authentication failed" in line, line
    finally:
        with pg_server.admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def _connects(url: str) -> bool:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_missing_database_says_how_to_create_it(pg_server):
    url = pg_server.base.set(database="tracker_no_such_db").render_as_string(hide_password=False)
    line = one_line(Runner(url)("today"))  # type: ignore[arg-type]
    assert "does not exist" in line and "createdb" in line, line


@pytest.mark.postgres_only
def test_first_commands_racing_on_an_empty_database_create_and_seed_it_once(pg_server, tmp_path):
    db = pg_server.create()
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "tracker", "books", "--json"], env=cli_env(db),
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, outs
        created = [err for _, err in outs if "Created a new library" in err]
        assert len(created) >= 1
        for out, _ in outs:
            assert [b["slug"] for b in json.loads(out)] == [
                "inference-engineering", "ultrascale-playbook", "ai-engineering"]
        assert tracker(db, "db", "check").returncode == 0
    finally:
        pg_server.drop(db)


@pytest.mark.postgres_only
def test_a_failing_first_command_leaves_the_database_empty(fresh):
    fresh.error("read", "nosuch-book", "1")
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    engine = create_engine(fresh.db.url, poolclass=NullPool)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()
    result = fresh.ok("today")
    assert "Created a new library" in result.stderr


@pytest.mark.postgres_only
def test_writers_wait_for_each_other(run, tmp_path):
    """A write transaction holds the library's advisory lock: another writer waits for it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from tracker.db import PG_WRITE_LOCK

    engine = create_engine(run.db.url, poolclass=NullPool)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
        proc = subprocess.Popen([sys.executable, "-m", "tracker", "read", IE, "0", "--done"],
                                env=cli_env(run.db), cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        with engine.connect() as probe:
            while not probe.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND objid = :low"), {"low": PG_WRITE_LOCK & 0xFFFFFFFF}).scalar():
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.02)
        assert proc.poll() is None  # it waits for the lock
        holder.rollback()  # releases it
        out, err = proc.communicate(timeout=60)
    engine.dispose()
    assert proc.returncode == 0, err
    assert "Finished" in out


@pytest.mark.postgres_only
def test_two_processes_writing_revisits_at_once_lose_nothing(run, tmp_path):
    """Load balancing reads the other cards before writing: two writers must not interleave."""
    chapters = ["0", "1", "2", "3", "4", "5", "6", "7"]
    for c in chapters:
        run.ok("read", IE, c, "--done", now="2026-02-01T09:00:00+01:00")
    failures: list[str] = []

    def favourite(group: list[str]) -> None:
        for c in group:
            r = tracker(run.db, "fav", IE, c, now="2026-02-01T10:00:00+01:00", cwd=tmp_path)
            if r.returncode:
                failures.append(r.stderr)

    threads = [threading.Thread(target=favourite, args=(chapters[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert tracker(run.db, "db", "check").returncode == 0
    events = json.loads(tracker(run.db, "log", "--json").stdout)
    assert sorted(e["chapter"] for e in events if e["event"] == "favourite") == chapters


@pytest.mark.postgres_only
def test_migration_gives_the_model_schema_on_postgresql(run):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    from tracker.db import SCHEMA_HEAD
    from tracker.model import Base

    engine = create_engine(run.db.url, poolclass=NullPool)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(ctx, Base.metadata)]
        assert diffs == []
        columns = {c["name"]: c["type"] for c in inspect(conn).get_columns("chapters")}
        assert columns["favourite"].python_type is bool
        events = {c["name"]: c["type"] for c in inspect(conn).get_columns("events")}
        assert str(events["at"]) == "TIMESTAMP" and not events["at"].timezone  # naive UTC
        assert str(events["until"]) == "DATE"
        books = {c["name"]: str(c["type"]) for c in inspect(conn).get_columns("books")}
        assert books["authors"] == "JSON"
    engine.dispose()
    assert run.ok("db", "current").stdout.strip() == SCHEMA_HEAD


@pytest.mark.postgres_only
def test_types_round_trip_on_postgresql(run):
    """Aware times stored as UTC and ordered by time, JSON lists, dates, booleans, checks."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.pool import NullPool

    run.ok("read", IE, "1", "--minutes", "10", "--on", "2026-03-01T23:30:00-05:00")  # 04:30 UTC on 2 March
    run.ok("read", IE, "0", "--done", "--on", "2026-02-27T10:00")  # backdated: comes first
    log = run.json("log")
    utc = dt.timezone.utc
    assert [(e["chapter"], dt.datetime.fromisoformat(e["at"])) for e in log] == [
        ("0", dt.datetime(2026, 2, 27, 9, tzinfo=utc)), ("1", dt.datetime(2026, 3, 2, 4, 30, tzinfo=utc))]
    run.ok("book", "add", "Two Authors", "--author", "Ann", "--author", "Bo")
    book = next(b for b in run.json("books") if b["slug"] == "two-authors")
    assert book["authors"] == ["Ann", "Bo"]
    run.ok("fav", IE, "0")
    run.ok("snooze", IE, "0", "--days", "3")
    assert run.ok("db", "check").stdout.strip() == "ok"
    engine = create_engine(run.db.url, poolclass=NullPool)
    with engine.connect() as conn:
        active = conn.execute(text("SELECT active FROM cards")).scalar()
        assert active is True
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE books SET status = 'nope'"))
        conn.rollback()
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE events SET percent = 101"))
        conn.rollback()
    engine.dispose()


@pytest.mark.postgres_only
def test_every_command_family_works_on_postgresql(run, tmp_path):
    """A short tour of the CLI on a server database (the whole suite also runs there)."""
    run.ok("read", IE, "5.1", "--minutes", "40", "--done")
    run.ok("fav", IE, "5.1")
    run.ok("revisit", IE, "5.1", "good", now="2026-03-05T09:00:00+01:00")
    run.ok("agenda", "--days", "30")
    run.ok("today")
    run.ok("next")
    run.ok("show", IE)
    run.ok("undo", "--yes")
    run.ok("break", "--from", "2026-12-24", "--to", "2027-01-02")
    run.ok("config", "timezone", "Europe/Berlin")
    assert run.ok("db", "path").stdout.strip().startswith("postgresql+psycopg://")
    assert isinstance(run.db, PgDatabase)
    assert run.ok("db", "check").stdout.strip() == "ok"
