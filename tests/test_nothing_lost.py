"""Nothing lost, whatever happens (SPEC §2, §6, §7 guarantees): concurrent first runs,
writers during a long restore, odd and hostile files, secrets and control characters.

Real processes (`python -m tracker`) on real files; SQLite by default, PostgreSQL under
TRACKER_TEST_PG for the concurrency tests.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import snapshot
from tests.test_faults import cli_env, db_check_ok, one_error_line, tracker

IE = "inference-engineering"


def start(db: Any, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tracker", *args], env={**cli_env(db), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def new_database(tmp_path: Path, pg_server: Any, n: int) -> Any:
    return pg_server.create() if pg_server is not None else tmp_path / f"round-{n}.db"


# --- 1. concurrent first commands --------------------------------------------------------------


def test_sixteen_first_commands_at_once_all_succeed_and_keep_every_write(tmp_path, pg_server):
    for n in range(10):
        db = new_database(tmp_path, pg_server, n)
        procs = [start(db, "note", IE, f"round {n} note {i}") for i in range(16)]
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        failed = [(code, err) for code, _out, err in results if code != 0]
        assert failed == [], f"round {n}: {failed[:3]}"
        created = sum(err.count("Created a new library") for _code, _out, err in results)
        assert created == 1, f"round {n}: {created} processes said they created the library"
        notes = {e["note"] for e in json.loads(tracker(db, "log", "--json").stdout)}
        assert notes == {f"round {n} note {i}" for i in range(16)}
        db_check_ok(db)
        if pg_server is not None:
            pg_server.drop(db)


@pytest.mark.sqlite_only
def test_a_failing_first_command_takes_back_only_an_unused_library(tmp_path):
    """Half of the commands fail: every note acknowledged (exit 0) is in the library."""
    for n in range(4):
        db = tmp_path / f"mixed-{n}.db"
        procs = [start(db, "note", IE if i % 2 else "no-such-book", f"mixed {n} {i}") for i in range(12)]
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        acknowledged = {f"mixed {n} {i}" for i, (code, _o, _e) in enumerate(results) if code == 0}
        assert all(code in (0, 2) for code, _o, _e in results), [e for c, _o, e in results if c not in (0, 2)]
        if acknowledged:
            notes = {e["note"] for e in json.loads(tracker(db, "log", "--json").stdout)}
            assert notes == acknowledged
            db_check_ok(db)


@pytest.mark.sqlite_only
def test_a_failing_command_alone_leaves_no_library_and_a_zero_length_file_as_it_was(tmp_path):
    missing = tmp_path / "missing.db"
    one_error_line(tracker(missing, "show", "no-such-book"), 2)
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    one_error_line(tracker(empty, "show", "no-such-book"), 2)
    assert empty.exists() and empty.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("empty")) == ["empty.db"]
    # And a zero-length file is a new library for a command that succeeds.
    result = tracker(empty, "note", IE, "first")
    assert result.returncode == 0 and "Created a new library" in result.stderr
    assert [e["note"] for e in json.loads(tracker(empty, "log", "--json").stdout)] == ["first"]


@pytest.mark.sqlite_only
def test_a_failing_creator_keeps_the_file_while_another_command_has_it_open(tmp_path):
    """Removing a file another process holds would give two files one journal name."""
    import fcntl

    db = tmp_path / "held.db"
    db.write_bytes(b"")
    fd = os.open(db, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)  # what every tracker command holds while it uses the file
    try:
        one_error_line(tracker(db, "show", "no-such-book"), 2)
        assert db.stat().st_size > 0  # the library it made stays: it is not this command's alone
    finally:
        os.close(fd)
    result = tracker(db, "note", IE, "after")
    assert result.returncode == 0, result.stderr
    assert [e["note"] for e in json.loads(tracker(db, "log", "--json").stdout)] == ["after"]
    db_check_ok(db)


# --- 2. writers during a long restore ----------------------------------------------------------


def test_writers_wait_out_a_long_restore_then_succeed(run, tmp_path):
    backup = tmp_path / "library.json"
    run.ok("backup", backup)
    pause = tmp_path / "pause"
    pause.mkdir()
    os.mkfifo(pause / "reached")
    os.mkfifo(pause / "go")
    restore = start(run.db, "restore", str(backup), "--replace",
                    env={"TRACKER_TEST_RESTORE_PAUSE": str(pause)})
    with open(pause / "reached", encoding="utf-8") as fh:
        assert fh.read()  # the restore holds the write lock from here until "go"
    writers = [start(run.db, "note", IE, f"during the restore {i}") for i in range(4)]
    for w in writers:
        assert w.stderr is not None
        assert "Waiting for another tracker command" in w.stderr.readline()
    with open(pause / "go", "w", encoding="utf-8") as fh:
        fh.write("go")
    assert restore.wait(timeout=300) == 0, restore.communicate()
    for w in writers:
        assert w.wait(timeout=300) == 0, w.communicate()
    notes = {e["note"] for e in run.json("log", "--json")}
    assert {f"during the restore {i}" for i in range(4)} <= notes
    run.ok("db", "check")


# --- 4, 5. refused and damaged files -----------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_read_only_library_leaves_no_files_behind(tmp_path):
    db = tmp_path / "ro.db"
    assert tracker(db, "note", IE, "kept").returncode == 0
    assert tracker(db, "today").returncode == 0  # now in WAL mode
    os.chmod(db, stat.S_IRUSR)
    try:
        before = db.read_bytes()
        if os.geteuid() != 0:  # root writes anyway
            one_error_line(tracker(db, "note", IE, "refused"), 1)
        assert tracker(db, "log", "--json").returncode in (0, 1)
        assert db.read_bytes() == before or os.geteuid() == 0
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ro.db")) == ["ro.db"]
    finally:
        os.chmod(db, stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("args", [("init",), ("db", "upgrade"), ("db", "current")])
def test_a_damaged_file_is_refused_by_init_and_db_commands(tmp_path, args):
    db = tmp_path / "damaged.db"
    assert tracker(db, "init").returncode == 0
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=DELETE")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages > 8
    with db.open("r+b") as fh:  # scribble over a page in the middle of the file
        fh.seek(4096 * 6 + 100)
        fh.write(b"\xff" * 2000)
    before = db.read_bytes()
    line = one_error_line(tracker(db, *args), 1)
    assert "damaged" in line and str(db) in line
    assert db.read_bytes() == before


# --- 6, 7. bad files ---------------------------------------------------------------------------


def _backup(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "tracker-backup", "version": 1, "settings": {"timezone": "Europe/Paris"},
            "library": {"books": [{"slug": "b", "title": "B", "chapters": [{"number": "1", "title": "One"}]}]},
            "events": events}


READ = {"at": "2026-01-01T10:00:00+01:00", "event": "read", "book": "b", "chapter": "1"}
BAD_EVENTS = {
    "year-9999": ({**READ, "at": "9999-12-31T00:00:00+00:00"}, "out of range"),
    "year-1": ({**READ, "at": "0001-01-01T00:00:00+00:00"}, "out of range"),
    "minutes-10e30": ({**READ, "minutes": 10**30}, "minutes"),
    "id-2e70": ({**READ, "id": 2**70}, "id"),
    "snooze-before": ({"at": "2026-01-05T10:00:00+01:00", "event": "snooze", "book": "b", "chapter": "1",
                       "until": "2026-01-01"}, "before its own time"),
    "until-year-1": ({"at": "2026-01-05T10:00:00+01:00", "event": "break", "until": "0001-01-01"}, "out of range"),
}


@pytest.mark.parametrize("name", sorted(BAD_EVENTS))
def test_restore_refuses_what_no_command_could_record_naming_the_event(fresh, tmp_path, name):
    event, words = BAD_EVENTS[name]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_backup([READ, event])), encoding="utf-8")
    line = fresh.error("restore", path)
    assert "bad.json" in line and "events[1]" in line and words in line


def test_bad_files_are_user_errors_that_name_file_and_place(run, tmp_path, unchanged):
    deep_json = tmp_path / "deep.json"
    deep_json.write_text('{"format": "tracker-backup", "version": 1, "events": [' + "[" * 5000 + "]" * 5000 + "]}",
                         encoding="utf-8")
    deep_toml = tmp_path / "deep.toml"
    deep_toml.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    big_ints = tmp_path / "big.toml"
    big_ints.write_text('[[books]]\nslug = "b"\ntitle = "B"\n[[books.chapters]]\nnumber = "1"\ntitle = "c"\n'
                        "pages = 1000000000000000000000000000000\n", encoding="utf-8")
    long_title = tmp_path / "long.toml"
    long_title.write_text(f'[[books]]\nslug = "b"\ntitle = "{"t" * 600}"\n', encoding="utf-8")
    with unchanged(run.db):
        line = run.error("restore", deep_json, "--replace")
        assert "deep.json" in line and "line 1" in line and "nested" in line
        line = run.error("import", deep_toml)
        assert "deep.toml" in line and "line 1" in line and "nested" in line
        assert "pages" in run.error("import", big_ints)
        assert "title" in run.error("import", long_title)


def test_backup_to_stdout_is_whole_or_nothing(run, tmp_path):
    out = run.ok("backup").output
    data = json.loads(out[out.index("{"):])
    assert data["format"] == "tracker-backup"


# --- 8. lengths and repeated options -----------------------------------------------------------


def test_text_past_its_limit_is_a_users_mistake(run, unchanged):
    with unchanged(run.db):
        assert "500" in run.error("book", "add", "t" * 501)
        assert "100" in run.error("book", "add", "Title", "--slug", "a" * 60_000)
        assert "10,000" in run.error("note", IE, "n" * 10_001)
        assert run.error("resource", "add", "r" * 501, "--kind", "paper")
        assert run.error("chapter", "add", IE, "99", "c" * 501)
    run.ok("note", IE, "n" * 10_000)


def test_a_repeated_topic_is_linked_once(run):
    run.ok("chapter", "add", "ai-engineering", "77", "Extra", "--topic", "attention", "--topic", "attention")
    chapter = next(c for c in run.json("show", "ai-engineering")["chapters"] if c["number"] == "77")
    assert chapter["topics"] == ["attention"]


# --- 9. secrets and control characters ---------------------------------------------------------


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://reader:s3cretpw@127.0.0.1:1/tracker",
    "postgresql+psycopg://reader@127.0.0.1:1/tracker?password=s3cretpw",
    "host=127.0.0.1 port=1 dbname=tracker password=s3cretpw",
])
def test_no_password_is_ever_printed(tmp_path, url):
    result = subprocess.run([sys.executable, "-m", "tracker", "--db", url, "today"], env=cli_env(tmp_path / "x.db"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "s3cretpw" not in result.stdout + result.stderr
    assert result.stderr.startswith("Error: ")


def test_control_characters_are_shown_escaped(run):
    run.ok("book", "add", "Evil \x1b]0;pwned\x07 title\x1b[2J", "--slug", "evil")
    for args in (("books",), ("show", "evil"), ("today",)):
        out = run.ok(*args).output
        assert "\x1b]" not in out and "\x07" not in out and "\x1b[2J" not in out
    assert "Evil" in run.ok("books").output
    assert "\x1b" in run.json("show", "evil")["title"]  # JSON keeps the value, escaped
    assert snapshot(run.db)  # the library itself keeps the title as given


@pytest.mark.sqlite_only
def test_every_output_shows_the_extreme_times_a_database_can_hold(run):
    """Times from before restore checked its ranges (or written by hand) still show."""
    import sqlite3

    run.ok("config", "timezone", "Pacific/Kiritimati")  # +14:00: the furthest from UTC
    conn = sqlite3.connect(run.db)
    with conn:
        for at, note in (("9999-12-31 23:30:00.000000", "far"), ("0001-01-01 00:10:00.000000", "early")):
            conn.execute("INSERT INTO events (at, kind, book_id, note) VALUES (?, 'note', "
                         "(SELECT id FROM books WHERE slug = ?), ?)", (at, IE, note))
    conn.close()
    for args in (("log",), ("log", "--json"), ("backup",), ("stats",), ("history",), ("show", IE),
                 *(("export", "--format", f) for f in ("csv", "json", "jsonl", "md", "ics"))):
        out = run.ok(*args).output
        if args[0] in ("log", "backup") or args[-1] in ("csv", "json", "jsonl", "md"):
            assert "far" in out and "early" in out, args
