"""`today --short`, the shell-prompt line (SPEC §3, §7), and its fast path
(`tracker.prompt_line`): never stale, after any kind of change, after another
process's change and across the reader's day boundary, it says what a full `today`
computes; anything unusual goes to the full command; it imports neither Click nor
SQLAlchemy.

`fast(...)` asks the fast path itself and fails if it did not answer (so a fast path
that always fell back could not pass); `expected(...)` builds the line from
`today --json` by SPEC §3's words.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_NOW, PgDatabase, Runner
from tracker import prompt_line

ROOT = Path(__file__).resolve().parent.parent
IE = "inference-engineering"
UP = "ultrascale-playbook"


def expected(run: Runner, now: str | None = None) -> str:
    """SPEC §3: `N revisit(s) due · next: BOOK CHAPTER`, N = len(revisit) + more_due."""
    plan = run.json("today", now=now)
    due = len(plan["revisit"]) + plan["more_due"]
    parts = [f"{due} revisit{'' if due == 1 else 's'} due"] if due else []
    if plan["continue"]:
        parts.append(f"next: {plan['continue'][0]['book']} {plan['continue'][0]['chapter']}")
    return " · ".join(parts) or "nothing due"


def fast(run: Runner, now: str | None = None, args: tuple[str, ...] = ("today", "--short"),
         env: dict[str, str] | None = None) -> str | None:
    """What the fast path answers (None: it leaves the line to the full command)."""
    saved = dict(os.environ)
    os.environ.update({"TRACKER_DB": str(run.db), "TRACKER_NOW": now or run.now, **(env or {})})
    try:
        return prompt_line.answer(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def agrees(run: Runner, now: str | None = None) -> str:
    """The fast line, the full `today --short` and `today --json` say the same; returns it."""
    want = expected(run, now)
    assert run.ok("today", "--short", now=now).stdout == want + "\n"
    if not isinstance(run.db, PgDatabase):
        assert fast(run, now) == want
    return want


def reading_library(run: Runner) -> None:
    """Revisits due and not due, and two books being read (as of DEFAULT_NOW, Monday
    2026-03-02 09:00 in Paris, where the reader's day starts at 04:00)."""
    for number, day in (("0", "2026-02-20"), ("1", "2026-02-20"), ("2", "2026-02-21"), ("3", "2026-02-21")):
        run.ok("read", IE, number, "--done", "--on", f"{day}T08:00")
    run.ok("read", IE, "4", "--percent", "40", "--on", "2026-02-22")
    run.ok("fav", IE, "0", "--on", "2026-02-20T10:00")  # due 02-22: overdue
    run.ok("fav", IE, "1", "--on", "2026-02-28T10:00")  # due 03-02: today
    run.ok("fav", IE, "2", "--on", "2026-02-28T11:00", "--rating", "easy")  # due later
    run.ok("read", UP, "1", "--pages", "10", "--on", "2026-02-26")


def test_the_line_in_each_of_its_forms(run):
    assert agrees(run) == "nothing due"
    run.ok("read", IE, "0", "--percent", "10", "--on", "2026-02-20T07:00")
    assert agrees(run) == f"next: {IE} 0"
    run.ok("read", IE, "0", "--done", "--on", "2026-02-20T08:00")
    run.ok("fav", IE, "0", "--on", "2026-02-20T10:00")
    assert agrees(run) == f"1 revisit due · next: {IE} 1"
    run.ok("book", "stop", IE)
    assert agrees(run) == "1 revisit due"
    run.ok("read", UP, "2", "--pages", "3")
    assert agrees(run) == f"1 revisit due · next: {UP} 1"
    run.ok("revisit", IE, "0", "good")
    assert agrees(run) == f"next: {UP} 1"


def test_the_line_for_another_date_is_what_today_computes_for_it(run):
    reading_library(run)
    for day in ("2026-03-01", "2026-03-10", "friday"):
        plan = run.json("today", "--date", day)
        due = len(plan["revisit"]) + plan["more_due"]
        line = run.ok("today", "--short", "--date", day).stdout
        assert line == f"{due} revisit{'' if due == 1 else 's'} due · next: {IE} 4\n"
    assert run.ok("today", "--short", "--date", "2026-03-10").stdout.startswith("3 revisits due")


# Every kind of change (SPEC §1 "Change"), each after the library above: the fast line
# is what `today` computes right after it. `moves`: the change must change the line.
CHANGES: list[tuple[str, list[list[str]], bool]] = [
    ("read done", [["read", IE, "4", "--done"]], True),
    ("read percent", [["read", IE, "4", "--percent", "80"]], False),
    ("read pages", [["read", UP, "1", "--pages", "5"]], False),
    ("read section", [["read", IE, "4.1", "--percent", "20"]], True),
    ("fav", [["read", IE, "5", "--done", "--on", "2026-02-20"], ["fav", IE, "5", "--on", "2026-02-20T12:00"]], True),
    ("unfav", [["unfav", IE, "0"]], True),
    ("revisit good", [["revisit", IE, "0", "good"]], True),
    ("revisit again", [["revisit", IE, "1", "again"]], True),
    ("backdated revisit", [["revisit", IE, "0", "good", "--on", "2026-02-23"]], True),
    ("snooze", [["snooze", IE, "1", "--days", "2"]], True),
    ("break", [["break", "--from", "2026-02-21", "--to", "2026-03-03"]], True),
    ("stop", [["book", "stop", IE]], True),
    ("note", [["note", IE, "a thought", "--chapter", "1"]], False),
    ("book add", [["book", "add", "Another Book"]], False),
    ("book remove", [["book", "remove", IE, "--yes"]], True),
    ("chapter add", [["chapter", "add", IE, "4.9", "Late section"]], False),
    ("chapter remove", [["chapter", "remove", IE, "4", "--yes"]], True),
    ("config day_start_hour", [["config", "day_start_hour", "10"]], True),
    ("config timezone", [["config", "timezone", "America/Los_Angeles"]], False),
    ("config max_revisits_per_day", [["config", "max_revisits_per_day", "1"]], False),
    ("config desired_retention", [["config", "desired_retention", "0.97"]], True),
    ("resource start", [["book", "stop", IE], ["book", "stop", UP], ["resource", "start", "ai-engineering"]], True),
    ("interest", [["interest", "add", "gpus"]], False),
    ("undo", [["revisit", IE, "0", "good"], ["undo"]], False),
    ("undo of a favourite", [["undo", "7", "--yes"]], True),
    ("edit", [["edit", "7", "--rating", "easy"]], True),
]


@pytest.mark.parametrize("commands, moves", [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_never_stale_after_any_kind_of_change(run, commands, moves):
    reading_library(run)
    before = agrees(run)
    for args in commands:
        run.ok(*args)
    after = agrees(run)
    assert (after != before) == moves, (before, after)


def test_never_stale_after_an_import_or_a_restore(run, tmp_path):
    reading_library(run)
    run.ok("backup", tmp_path / "backup.json")
    before = agrees(run)
    (tmp_path / "more.toml").write_text(
        f'[[books]]\nslug = "{IE}"\ntitle = "Inference Engineering"\n'
        '[[books.chapters]]\nnumber = "8"\ntitle = "A new chapter"\n', encoding="utf-8")
    run.ok("import", tmp_path / "more.toml")
    agrees(run)
    run.ok("revisit", IE, "0", "good")
    assert agrees(run) != before
    run.ok("restore", tmp_path / "backup.json", "--replace")
    assert agrees(run) == before


def _process(db: Any, *args: str, now: str = DEFAULT_NOW) -> subprocess.CompletedProcess[str]:
    """The installed entry point's code (`python -m tracker` runs tracker.prompt.main)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "TRACKER_DB": str(db), "TRACKER_NOW": now, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_never_stale_after_another_process_changes_the_library(run):
    """Runs on PostgreSQL too: there the full command answers, and it too is never stale."""
    reading_library(run)
    before = agrees(run)
    line = _process(run.db, "today", "--short")
    assert (line.returncode, line.stdout) == (0, before + "\n"), line.stderr
    changed = _process(run.db, "revisit", IE, "0", "good")
    assert changed.returncode == 0, changed.stderr
    after = agrees(run)
    assert after != before
    assert _process(run.db, "today", "--short").stdout == after + "\n"


@pytest.mark.sqlite_only
def test_a_change_not_yet_committed_is_not_seen_and_then_is(run):
    """A writer in the middle of its transaction (another connection): the line is the
    last committed library, as `today` sees it; after the commit, the new one."""
    reading_library(run)
    before = agrees(run)
    writer = sqlite3.connect(run.db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE cards SET due = '2026-01-01'")
        assert fast(run) == before
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert fast(run) == expected(run) == f"3 revisits due · next: {IE} 4"


# (zone, day_start_hour, the day a revisit falls due): TRACKER_NOW just before and just
# at that day's start, as `tracker.when` places it (in a DST gap: the first instant after).
BOUNDARIES = [
    ("Europe/Paris", 4, "2026-03-05"),
    ("Europe/Paris", 0, "2026-03-05"),
    ("America/New_York", 23, "2026-03-05"),
    ("Pacific/Kiritimati", 4, "2026-03-05"),
    ("Europe/Paris", 2, "2026-03-29"),  # 02:00 does not exist that day in Paris
    ("America/New_York", 1, "2026-11-01"),  # 01:00 happens twice that day in New York
]


@pytest.mark.parametrize("zone, hour, day", BOUNDARIES, ids=[f"{z}-{h}-{d}" for z, h, d in BOUNDARIES])
def test_never_stale_across_the_readers_day_boundary(run, zone, hour, day):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tracker.when import Clock

    reading_library(run)
    run.ok("config", "timezone", zone)
    run.ok("config", "day_start_hour", str(hour))
    run.ok("snooze", IE, "2", "--until", day)
    tz = ZoneInfo(zone)
    start = Clock(now=dt.datetime.now(tz), tz=tz, day_start_hour=hour).day_start(dt.date.fromisoformat(day))
    # In UTC: wall-clock arithmetic in a zone would step back into the DST gap.
    just_before = (start.astimezone(dt.timezone.utc) - dt.timedelta(microseconds=1)).isoformat()
    at_start = start.isoformat()
    early, late = agrees(run, just_before), agrees(run, at_start)
    assert early != late  # the snoozed revisit falls due exactly then
    assert late.startswith("3 revisits due"), late


@pytest.mark.sqlite_only
def test_control_characters_are_escaped_as_the_command_escapes_them(run):
    reading_library(run)
    conn = sqlite3.connect(run.db)
    with conn:
        conn.execute("UPDATE chapters SET number = '4\x1b]0;owned\x07' WHERE number = '4' AND book_id = "
                     "(SELECT id FROM books WHERE slug = ?)", (IE,))
    conn.close()
    line = run.ok("today", "--short").stdout
    assert line == f"2 revisits due · next: {IE} 4\\x1b]0;owned\\x07\n"
    assert fast(run) + "\n" == line


# --------------------------------------------------------------------------- fallbacks


@pytest.mark.sqlite_only
def test_a_missing_or_empty_file_goes_to_the_full_command(fresh, tmp_path):
    assert fast(fresh) is None and not fresh.db.exists()  # the fast path never creates a library
    fresh.db.write_bytes(b"")
    assert fast(fresh) is None
    result = _process(fresh.db, "today", "--short")
    assert (result.returncode, result.stdout) == (0, "nothing due\n")
    assert "Created a new library" in result.stderr


@pytest.mark.sqlite_only
@pytest.mark.parametrize("revision", ["0004_cards_count_hard_reviews", "zzzz_future"])
def test_another_schema_revision_goes_to_the_full_command(run, revision):
    from tests.test_faults import set_revision

    reading_library(run)
    set_revision(run.db, revision)
    assert fast(run) is None


@pytest.mark.sqlite_only
def test_a_newer_library_is_refused_untouched_through_the_entry_point(run, tmp_path):
    """In WAL mode too: the fast path's connection leaves no -wal or -shm behind."""
    from tests.test_faults import one_error_line, set_revision

    set_revision(run.db, "zzzz_future")
    assert bytes(run.db.read_bytes()[18:20]) == b"\x02\x02"  # WAL mode
    data, files = run.db.read_bytes(), sorted(os.listdir(run.db.parent))
    line = one_error_line(_process(run.db, "today", "--short"), 1)
    assert "zzzz_future" in line and "newer" in line
    assert run.db.read_bytes() == data and sorted(os.listdir(run.db.parent)) == files


@pytest.mark.sqlite_only
def test_an_older_library_is_upgraded_by_the_full_command(run, tmp_path):
    """A library one revision behind: the full command upgrades it, then the fast path answers."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from tracker import db as tdb

    reading_library(run)
    want = expected(run)
    engine = create_engine(f"sqlite:///{run.db}", poolclass=NullPool)  # foreign keys off, as in migrations
    try:
        with engine.begin() as conn:  # the newest migration really taken back, whichever it is
            cfg = tdb.alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, tdb.SCHEMA_REVISIONS[-2])
    finally:
        engine.dispose()
    assert fast(run) is None  # one revision behind: the fast path leaves it to the full command
    result = _process(run.db, "today", "--short")
    assert (result.returncode, result.stdout) == (0, want + "\n"), result.stderr
    assert fast(run) == want


@pytest.mark.parametrize("args", [
    ("today",), ("today", "--short", "--json"), ("--short", "today"), ("today", "--short", "--date", "tomorrow"),
    ("today", "--short", "--limit", "1"), ("--db", "-x", "today", "--short"), ("books",), (),
])
def test_other_command_lines_go_to_the_full_command(run, args):
    assert fast(run, args=args) is None


def test_the_db_option_is_read_as_the_command_reads_it(run, tmp_path):
    reading_library(run)
    want = expected(run)
    elsewhere = {"TRACKER_DB": str(tmp_path / "not-this-one.db")}
    if isinstance(run.db, PgDatabase):
        assert fast(run, args=("--db", str(run.db), "today", "--short"), env=elsewhere) is None
        return
    assert fast(run, args=("--db", str(run.db), "today", "--short"), env=elsewhere) == want
    assert fast(run, args=(f"--db={run.db}", "today", "--short"), env=elsewhere) == want
    assert fast(run, env={"TRACKER_DB": f"sqlite:///{run.db}"}) == want
    assert not (tmp_path / "not-this-one.db").exists()


@pytest.mark.parametrize("db, now", [
    ("postgresql+psycopg://nobody@127.0.0.1:1/none", DEFAULT_NOW),  # never connects: the full command does
    ("sqlite:///:memory:", DEFAULT_NOW),
    ("host=localhost dbname=tracker", DEFAULT_NOW),
    ("{db}", "yesterday"),  # TRACKER_NOW the full command refuses
    ("{db}", "1800-01-01T00:00:00+00:00"),
    ("{db}/inside", DEFAULT_NOW),
])
def test_unusual_settings_go_to_the_full_command(run, db, now):
    assert fast(run, now=now, env={"TRACKER_DB": db.format(db=run.db)}) is None


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_library_goes_to_the_full_command(tmp_path):
    db = tmp_path / "notes.txt"
    db.write_text("not a database")
    assert fast(Runner(db)) is None
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert fast(Runner(other)) is None


# --------------------------------------------------------------------------- its own parts


def test_the_schema_head_is_the_one_the_library_knows():
    from tracker.db import SCHEMA_HEAD

    assert prompt_line.schema_head() == SCHEMA_HEAD


@pytest.mark.parametrize("env", [
    {"XDG_CONFIG_HOME": "/somewhere/config"}, {"XDG_CONFIG_HOME": ""}, {"HOME": "/home/reader"},
])
def test_the_default_path_is_clicks_app_folder(monkeypatch, env):
    import click

    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert prompt_line.default_path() == os.path.join(click.get_app_dir("tracker"), "tracker.db")


@pytest.mark.parametrize("value", [
    "/abs/tracker.db", "relative.db", "~/reading/tracker.db", "sqlite:////abs/x.db", "sqlite:///rel.db",
    "sqlite:///~/x.db", "./a/../b.db",
])
def test_paths_are_read_as_the_command_reads_them(value):
    from tracker.db_url import resolve_url

    _url, path = resolve_url(value)
    assert path is not None and Path(prompt_line.sqlite_path(value) or "") == path


def test_the_fast_path_imports_neither_click_nor_sqlalchemy(run):
    if isinstance(run.db, PgDatabase):
        pytest.skip("on PostgreSQL the full command answers")
    reading_library(run)
    code = ("import sys; sys.argv = ['tracker', 'today', '--short']; from tracker.prompt import main; main(); "
            "print(sorted(m for m in ('click', 'sqlalchemy', 'dateutil', 'fsrs', 'alembic') if m in sys.modules))")
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": path, "TRACKER_DB": str(run.db), "TRACKER_NOW": run.now})
    assert result.returncode == 0, result.stderr
    line, imported = result.stdout.splitlines()
    assert line == expected(run)
    assert json.loads(imported.replace("'", '"')) == []


def test_the_console_script_is_the_prompt_entry_point():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"tracker": "tracker.prompt:main"}
