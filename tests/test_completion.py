"""`tracker completion bash|zsh|fish` (SPEC §3): the script Click's shell completion
writes, which completes commands, BOOK and CHAPTER; any other shell is exit 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IE = "inference-engineering"


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _tracker_completion tracker"),
    ("zsh", "#compdef tracker"),
    ("fish", "complete --no-files --command tracker"),
])
def test_each_shell_gets_its_script(run, shell, marker):
    out = run.ok("completion", shell).stdout
    assert marker in out and "_TRACKER_COMPLETE" in out


def test_another_shell_is_refused_listing_the_shells(run, unchanged):
    with unchanged(run.db):
        line = run.error("completion", "tcsh")
    assert line == "Error: tracker has no completion for 'tcsh'; the shells it completes in are bash, zsh and fish"


def _complete(db, words: str, cword: int) -> list[str]:
    """What Click's completion answers for a bash command line (the script's own request)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "TRACKER_DB": str(db), "COMP_WORDS": words, "COMP_CWORD": str(cword),
           "_TRACKER_COMPLETE": "bash_complete"}
    result = subprocess.run([sys.executable, "-m", "tracker"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_commands_books_and_chapters_complete(run):
    assert {"review", "card", "completion"} <= set(_complete(run.db, "tracker ", 1))
    assert _complete(run.db, "tracker show infer", 2) == [IE]
    assert _complete(run.db, f"tracker card {IE} 5.1", 3) == ["5.1", "5.1.1", "5.1.2", "5.1.3"]
    assert _complete(run.db, "tracker completion ", 2) == ["bash", "zsh", "fish"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_completes_a_book_in_bash(run, tmp_path):
    """The script as the README turns it on (`eval "$(tracker completion bash)"`), in bash."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tracker").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tracker "$@"\n')
    (bin_dir / "tracker").chmod(0o755)
    script = ('eval "$(tracker completion bash)"; COMP_WORDS=(tracker show infer); COMP_CWORD=2; '
              '_tracker_completion tracker; printf "%s\\n" "${COMPREPLY[@]}"')
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": path,
           "TRACKER_DB": str(run.db)}
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [IE]


@pytest.mark.sqlite_only
def test_completing_never_creates_a_library(tmp_path):
    """Tab after `tracker --db new.db read ` completes nothing and leaves no file behind
    (nor a "Created" line in the middle of the command line)."""
    db = tmp_path / "new.db"
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "COMP_WORDS": f"tracker --db {db} read ", "COMP_CWORD": "4",
           "_TRACKER_COMPLETE": "bash_complete"}
    env.pop("TRACKER_DB", None)
    result = subprocess.run([sys.executable, "-m", "tracker"], env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")
    assert not db.exists() and list(tmp_path.iterdir()) == []
