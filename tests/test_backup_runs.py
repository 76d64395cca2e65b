"""`restore` reads the events of a backup that tracker wrote (one to a line) many at a
time (issue 16); a mistake in one of them is found and named exactly as when they are
read one by one (SPEC §5.2, §6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_backup import big_backup


@pytest.fixture
def written(fresh, tmp_path) -> bytes:
    """A backup in tracker's own layout, of 3,000 events (many runs of events)."""
    source = tmp_path / "source.json"
    big_backup(source, books=10, chapters=10, events=3000)
    fresh.ok("init", "--empty")
    fresh.ok("restore", source)
    data = fresh.ok("backup").stdout_bytes
    assert data.count(b"},\n    {") > 3000
    return data


def restore_error(run, tmp_path: Path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    run.ok("init", "--empty")
    return run.error("restore", path, "--replace").replace(str(path), "FILE")


def one_line(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False)


@pytest.mark.parametrize("change", [
    ('"event": "read"', '"event": "reed"'),  # not a kind
    ('"chapter": "3"', '"chapter": "33"'),  # not a chapter of its book
    ('"minutes": 10', '"minutes": -1'),
    ('"at": "2025', '"at": "1025'),
])
def test_a_bad_event_is_named_as_when_read_one_by_one(written, fresh, tmp_path, change):
    text = written.decode("utf-8")
    start = text.index("},\n", len(text) // 2) + 3  # an event past many runs
    at = text.index(change[0], start)
    bad = text[:at] + change[1] + text[at + len(change[0]):]
    error = restore_error(fresh, tmp_path, bad, "runs.json")
    assert re.search(r"events\[\d{3,4}\] \(id \d+\)", error), error
    assert error == restore_error(fresh, tmp_path, one_line(bad), "line.json")
    assert fresh.ok("backup").stdout_bytes == written  # the library is as it was


def test_a_repeated_id_across_runs(written, fresh, tmp_path):
    text = written.decode("utf-8")
    first = re.search(r'\{"id": (\d+), ', text[len(text) // 4:]).group(1)  # type: ignore[union-attr]
    late = text.index("},\n", 3 * len(text) // 4) + 3
    late = text.index('{"id": ', late)
    end = text.index(",", late)
    bad = text[:late] + f'{{"id": {first}' + text[end:]
    error = restore_error(fresh, tmp_path, bad, "runs.json")
    assert f"id {first} is used twice" in error
    assert error == restore_error(fresh, tmp_path, one_line(bad), "line.json")


def test_a_syntax_error_in_the_middle_says_where(written, fresh, tmp_path):
    text = written.decode("utf-8")
    at = text.index("},\n", len(text) // 2) + 3
    at = text.index('"event"', at)
    bad = text[:at] + ", " + text[at:]  # a stray comma inside an object
    line = bad.count("\n", 0, at) + 1
    error = restore_error(fresh, tmp_path, bad, "runs.json")
    assert error.startswith("Error: FILE: not valid JSON") and f"line {line} column" in error, error
