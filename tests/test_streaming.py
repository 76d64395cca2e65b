"""Exports and backups stream (SPEC §7 "memory flat in the log's size"; issue 16): a log of
50,000 events, each with a long note, is written without ever being held whole, on
SQLite and on PostgreSQL (a server-side cursor there)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.test_faults import cli_env

EVENTS = 50_000
NOTE = "A long note, to make every event weigh about a kilobyte. " * 18


def write_backup(path: Path) -> None:
    library = {"books": [{"slug": f"book-{b}", "title": f"Book {b}",
                          "chapters": [{"number": str(c + 1), "title": f"Chapter {c + 1}"} for c in range(20)]}
                         for b in range(25)]}
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"format": "tracker-backup", "version": 1, "settings": {"timezone": "Europe/Paris"}, "library": ')
        fh.write(json.dumps(library))
        fh.write(', "events": [\n')
        for i in range(EVENTS):
            day, minute = divmod(i, 600)
            at = f"{2000 + day // 365}-{1 + day % 365 // 31:02d}-{1 + day % 31 % 28:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:00+01:00"
            fh.write(("," if i else "") + json.dumps({"id": i + 1, "at": at, "event": "note", "book": f"book-{i % 25}",
                                                      "note": f"{i} {NOTE}"}) + "\n")
        fh.write("]}\n")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("streaming") / "big.json"
    write_backup(path)
    return path


# The child reports its own peak (VmHWM): the rusage of a child counts the memory of
# the process it was forked from (pytest's, here) as its own.
PEAK = """
import atexit, sys
def peak():
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    sys.stderr.write(f"peak {kb}\\n")
atexit.register(peak)
from tracker.cli import main
sys.argv = ["tracker", *sys.argv[1:]]
main()
"""


def peak_mb(db, args: list[str], cwd: Path) -> float:
    """The peak resident memory of `tracker ARGS`, in MB."""
    done = subprocess.run([sys.executable, "-c", PEAK, *args], env=cli_env(db), cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return int(done.stderr.rsplit("peak ", 1)[1]) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from /proc (Linux)")
def test_a_long_log_is_exported_and_backed_up_in_flat_memory(fresh, big_file, tmp_path):
    """Memory flat in the log's length: writing the whole log takes hardly more than
    writing an eighth of it, though the file is seven times larger."""
    fresh.ok("init", "--empty")
    fresh.ok("restore", big_file)
    for args in (["export"], ["export", "--format", "json"], ["export", "--format", "jsonl"]):
        part, whole = tmp_path / "part", tmp_path / "whole"
        low = peak_mb(fresh.db, [*args, "--until", "2000-01-08", "-o", str(part), "--force"], tmp_path)
        high = peak_mb(fresh.db, [*args, "-o", str(whole), "--force"], tmp_path)
        grown = (whole.stat().st_size - part.stat().st_size) / 2**20
        assert grown > 40 and whole.stat().st_size > 5 * part.stat().st_size  # far more went out …
        assert high - low < grown / 8, (args, f"{low:.0f} MB, then {high:.0f} MB for {grown:.0f} MB more")
    # The backup: against the same process exporting an eighth of the log.
    high = peak_mb(fresh.db, ["backup", str(tmp_path / "backup.json")], tmp_path)
    assert high - low < (tmp_path / "backup.json").stat().st_size / 2**20 / 8


@pytest.mark.postgres_only
def test_postgresql_reads_the_log_through_a_server_side_cursor(fresh, big_file):
    fresh.ok("init", "--empty")
    fresh.ok("restore", big_file)
    import psycopg

    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, isinstance(cursor, psycopg.ServerCursor)))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        for fmt in ("csv", "json", "jsonl"):
            seen.clear()
            assert fresh.ok("export", "--format", fmt).stdout
            logs = [server for statement, server in seen if "FROM events" in statement and "ORDER BY" in statement]
            assert logs == [True], seen
        seen.clear()
        fresh.ok("backup")
        assert [server for statement, server in seen if "FROM events" in statement and "ORDER BY" in statement] == [True]
    finally:
        event.remove(Engine, "before_cursor_execute", record)
