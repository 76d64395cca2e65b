"""Progress bars for long work (issue 16, part 3): on a terminal, `restore`, `export -o`
and `backup FILE` draw a Click bar on stderr; anywhere else (a pipe, a file, a script)
nothing at all, and stdout is the same either way."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data_scenario import populate
from tests.test_backup import big_backup
from tests.test_faults import cli_env


@pytest.fixture
def small_bars(monkeypatch):
    """Bars for work of any size, so that a small library shows them."""
    monkeypatch.setattr("tracker.cli.data.PROGRESS_FROM", 1)


@pytest.fixture
def terminal(monkeypatch, small_bars):
    """stderr taken for a terminal, by tracker and by Click's progress bar alike."""
    monkeypatch.setattr("tracker.cli.progress.on_terminal", lambda: True)
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)


def commands(tmp_path: Path, tag: str) -> list[tuple[str, list[str], Path | None]]:
    return [
        ("Exporting", ["export", "-o", str(tmp_path / f"{tag}.csv")], tmp_path / f"{tag}.csv"),
        ("Exporting", ["export", "--format", "jsonl", "-o", str(tmp_path / f"{tag}.jsonl")], tmp_path / f"{tag}.jsonl"),
        ("Backing up", ["backup", str(tmp_path / f"{tag}.json")], tmp_path / f"{tag}.json"),
    ]


def test_no_bar_off_a_terminal_even_for_long_work(run, tmp_path, small_bars):
    populate(run)
    for _label, args, _file in commands(tmp_path, "plain"):
        result = run.ok(*args)
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr  # "Exported N events to …" only
        assert "\r" not in result.stderr and "%" not in result.stderr and "\x1b" not in result.stderr
    result = run.ok("restore", tmp_path / "plain.json", "--replace")
    assert "Restoring" not in result.stderr and "\r" not in result.stderr


def test_a_bar_on_a_terminal_and_the_same_output(run, tmp_path, terminal):
    populate(run)
    for label, args, file in commands(tmp_path, "bar"):
        result = run.ok(*args)
        assert label in result.stderr and "100%" in result.stderr, result.stderr
        assert result.stdout == ""
    # The files are what they are without a terminal.
    run.ok("export", "-o", tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "bar.csv").read_bytes()
    result = run.ok("restore", tmp_path / "bar.json", "--replace")
    assert "Restoring" in result.stderr and "100%" in result.stderr
    assert result.stdout.startswith("Restored ")


def test_no_bar_for_what_goes_to_stdout(run, tmp_path, terminal):
    """A document on stdout (perhaps a terminal too) never gets a bar in its way."""
    populate(run)
    plain = run.ok("export", "--format", "json")
    assert plain.stderr == "" and plain.stdout.startswith("[")
    assert run.ok("backup").stderr == ""


def _run_on(db, args: list[str], *, stderr_tty: bool, cwd: Path) -> tuple[int, str, str]:
    """`python -m tracker ARGS`, its stderr a real terminal (a pty) or a pipe."""
    if not stderr_tty:
        done = subprocess.run([sys.executable, "-m", "tracker", *args], env=cli_env(db), cwd=cwd,
                              capture_output=True, text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], env={**cli_env(db), "TERM": "xterm"},
                            cwd=cwd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait(timeout=300)
    os.close(master)
    return proc.returncode, out, seen.decode("utf-8", "replace")


def test_a_real_terminal_sees_the_bars_and_a_pipe_does_not(fresh, tmp_path):
    """Real processes: stderr on a pty shows each bar; stderr on a pipe shows none."""
    big = tmp_path / "big.json"
    big_backup(big, books=20, chapters=10, events=21_000)  # above the 20,000 worth a bar
    fresh.ok("init", "--empty")
    code, out, err = _run_on(fresh.db, ["restore", str(big)], stderr_tty=True, cwd=tmp_path)
    assert code == 0 and out.startswith("Restored ") and "Restoring" in err and "100%" in err, (out, err)
    for label, args, file in commands(tmp_path, "tty"):
        code, out, err = _run_on(fresh.db, args, stderr_tty=True, cwd=tmp_path)
        assert code == 0 and out == "" and label in err and "100%" in err, (args, err)
        piped = tmp_path / ("piped" + file.suffix)
        code, out, err = _run_on(fresh.db, [a if a != str(file) else str(piped) for a in args],
                                 stderr_tty=False, cwd=tmp_path)
        assert code == 0 and out == "" and len(err.splitlines()) == 1 and label not in err, (args, err)
        if label == "Exporting":
            assert piped.read_bytes() == file.read_bytes()
    code, out, err = _run_on(fresh.db, ["restore", str(big), "--replace"], stderr_tty=False, cwd=tmp_path)
    assert code == 0 and "Restoring" not in err and "\r" not in err


def test_an_import_shows_a_bar_on_a_terminal_only(run, tmp_path, monkeypatch):
    """import (issue 16 part 3): the rows of a Goodreads export counted on a bar on a
    terminal; the same import elsewhere prints its summary and nothing else."""
    from tests.test_goodreads import GOODREADS, write

    monkeypatch.setattr("tracker.cli.library.IMPORT_PROGRESS_FROM", 1)
    path = write(tmp_path, "goodreads.csv", GOODREADS)
    plain = run.ok("import", "--dry-run", path)
    assert "Importing" not in plain.stderr and "\r" not in plain.stderr
    monkeypatch.setattr("tracker.cli.progress.on_terminal", lambda: True)
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)
    shown = run.ok("import", path)
    assert "Importing" in shown.stderr and "100%" in shown.stderr, shown.stderr
    assert shown.stdout.replace("Loaded", "Would load") == plain.stdout


def test_a_catch_up_shows_a_bar_on_a_terminal_only(run, monkeypatch):
    """catch-up over many revisits (issue 16 part 3): a bar of the snoozes on a terminal,
    none elsewhere; what it prints on stdout is the same."""
    from tests.test_load import NOW, chapters, favourite

    monkeypatch.setattr("tracker.cli.plan.CATCH_UP_PROGRESS_FROM", 1)
    favourite(run, chapters(run, 12), on="2026-02-01")
    plain = run.ok("catch-up", "--dry-run", now=NOW)
    assert "Catching up" not in plain.stderr and "\r" not in plain.stderr
    monkeypatch.setattr("tracker.cli.progress.on_terminal", lambda: True)
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)
    shown = run.ok("catch-up", now=NOW)
    assert "Catching up" in shown.stderr and "100%" in shown.stderr, shown.stderr
    assert "Snoozed 7 revisits" in shown.stdout
