"""Faults (SPEC §6, §7 guarantees): concurrent writers, a process killed mid-transaction,
refused databases, and random command lines that must never end in a traceback.

Real processes (`python -m tracker`) on the test's own database: SQLite by default,
PostgreSQL under TRACKER_TEST_PG (see conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import DEFAULT_NOW, PgDatabase, snapshot

ROOT = Path(__file__).resolve().parent.parent
IE = "inference-engineering"


def tracker(db: Any, *args: str, now: str = DEFAULT_NOW, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=cli_env(db, now),
                          capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT)


def cli_env(db: Any, now: str = DEFAULT_NOW) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "TRACKER_DB": str(db), "TRACKER_NOW": now,
            "NO_COLOR": "1", "TRACKER_DEBUG": "", "TRACKER_NO_SEED": ""}


def one_error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def event_count(db: Any) -> list[dict[str, Any]]:
    result = tracker(db, "log", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def db_check_ok(db: Any) -> None:
    result = tracker(db, "db", "check")
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- concurrency


def test_eight_processes_writing_at_once_all_succeed_and_lose_nothing(run, tmp_path):
    """Each of 8 workers reads, notes and favourites its own chapter, in separate
    processes, all at the same time; every command succeeds and every event is there."""
    before = len(event_count(run.db))
    rounds = 2
    failures: list[str] = []
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        chapter = str(i)  # chapters 0..7 of the bundled book
        start.wait()
        commands = []
        for r in range(rounds):
            commands.append(["read", IE, chapter, "--minutes", str(10 + r)])
            commands.append(["note", IE, f"worker {i} round {r}", "--chapter", chapter])
        commands.append(["fav", IE, chapter])
        for args in commands:
            result = tracker(run.db, *args, cwd=tmp_path)
            if result.returncode != 0:
                failures.append(f"{args}: exit {result.returncode}: {result.stderr.strip()}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    events = event_count(run.db)
    assert len(events) == before + 8 * (2 * rounds + 1)
    notes = {e["note"] for e in events if e["event"] == "note"}
    assert notes >= {f"worker {i} round {r}" for i in range(8) for r in range(rounds)}
    favs = {e["chapter"] for e in events if e["event"] == "favourite"}
    assert favs == {str(i) for i in range(8)}
    # The cards, scheduled with load balancing while others wrote, equal a replay of the log.
    db_check_ok(run.db)


# --------------------------------------------------------------------------- killed mid-write


def library_toml(books: int, chapters: int) -> str:
    out = ['[[topics]]\nslug = "bulk"\nname = "Bulk"\n']
    for b in range(books):
        out.append(f'[[books]]\nslug = "bulk-book-{b}"\ntitle = "Bulk book {b}"\n'
                   f'authors = ["Writer {b}"]\nyear = 2020\n')
        for c in range(1, chapters + 1):
            out.append(f'[[books.chapters]]\nnumber = "{c}"\ntitle = "Chapter {c} of book {b}"\n'
                       'topics = ["bulk"]\n')
    return "\n".join(out)


def write_lock_held(db: Any) -> bool:
    """True while some process is inside a write transaction of the library."""
    if isinstance(db, PgDatabase):
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        from tracker.db import PG_WRITE_LOCK

        engine = create_engine(db.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return bool(conn.execute(text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() "
                    "AND l.objid = :low"), {"low": PG_WRITE_LOCK & 0xFFFFFFFF}).scalar())
        finally:
            engine.dispose()
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        conn.close()


def kill_inside_write(db: Any, args: list[str], cwd: Path) -> None:
    """Start `tracker ARGS`, wait until it holds the write lock, let it work a moment,
    then SIGKILL it. Retries with a shorter moment if it finished first."""
    for extra in (0.25, 0.1, 0.0):
        proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], env=cli_env(db), cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while proc.poll() is None and not write_lock_held(db):
                assert time.monotonic() < deadline, "the command never started writing"
                time.sleep(0.005)
            if proc.poll() is None:
                time.sleep(extra)  # only to decide when to kill, never to wait for a result
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                assert proc.returncode == -signal.SIGKILL
                return
            out, err = proc.communicate()
            assert proc.returncode == 0, err
            pytest.fail("the command finished before it could be killed; make it bigger")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    pytest.fail("could not kill the command inside its transaction")


def test_import_killed_mid_transaction_leaves_the_library_as_it_was(run, tmp_path):
    big = tmp_path / "big.toml"
    big.write_text(library_toml(300, 30), encoding="utf-8")
    tracker(run.db, "read", IE, "0", "--done", cwd=tmp_path)
    before = snapshot(run.db)
    kill_inside_write(run.db, ["import", str(big)], tmp_path)
    assert snapshot(run.db) == before
    db_check_ok(run.db)
    # The library is usable: the same import now goes through whole.
    result = tracker(run.db, "import", str(big), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    books = json.loads(tracker(run.db, "books", "--json").stdout)
    assert len(books) == 3 + 300
    db_check_ok(run.db)


def test_restore_killed_mid_transaction_leaves_the_library_as_it_was(run, tmp_path):
    from tracker.cli import cli

    if "restore" not in cli.commands or "backup" not in cli.commands:
        pytest.skip("no backup/restore commands yet")
    small = tmp_path / "small.json"
    assert tracker(run.db, "backup", str(small), cwd=tmp_path).returncode == 0
    backup = json.loads(small.read_text(encoding="utf-8"))
    chapters = [c["number"] for c in backup["library"]["books"][0]["chapters"]]
    book = backup["library"]["books"][0]["slug"]
    at = dt.datetime(2020, 1, 1, 8, tzinfo=dt.timezone.utc)
    events = []
    for i in range(20_000):  # a backup "written by another program": a big log
        at += dt.timedelta(minutes=10)
        events.append({"id": i + 1, "at": at.isoformat(), "book": book,
                       "chapter": chapters[i % len(chapters)], "event": "read", "minutes": 5})
    backup["events"] = events
    big = tmp_path / "big.json"
    big.write_text(json.dumps(backup), encoding="utf-8")
    tracker(run.db, "read", IE, "0", "--done", cwd=tmp_path)
    before = snapshot(run.db)
    # Killed at the last moment before its commit, every row written (deterministic: the
    # restore says through a FIFO that it is there, and waits).
    pause = tmp_path / "pause"
    pause.mkdir()
    os.mkfifo(pause / "reached")
    os.mkfifo(pause / "go")
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "restore", "--replace", str(big)],
                            env={**cli_env(run.db), "TRACKER_TEST_RESTORE_PAUSE": str(pause)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    with open(pause / "reached", encoding="utf-8") as fh:
        assert fh.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert snapshot(run.db) == before
    db_check_ok(run.db)
    result = tracker(run.db, "restore", "--replace", str(big), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(event_count(run.db)) == 20_000
    # New rows after a restore that kept its ids (PostgreSQL: sequences moved past them).
    assert tracker(run.db, "read", IE, "0", "--minutes", "5", cwd=tmp_path).returncode == 0
    assert event_count(run.db)[-1]["id"] > 20_000


# --------------------------------------------------------------------------- refused databases


def assert_refused(db: Path, *args: str, cwd: Path, expect: str | None = None) -> str:
    """`tracker ARGS` on a bad file: exit 1, one Error line, the file's bytes untouched
    and nothing else left in its folder."""
    data = db.read_bytes()
    mode = db.stat().st_mode
    files = sorted(p.name for p in db.parent.iterdir())
    line = one_error_line(tracker(db, *args, cwd=cwd), 1)
    assert db.read_bytes() == data
    assert db.stat().st_mode == mode
    assert sorted(p.name for p in db.parent.iterdir()) == files
    if expect:
        assert expect in line, line
    return line


COMMANDS = [("today",), ("today", "--short"), ("read", IE, "0", "--done"), ("books", "--json"), ("db", "upgrade"), ("init",)]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0] if len(a) == 1 else "-".join(a[:2]))
def test_random_bytes_are_refused_untouched(tmp_path, args):
    db = tmp_path / "tracker.db"
    db.write_bytes(os.urandom(64 * 1024))
    assert_refused(db, *args, cwd=tmp_path, expect="not a tracker database")


@pytest.mark.sqlite_only
def test_sqlite_header_followed_by_garbage_is_refused_untouched(tmp_path, run):
    db = tmp_path / "garbage.db"
    good = run.db.read_bytes()
    db.write_bytes(good[:100] + os.urandom(len(good) - 100))
    for args in COMMANDS[:3]:
        assert_refused(db, *args, cwd=tmp_path)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0] if len(a) == 1 else "-".join(a[:2]))
def test_truncated_database_is_refused_untouched(tmp_path, run, args):
    db = tmp_path / "truncated.db"
    good = run.db.read_bytes()
    assert good.startswith(b"SQLite format 3\x00") and len(good) > 8192
    db.write_bytes(good[: len(good) // 2])
    assert_refused(db, *args, cwd=tmp_path)


@pytest.mark.sqlite_only
def test_read_only_database_refuses_writes_untouched(tmp_path, run):
    db = tmp_path / "readonly.db"
    db.write_bytes(run.db.read_bytes())
    db.chmod(0o444)
    try:
        if os.access(db, os.W_OK):
            pytest.skip("running as root: a 0444 file is still writable")
        assert_refused(db, "read", IE, "0", "--done", cwd=tmp_path)
        assert_refused(db, "fav", IE, "5.1", cwd=tmp_path)
    finally:
        db.chmod(0o600)


def set_revision(db: Any, revision: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    url = db.url if isinstance(db, PgDatabase) else f"sqlite:///{db}"
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0] if len(a) == 1 else "-".join(a[:2]))
def test_newer_database_is_refused_untouched(run, tmp_path, args):
    set_revision(run.db, "zzzz_future")
    before = snapshot(run.db)
    if isinstance(run.db, PgDatabase):
        line = one_error_line(tracker(run.db, *args, cwd=tmp_path), 1)
    else:
        line = assert_refused(run.db, *args, cwd=tmp_path)
    assert "zzzz_future" in line and "newer" in line, line
    assert snapshot(run.db) == before


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0] if len(a) == 1 else "-".join(a[:2]))
def test_db_in_a_missing_folder_is_refused_and_creates_nothing(tmp_path, args):
    target = tmp_path / "nowhere" / "deeper" / "tracker.db"
    line = one_error_line(tracker(target, *args, cwd=tmp_path), 1)
    assert "does not exist" in line, line
    assert not (tmp_path / "nowhere").exists()


# --------------------------------------------------------------------------- random command lines

BOOKS = [IE, "inference", "ultrascale-playbook", "ai-engineering", "nosuch-book", "", "é", "-"]
CHAPTERS = ["0", "5", "5.1", "5.2.3", "2.5", "9.9", "1.", "x", "", "-1"]
RATINGS = ["good", "again", "hard", "easy", "meh", "G", ""]
RESOURCES = ["gpu-glossary", "cuda-programming", "barrow-review", "gpu", "nope", ""]
TOPICS = ["quantization", "gpus", "gpu", "nope", ""]
TEXTS = ["A title", "x", "", " ", "é" * 3, "--", "Chapter\nwith newline", "1" * 300]
SETTING_KEYS = ["timezone", "day_start_hour", "max_revisits_per_day", "desired_retention",
                "maximum_interval_days", "nope"]
VALUES = ["Europe/Paris", "Mars/Olympus", "0", "4", "23", "24", "-1", "0.9", "1.5", "abc", "365", ""]
INTS = ["0", "1", "3", "-1", "100", "101", "99999999999999999999", "x", "1.5"]
FILES = ["lib.toml", "bad.toml", "backup.json", "missing.toml", "out.csv", ".", "-"]
WHENS = [
    "now", "today", "yesterday", "tomorrow", "2 days ago", "in 3 days", "monday", "last friday",
    "2026-03-01", "2026-03-01T08:30", "2026-02-30", "2026-13-01", "1970-01-01", "9999-12-31",
    "0001-01-01", "25:00", "-1 days ago", "3 weeks ago", "next year", "0", "", "yesterday 8pm",
    "2026-03-02T09:00+01:00", "2026-03-02T09:00+14:00", "99999 days ago", "in 99999 days",
]
POOLS = {"book": BOOKS, "chapter": CHAPTERS, "number": CHAPTERS, "rating": RATINGS,
         "resource": RESOURCES, "topic": TOPICS, "topics": TOPICS, "title": TEXTS, "text": TEXTS,
         "note": TEXTS, "key": SETTING_KEYS, "value": VALUES, "files": FILES, "file": FILES,
         "output": FILES, "url": ["https://example.com/x", "not a url", "ftp://x", ""],
         "kind": ["post", "paper", "blog", ""], "slug": ["my-slug", "inference-engineering", "", "é"],
         "authors": TEXTS, "status": ["queued", "done", "nope"], "fmt": ["csv", "json", "jsonl", "md", "ics", "xml"]}
JUNK = st.text(alphabet="ab.-1 é:", max_size=6)


def command_paths() -> list[tuple[list[str], Any]]:
    """Every command of the real CLI (subcommands of groups, and the groups themselves)."""
    import click

    from tracker.cli import cli

    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    for name, command in cli.commands.items():
        walk(command, [name])
    return found


def value_for(draw: Any, param: Any) -> str:
    import click

    if draw(st.integers(0, 9)) == 0:
        return draw(JUNK)
    if (getattr(param, "metavar", None) or "").strip("[]") == "WHEN" or param.name in ("on", "since", "until", "first", "last", "from_text", "date_text"):
        return draw(st.sampled_from(WHENS))
    if isinstance(param.type, click.Choice):
        return draw(st.sampled_from([*map(str, param.type.choices), "nope"]))
    if param.name in POOLS:
        return draw(st.sampled_from(POOLS[param.name]))
    if isinstance(param.type, (click.types.IntParamType, click.IntRange, click.FloatRange)) or param.type.name in ("integer", "float"):
        return draw(st.sampled_from(INTS))
    return draw(st.sampled_from(TEXTS + BOOKS))


@st.composite
def command_lines(draw: Any) -> list[str]:
    """A real command with plausible (and sometimes absurd) arguments and options."""
    import click

    path, command = draw(st.sampled_from(command_paths()))
    args = list(path)
    params = getattr(command, "params", [])
    options = [p for p in params if isinstance(p, click.Option)]
    for param in params:
        if isinstance(param, click.Argument) and draw(st.integers(0, 9)) > 0:
            for _ in range(1 if param.nargs == 1 else draw(st.integers(1, 2))):
                args.append(value_for(draw, param))
    if options:
        for option in draw(st.lists(st.sampled_from(options), max_size=3)):
            args.append(draw(st.sampled_from(option.opts)))
            if not option.is_flag:
                args.append(value_for(draw, option))
    if draw(st.integers(0, 7)) == 0:
        args.insert(draw(st.integers(1, len(args))), draw(st.sampled_from(["--help", "--json", "--", "-x"])))
    return args


def fuzz_files(run: Any, folder: Path) -> None:
    """The files that random command lines name: a good and a bad library file, a backup."""
    if not (folder / "lib.toml").exists():
        (folder / "lib.toml").write_text(library_toml(2, 3), encoding="utf-8")
        (folder / "bad.toml").write_text("[[books]]\nslug = 1\nnope = true\n", encoding="utf-8")
        if run("backup", "--help").exit_code == 0:
            run.ok("backup", str(folder / "backup.json"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=command_lines())
@example(args=["log", "--limit", "99999999999999999999"])  # found by this test: numbers beyond 64 bits
@example(args=["today", "--limit", "99999999999999999999"])
@example(args=["agenda", "--from", "9999-12-31", "--days", "3660"])
def test_random_command_lines_never_end_in_a_traceback(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # any file a command writes lands here
    fuzz_files(run, tmp_path)
    result = run(*args, input="n\n")
    assert "Traceback" not in result.output, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    if result.exit_code != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if lines and lines[-1] == "Aborted.":
            return  # a confirmation answered "n"
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
        assert "TRACKER_DEBUG=1 for details" not in lines[0], (args, lines[0])  # an unexpected exception
        assert "IntegrityError" not in lines[0] and "constraint" not in lines[0].lower(), (args, lines[0])
