"""`backup` and `restore` (SPEC §5.2): every fact, byte for byte; all or nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_NOW, Runner, snapshot
from tests.data_scenario import IE, LONG_NOTE, ODD_NOTE, populate

ROOT = Path(__file__).resolve().parent.parent
LATER = "2026-03-09T10:00:00+01:00"


def without_created_at(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    assert lines[3].startswith(b'  "created_at": ')
    return lines[:3] + lines[4:]


def views(run: Runner) -> dict[str, Any]:
    """What a reader sees: everything the caches (statuses, favourites, cards) feed."""
    return {
        "today": run.json("today"),
        "agenda": run.json("agenda", "--days", "60"),
        "books": run.json("books"),
        "show": {slug: run.json("show", slug) for slug in (IE, "evil-book", "nano-vllm")},
        "resources": run.json("resource", "list"),
        "stats": run.json("stats"),
    }


@pytest.fixture
def full(run):
    populate(run)
    return run


@pytest.fixture
def fresh(tmp_path, pg_server):
    """A second library, not created yet (its own database, beside `run`'s)."""
    if pg_server is not None:
        db = pg_server.create()
        yield Runner(db)
        pg_server.drop(db)
        return
    folder = tmp_path / "second"
    folder.mkdir()
    yield Runner(folder / "tracker.db")


def test_round_trip_is_byte_for_byte(full, fresh, tmp_path):
    first = tmp_path / "first.json"
    full.ok("backup", first)
    data = json.loads(first.read_text(encoding="utf-8"))
    assert data["format"] == "tracker-backup" and data["version"] == 1
    assert data["settings"] == {"timezone": "Europe/Paris"}
    kinds = {e["event"] for e in data["events"]}
    assert kinds == {"read", "finish", "favourite", "unfavourite", "revisit", "snooze", "break", "stop",
                     "note", "queue", "start", "done", "dismiss"}
    notes = {e["note"] for e in data["events"]}
    assert ODD_NOTE in notes and LONG_NOTE in notes
    assert "evil-book" in {b["slug"] for b in data["library"]["books"]}

    result = fresh.ok("restore", first)
    assert "Restored" in result.stdout
    second = tmp_path / "second.json"
    fresh.ok("backup", second, now=LATER)
    assert without_created_at(second.read_bytes()) == without_created_at(first.read_bytes())
    assert views(fresh) == views(full)
    assert fresh.json("log") == full.json("log")
    assert fresh.ok("db", "check").exit_code == 0

    # And once more, over a library with a log: --replace.
    full.ok("revisit", IE, "0", "easy")
    full.ok("restore", first, "--replace")
    third = tmp_path / "third.json"
    full.ok("backup", third)
    assert third.read_bytes() == first.read_bytes()


def test_backup_to_stdout_equals_the_file(full, tmp_path):
    out = tmp_path / "b.json"
    full.ok("backup", out)
    assert full.ok("backup").stdout_bytes == out.read_bytes()


@pytest.mark.sqlite_only
def test_backup_file_is_private_and_atomic(full, tmp_path, unchanged):
    out = tmp_path / "b.json"
    result = full.ok("backup", out)
    assert "Backed up" in result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    before = out.read_bytes()
    with unchanged(full.db):
        line = full.error("backup", out)
    assert "exists" in line and "--force" in line and out.read_bytes() == before
    full.ok("revisit", IE, "0", "good")
    full.ok("backup", out, "--force")
    assert out.read_bytes() != before
    assert "does not exist" in full.error("backup", tmp_path / "missing" / "b.json")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def hand_written(full: Runner, tmp_path: Path, keep_ids: bool) -> Path:
    """A backup with a library and events that carry only the `log --json` fields."""
    real = tmp_path / "real.json"
    full.ok("backup", real)
    library = json.loads(real.read_text(encoding="utf-8"))["library"]
    events = full.json("log")
    for e in events:
        if not keep_ids:
            del e["id"]
        del e["chapter_title"]  # the restore reads numbers, not titles
    path = tmp_path / "hand.json"
    path.write_text(json.dumps({"events": events, "library": library, "version": 1,
                                "settings": {"timezone": "Europe/Paris"}, "format": "tracker-backup"},
                               indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("keep_ids", [True, False])
def test_a_hand_written_backup_rebuilds_every_cache(full, fresh, tmp_path, keep_ids):
    path = hand_written(full, tmp_path, keep_ids)
    fresh.ok("restore", path)
    assert views(fresh) == views(full)
    assert fresh.ok("db", "check").exit_code == 0
    restored, original = fresh.json("log"), full.json("log")
    if keep_ids:
        assert restored == original
    else:  # numbered in the file's (the log's) order
        assert [e["id"] for e in restored] == list(range(1, len(original) + 1))
        assert [{**e, "id": 0} for e in restored] == [{**e, "id": 0} for e in original]


def minimal(events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"format": "tracker-backup", "version": 1,
            "library": {"books": [{"slug": "b", "title": "B", "chapters": [{"number": "1", "title": "One"}]}],
                        "resources": [{"slug": "r", "title": "R", "kind": "post"}]},
            "events": events, **extra}


def test_ids_missing_are_numbered_after_the_given_ones(fresh, tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(minimal([
        {"at": "2026-02-01T10:00:00+01:00", "event": "read", "book": "b", "chapter": "1", "minutes": 5},
        {"id": 7, "at": "2026-02-02T10:00:00+01:00", "event": "finish", "book": "b", "chapter": "1"},
        {"at": "2026-02-03T10:00:00", "event": "favourite", "book": "b", "chapter": "1"},
        {"id": 3, "at": "2026-02-04T10:00:00Z", "event": "queue", "resource": "r"},
    ])), encoding="utf-8")
    fresh.ok("restore", path)
    log = fresh.json("log")
    assert [(e["id"], e["event"]) for e in log] == [(8, "read"), (7, "finish"), (9, "favourite"), (3, "queue")]
    assert fresh.json("show", "b")["chapters"][0]["favourite"] is True
    assert fresh.json("resource", "list", "--status", "queued")[0]["resource"] == "r"
    assert fresh.ok("db", "check").exit_code == 0


# --- bad inputs: one line, exit 2, nothing written ------------------------------------------


@pytest.fixture
def good_backup(full, tmp_path) -> Path:
    path = tmp_path / "good.json"
    full.ok("backup", path)
    return path


def check_refused(run: Runner, unchanged: Any, path: Path, *words: str, args: tuple[str, ...] = ()) -> str:
    with unchanged(run.db):
        line = run.error("restore", path, *args)
    for word in words:
        assert word in line, line
    return line


def test_truncated_backup(run, good_backup, tmp_path, unchanged):
    data = good_backup.read_bytes()
    for cut in (len(data) // 2, len(data) - 3, 40):
        bad = tmp_path / f"cut{cut}.json"
        bad.write_bytes(data[:cut])
        check_refused(run, unchanged, bad, "truncated", args=("--replace",))


def test_other_programs_json(run, tmp_path, unchanged):
    for i, content in enumerate(['{"name": "my notes", "items": [1, 2]}', "[1, 2, 3]",
                                 '{"format": "anki-deck", "version": 1}', '"just a string"']):
        bad = tmp_path / f"other{i}.json"
        bad.write_text(content, encoding="utf-8")
        check_refused(run, unchanged, bad, "not a tracker backup")
    bad = tmp_path / "binary.json"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    check_refused(run, unchanged, bad, "not a tracker backup")
    bad = tmp_path / "syntax.json"
    bad.write_text('{"format": "tracker-backup", "version": 1,, }', encoding="utf-8")
    check_refused(run, unchanged, bad, "not valid JSON", "line 1")
    empty = tmp_path / "empty.json"
    empty.write_text("", encoding="utf-8")
    check_refused(run, unchanged, empty, "empty")
    check_refused(run, unchanged, tmp_path / "missing.json", "no such file")
    check_refused(run, unchanged, tmp_path, "folder")


def test_newer_version(run, good_backup, unchanged):
    data = json.loads(good_backup.read_text(encoding="utf-8"))
    data["version"] = 2
    good_backup.write_text(json.dumps(data), encoding="utf-8")
    check_refused(run, unchanged, good_backup, "version 2", "newer", args=("--replace",))


@pytest.mark.parametrize("event, words", [
    ({"event": "read", "book": "no-such-book", "chapter": "1"}, ("no-such-book", "not in the backup")),
    ({"event": "read", "book": "b", "chapter": "9"}, ("chapter", '"9"', "not a chapter of b")),
    ({"event": "queue", "resource": "nowhere"}, ("nowhere", "not in the backup")),
    ({"event": "read", "chapter": "1"}, ("without its book",)),
    ({"event": "revisit", "book": "b", "chapter": "1", "rating": "superb"}, ("superb",)),
    ({"event": "revisit", "book": "b", "chapter": "1"}, ("needs a rating",)),
    ({"event": "snooze", "book": "b", "chapter": "1"}, ("until",)),
    ({"event": "break", "until": "soon"}, ("until", "YYYY-MM-DD")),
    ({"event": "teleport", "book": "b"}, ("teleport",)),
    ({"event": "read", "book": "b", "chapter": "1", "percent": 150}, ("percent",)),
    ({"event": "read", "book": "b", "chapter": "1", "minutes": -5}, ("minutes",)),
    ({"event": "note", "book": "b", "note": ["not", "text"]}, ("note",)),
    ({"event": "read", "book": "b", "chapter": "1", "at": "last tuesday"}, ("at", "ISO 8601")),
    ({"event": "read", "book": "b", "chapter": "1", "id": "seven"}, ("id",)),
    ("not an object", ("object",)),
])
def test_bad_events_name_the_event(run, tmp_path, unchanged, event, words):
    good = {"id": 1, "at": "2026-02-01T10:00:00+01:00", "event": "read", "book": "b", "chapter": "1"}
    if isinstance(event, dict):
        event = {"at": "2026-02-02T10:00:00+01:00", "id": 2, **event}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(minimal([good, event])), encoding="utf-8")
    line = check_refused(run, unchanged, path, "events[1]", *words)
    assert "Traceback" not in line


def test_duplicate_ids_are_refused(run, tmp_path, unchanged):
    e = {"id": 1, "at": "2026-02-01T10:00:00+01:00", "event": "read", "book": "b", "chapter": "1"}
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(minimal([e, e])), encoding="utf-8")
    check_refused(run, unchanged, path, "id 1", "twice")


def test_a_bad_library_is_refused(run, tmp_path, unchanged):
    data = minimal([])
    data["library"]["books"][0]["chapters"].append({"number": "1", "title": "Again"})
    path = tmp_path / "lib.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    check_refused(run, unchanged, path, "used twice")
    data = minimal([], settings={"colour": "blue"})
    path.write_text(json.dumps(data), encoding="utf-8")
    check_refused(run, unchanged, path, "colour")


def test_restore_refuses_a_library_with_a_log_without_replace(full, good_backup, unchanged):
    line = check_refused(full, unchanged, good_backup, "--replace")
    assert "events" in line


def test_restore_refuses_a_library_with_a_book_of_its_own(run, tmp_path, unchanged):
    path = tmp_path / "b.json"
    run.ok("backup", path)  # only the bundled library: restoring it over itself is fine
    run.ok("restore", path)
    run.ok("book", "add", "Mine")
    check_refused(run, unchanged, path, "mine", "--replace")
    run.ok("restore", path, "--replace")
    assert "mine" not in {b["slug"] for b in run.json("books")}


def test_failed_first_restore_leaves_no_database(fresh, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(minimal([{"at": "2026-02-01T10:00:00+01:00", "event": "read", "book": "zz",
                                         "chapter": "1"}])), encoding="utf-8")
    fresh.error("restore", path)
    if isinstance(fresh.db, Path):
        assert not fresh.db.exists()


# --- killed mid-restore ---------------------------------------------------------------------


def big_backup(path: Path, books: int = 60, chapters: int = 30, events: int = 60_000) -> None:
    """A backup large enough to keep `restore` busy for a while."""
    library = {"books": [{"slug": f"book-{b}", "title": f"Book {b}",
                          "chapters": [{"number": str(c + 1), "title": f"Chapter {c + 1}"} for c in range(chapters)]}
                         for b in range(books)]}
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"format": "tracker-backup", "version": 1, "settings": {"timezone": "Europe/Paris"}, "library": ')
        fh.write(json.dumps(library))
        fh.write(', "events": [\n')
        for i in range(events):
            b, c = i % books, (i // books) % chapters
            minute = i * 7
            at = f"2025-{1 + minute // 40000 % 12:02d}-{1 + minute // 1400 % 28:02d}T{8 + minute // 60 % 12:02d}:{minute % 60:02d}:00+01:00"
            kind = "finish" if i % 10 == 0 else "read"
            fh.write(("," if i else "") + json.dumps({"id": i + 1, "at": at, "event": kind, "book": f"book-{b}",
                                                      "chapter": str(c + 1), "minutes": 10}) + "\n")
            if i % 97 == 0:
                fh.write(',' + json.dumps({"id": events + i + 1, "at": at, "event": "favourite",
                                           "book": f"book-{b}", "chapter": str(c + 1)}) + "\n")
        fh.write("]}\n")


def lock_held(db: Path) -> bool:
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_restore_killed_midway_leaves_the_library_as_it_was(full, tmp_path):
    big = tmp_path / "big.json"
    big_backup(big)
    before = snapshot(full.db)
    env = {**os.environ, "TRACKER_DB": str(full.db), "TRACKER_NOW": DEFAULT_NOW, "NO_COLOR": "1",
           "TRACKER_DEBUG": "", "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    killed = False
    for delay in (0.5, 0.2, 0.05, 0.0):
        proc = subprocess.Popen([sys.executable, "-m", "tracker", "restore", str(big), "--replace"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 120
            while proc.poll() is None and not lock_held(full.db):
                assert time.monotonic() < deadline, "restore never started writing"
                time.sleep(0.005)
            time.sleep(delay)  # well inside its one transaction (it takes seconds)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                killed = True
                break
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        # It finished before the kill: put the library back and try sooner.
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        pytest.fail("restore finished before it could be killed; make the backup bigger")
    assert killed
    assert snapshot(full.db) == before
    assert full.ok("db", "check").exit_code == 0
    assert full.json("log")  # the old log is there, whole
    # The library still works, and the same restore goes through whole.
    full.ok("restore", big, "--replace")
    assert len(full.json("books")) == 60


def test_a_gzipped_backup_and_standard_input_restore_too(full, fresh, tmp_path, unchanged):
    """`backup | gzip > b.json.gz` (the help's example) restores as it is, and `restore -`
    reads standard input; a broken gzip file is one error line."""
    import gzip

    plain = tmp_path / "b.json"
    full.ok("backup", plain)
    packed = tmp_path / "b.json.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    fresh.ok("restore", packed)
    assert views(fresh) == views(full)
    fresh.ok("restore", "-", "--replace", input=plain.read_text(encoding="utf-8"))
    assert views(fresh) == views(full)
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(packed.read_bytes()[:60])
    with unchanged(fresh.db):
        line = fresh.error("restore", broken, "--replace")
    assert line.startswith(f"Error: {broken}: a gzip file that cannot be read")
