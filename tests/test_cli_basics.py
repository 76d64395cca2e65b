"""First run, database location, `db …`, `config`, `--version`, `--help` (SPEC §2, §3, §6)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tracker import __version__
from tracker.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ["timezone", "day_start_hour", "max_revisits_per_day", "desired_retention", "maximum_interval_days"]


def db_files(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.iterdir() if p.name.startswith(db.name))


# --------------------------------------------------------------------------- first run


def test_first_today_creates_a_private_seeded_library(fresh):
    result = fresh.ok("today")
    assert "inference-engineering 0" in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Created a new library" in lines[0] and str(fresh.db) in lines[0]
    assert "bundled" in lines[0]
    assert stat.S_IMODE(fresh.db.stat().st_mode) == 0o600
    assert [b["slug"] for b in fresh.json("books")] == [
        "inference-engineering", "ultrascale-playbook", "ai-engineering"]


def test_second_command_says_nothing_about_creation(fresh):
    fresh.ok("today")
    result = fresh.ok("today")
    assert result.stderr == ""


def test_no_seed_env_gives_an_empty_library(fresh):
    result = fresh.ok("books", env={"TRACKER_NO_SEED": "1"})
    assert "No books yet" in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Created a new library" in lines[0] and "empty" in lines[0], result.stderr
    assert fresh.json("books") == []
    assert fresh.json("topics") == []


def test_init_empty_gives_an_empty_library(fresh):
    result = fresh.ok("init", "--empty")
    assert "empty" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert fresh.json("books") == []
    assert stat.S_IMODE(fresh.db.stat().st_mode) == 0o600


def test_init_on_an_existing_library_changes_nothing(run, unchanged):
    with unchanged(run.db):
        result = run.ok("init")
    assert "ready" in result.stdout and result.stderr == ""


@pytest.mark.parametrize("args", [
    ("show", "nosuch"),
    ("read", "nosuch", "1"),
    ("config", "day_start_hour", "30"),
    ("book", "add", "X", "--slug", "Not A Slug"),
])
def test_a_failing_first_command_leaves_no_database(fresh, args):
    line = fresh.error(*args)  # exactly one Error: line on stderr, nothing else
    assert "Created" not in line
    assert not fresh.db.exists()
    assert db_files(fresh.db) == []


def test_failing_first_command_with_no_seed_leaves_no_database(fresh):
    fresh.error("show", "anything", env={"TRACKER_NO_SEED": "1"})
    assert db_files(fresh.db) == []


def test_missing_folder_is_an_environment_error_and_creates_nothing(tmp_path, fresh):
    target = tmp_path / "nowhere" / "tracker.db"
    line = fresh.error("--db", str(target), "books", code=1)
    assert str(target.parent) in line
    assert not target.parent.exists()


# --------------------------------------------------------------------------- location


def test_db_path_prefers_option_then_env_then_app_dir(tmp_path, fresh, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "APPDATA": str(tmp_path / "xdg")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    default = Path(click.get_app_dir("tracker")) / "tracker.db"
    assert str(default).startswith(str(tmp_path))
    option_db = tmp_path / "opt.db"
    env_db = tmp_path / "env.db"

    by_option = fresh.ok("--db", str(option_db), "db", "path", env={**env, "TRACKER_DB": str(env_db)})
    assert by_option.stdout.strip() == str(option_db)
    by_env = fresh.ok("db", "path", env={**env, "TRACKER_DB": str(env_db)})
    assert by_env.stdout.strip() == str(env_db)
    by_default = fresh.ok("db", "path", env={**env, "TRACKER_DB": ""})
    assert by_default.stdout.strip() == str(default)
    # `db path` only says where: it creates nothing.
    assert not option_db.exists() and not env_db.exists() and not default.exists()


def test_default_location_is_created_on_first_use(tmp_path, fresh, monkeypatch):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "APPDATA": str(tmp_path / "xdg")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    default = Path(click.get_app_dir("tracker")) / "tracker.db"
    result = fresh(*["today"], env={**env, "TRACKER_DB": ""})
    # The app folder does not exist yet on a new machine; the first command makes it.
    assert result.exit_code == 0, result.output
    assert default.exists()
    assert stat.S_IMODE(default.stat().st_mode) == 0o600


def test_db_path_accepts_a_url(tmp_path, fresh):
    db = tmp_path / "u.db"
    out = fresh.ok("--db", f"sqlite:///{db}", "db", "path").stdout.strip()
    assert out == str(db)
    out = fresh.ok("db", "path", env={"TRACKER_DB": "postgresql+psycopg://me:secret@localhost/reading"}).stdout
    assert "secret" not in out and "localhost/reading" in out


def test_url_database_works_end_to_end(tmp_path, fresh):
    db = tmp_path / "url.db"
    fresh.ok("--db", f"sqlite:///{db}", "init")
    assert db.exists()
    assert len(fresh.json("--db", f"sqlite:///{db}", "books")) == 3


# --------------------------------------------------------------------------- db …


def test_db_current_check_upgrade_on_an_up_to_date_library(run, unchanged):
    from tracker.db import SCHEMA_HEAD

    with unchanged(run.db):
        assert run.ok("db", "current").stdout.strip() == SCHEMA_HEAD
        assert run.ok("db", "check").stdout.strip() == "ok"
        result = run.ok("db", "upgrade")
    assert SCHEMA_HEAD in result.stdout and "newest" in result.stdout
    assert not list(run.db.parent.glob("*.before-*"))


def test_db_check_after_some_reading(run):
    run.ok("read", "inference-engineering", "5.1", "--done")
    run.ok("fav", "inference-engineering", "5.1")
    run.ok("revisit", "inference-engineering", "5.1", "good", now="2026-03-04T09:00:00+01:00")
    assert run.ok("db", "check").stdout.strip() == "ok"


# --------------------------------------------------------------------------- config


def test_config_lists_the_five_settings_with_defaults(fresh):
    fresh.ok("init", "--empty")
    lines = fresh.ok("config").stdout.splitlines()
    assert [line.split(" = ")[0] for line in lines] == SETTINGS
    values = dict(line.split(" = ") for line in lines)
    assert values["day_start_hour"] == "4"
    assert values["max_revisits_per_day"] == "5"
    assert float(values["desired_retention"]) == 0.9
    assert values["maximum_interval_days"] == "365"


def test_config_reads_and_changes_one_setting(run):
    assert run.ok("config", "timezone").stdout.strip() == "Europe/Paris"
    run.ok("config", "max_revisits_per_day", "7")
    assert run.ok("config", "max_revisits_per_day").stdout.strip() == "7"
    run.ok("config", "day_start_hour", "0")
    assert run.ok("config", "day_start_hour").stdout.strip() == "0"


@pytest.mark.parametrize("args,expect", [
    (("day_start_hour", "30"), "0 to 23"),
    (("day_start_hour", "four"), "whole number"),
    (("desired_retention", "2"), "0.7"),
    (("max_revisits_per_day", "0"), "1 to"),
    (("timezone", "Mars/Olympus"), "Mars/Olympus"),
    (("nosuch",), "timezone, day_start_hour, max_revisits_per_day, desired_retention, maximum_interval_days"),
    (("nosuch", "1"), "day_start_hour"),
])
def test_config_rejects_bad_keys_and_values(run, unchanged, args, expect):
    with unchanged(run.db):
        line = run.error("config", *args)
    assert expect in line


# --------------------------------------------------------------------------- version and help


def test_version(fresh):
    result = fresh.ok("--version")
    assert result.stdout.strip() == f"tracker {__version__}"
    assert not fresh.db.exists()


def _walk(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, [*path, name])


COMMAND_PATHS = [path for path, _ in _walk(cli, [])]


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "tracker")
def test_every_command_has_help_with_an_example(fresh, path):
    result = fresh.ok(*path, "--help")
    assert "Usage:" in result.stdout
    assert "Example" in result.stdout, f"tracker {' '.join(path)} --help has no example"
    assert not fresh.db.exists(), "--help must not open the database"


def test_the_commands_of_the_library_issue_exist():
    names = {" ".join(p) for p in COMMAND_PATHS}
    for wanted in ["init", "import", "books", "show", "book add", "book stop", "book remove", "chapter add",
                   "chapter remove", "topics", "db path", "db upgrade", "db current", "db check", "config", "today"]:
        assert wanted in names


PROBE = """
import sys
from tracker.cli import main
sys.argv = ["tracker", *{args!r}]
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in ("sqlalchemy", "alembic", "fsrs") if m in sys.modules)
print("RESULT", code, ",".join(heavy) or "-")
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["today", "--help"], ["db", "--help"], []],
                         ids=lambda a: " ".join(a) or "bare")
def test_help_and_version_import_no_database_libraries(tmp_path, args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_DB": str(tmp_path / "t.db"), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT 0"), proc.stdout + proc.stderr
    assert last == "RESULT 0 -", f"tracker {' '.join(args)} imported {last.split()[-1]}"
    assert not (tmp_path / "t.db").exists()


def test_python_dash_m_tracker_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_DB": str(tmp_path / "t.db"),
           "TRACKER_NOW": "2026-03-02T09:00:00+01:00", "NO_COLOR": "1", "TRACKER_NO_SEED": ""}
    proc = subprocess.run([sys.executable, "-m", "tracker", "books", "--json"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 3
    assert proc.stderr.count("\n") == 1 and "Created a new library" in proc.stderr


def test_ctrl_c_in_a_command_exits_130(run, monkeypatch):
    """Click turns Ctrl-C into Abort; the CLI still reports it as an interruption."""
    from tracker.cli import render_plan

    def interrupted(*_args: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(render_plan, "agenda", interrupted)
    result = run("agenda")
    assert result.exit_code == 130 and "Interrupted." in result.stderr and "Aborted" not in result.stderr
    assert run("book", "remove", "inference-engineering", input="n\n").exit_code == 1  # "no" is no interruption
