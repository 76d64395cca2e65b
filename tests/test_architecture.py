"""The house rules of docs/ARCHITECTURE.md: the floors only import down (import-linter's
contracts in pyproject.toml), no import circle, pure rules without SQLAlchemy, no module
over 400 lines, each with a docstring naming the SPEC section it owns."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "tracker").rglob("*.py"))
LINES_MAX = 400


def _lint_imports() -> list[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    found = str(exe) if exe.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is not installed: pip install '.[test]'")
    return [found]


def test_the_import_contracts_are_kept():
    result = subprocess.run([*_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract can fail: a copy of the package whose rules import a use case."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "tracker", copy / "tracker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    schedule = copy / "tracker" / "schedule.py"
    schedule.write_text(schedule.read_text() + "\n\ndef _upward():\n    from tracker import reading  # noqa\n")
    result = subprocess.run([*_lint_imports(), "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "tracker.schedule -> tracker.reading" in result.stdout


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_is_small_and_says_what_it_owns(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= LINES_MAX, f"{path.name} has more than {LINES_MAX} lines"
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert "SPEC §" in doc.split("\n\n")[0], f"{path.name}: its docstring's first paragraph names no SPEC section"
