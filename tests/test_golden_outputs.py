"""The CSV, JSON, JSONL and backup outputs, byte for byte (SPEC §5.2, §5.3; issue 16).

A fixed library is built through the CLI (a library file imported, books and chapters
with awkward titles, every event kind, notes with commas, quotes, newlines, non-ASCII
text and a leading `=`, `+`, `-`, `@`, tab or carriage return, times at the edges of
daylight-saving changes and with microseconds, an offset with seconds in 1905), then
exported under several time zones. Each output must equal its file in
`tests/golden/`, made from the code before the exports were rewritten for speed (see
`tests/golden/README.md`): the fast writers give exactly the bytes the old ones gave.

    TRACKER_WRITE_GOLDEN=1 python -m pytest tests/test_golden_outputs.py

writes the files again from the code as it is (then read the diff before committing).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Runner

GOLDEN = Path(__file__).resolve().parent / "golden"
WRITE = os.environ.get("TRACKER_WRITE_GOLDEN") == "1"
NOW = "2026-12-31T12:00:00.123456+00:00"

# Paris: the main zone (an offset with seconds in 1905, both DST changes of 2026);
# Dublin: a negative offset with seconds in 1905; New York: negative offsets; Kolkata: half an hour; Lord Howe: a half-hour DST
# change; Chatham: +12:45/+13:45; UTC: no offset at all.
ZONES = ("Europe/Paris", "Europe/Dublin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "UTC")

LIBRARY_TOML = '''
interests = ["queues"]

[[topics]]
slug = "caching"
name = "Caching, \\"fast\\" paths"

[[topics]]
slug = "queues"
name = "Queues ∞"

[[books]]
slug = "plus-book"
title = "+Plus, \\"quoted\\" book"
authors = ["Zoë Ödd", "=Author"]
year = 2024
url = "https://example.com/plus?a=1&b=2"
isbn = "9780000000002"
note = "a book note, with \\"quotes\\""
source = "confirmed"

[[books.chapters]]
number = "1"
title = "Chapter one, \\"the start\\""
topics = ["caching"]
pages = 30
source = "secondary"

[[books.chapters]]
number = "1.1"
title = "-minus title"
topics = ["caching", "queues"]

[[books.chapters]]
number = "2"
title = "@at title"
pages = 12

[[resources]]
slug = "review"
title = "The review"
kind = "review"
rank = 1

[[resources]]
slug = "queue-paper"
title = "=Queues; a paper, \\"cited\\""
authors = ["A. Writer"]
kind = "paper"
year = 2019
url = "https://example.com/q"
topics = ["queues"]
rank = 2
recommended_by = "review"
note = "why: it explains queues"

[[resources]]
slug = "start-me"
title = "Start me"
kind = "post"
topics = ["caching"]
rank = 3
recommended_by = "review"

[[resources]]
slug = "drop-me"
title = "Drop me"
kind = "video"
rank = 4
'''

AT = "at-book"
PLUS = "plus-book"


def build(run: Runner, tmp_path: Path) -> None:
    """The fixed library, through the CLI only."""
    run.ok("init", "--empty")
    run.ok("config", "timezone", "Europe/Paris")
    lib = tmp_path / "golden-library.toml"
    lib.write_text(LIBRARY_TOML, encoding="utf-8")
    run.ok("import", lib)
    run.ok("book", "add", "@at book", "--slug", AT, "--author", "Ève", "--year", "1999")
    run.ok("chapter", "add", AT, "1", "=SUM(A1)\nsecond line", "--pages", "7")
    run.ok("chapter", "add", AT, "A", "Appendix, \"A\"; tab\there")
    run.ok("chapter", "add", AT, "A.1", "+Section \u00e9\u00e8 \U0001f4da")
    run.ok("resource", "add", "--kind", "code", "--slug", "dash-res", "--note", "=1+1",
           "--url", "https://example.com/d", "--", "-Dash resource")

    on = lambda *args: run.ok(*args[:-1], "--on", args[-1])  # noqa: E731
    on("read", AT, "1", "--minutes", "3", "--note", "=cmd|' /C calc'!A0", "1905-06-01T12:00:00+00:00")
    on("read", AT, "1", "--done", "--minutes", "60", "1905-06-02T23:59:59+00:00")
    on("fav", AT, "1", "2025-12-31T23:30:00+00:00")
    on("read", PLUS, "1", "--pages", "12", "--minutes", "20", "--note", 'comma, "quote"\nnewline',
       "2026-03-08T06:59:59+00:00")
    on("read", PLUS, "1", "--percent", "55", "--note", "+1+2", "2026-03-08T07:00:00+00:00")
    on("read", PLUS, "1", "--done", "--note", "-3 minus", "2026-03-29T00:59:59+00:00")
    on("fav", PLUS, "1", "--rating", "hard", "2026-03-29T01:00:00+00:00")
    on("read", PLUS, "1.1", "--minutes", "4", "2026-03-29T01:00:00+00:00")  # same time: by id
    on("revisit", PLUS, "1", "good", "--minutes", "10", "--note", "@SUM(1)", "2026-04-04T14:00:00+00:00")
    on("revisit", AT, "1", "again", "--minutes", "5", "--note", "\tTab note", "2026-04-04T15:00:00+00:00")
    on("snooze", PLUS, "1", "--until", "2026-05-20", "2026-04-04T15:30:00+00:00")
    on("note", PLUS, "\rCR note, \"quoted\"\r\nend", "--chapter", "1", "2026-06-15T10:00:00.000001+00:00")
    on("note", AT, "naïve café 日本語 🎉 שלום \u200f \\ back\\slash", "2026-06-15T10:00:00.999999+00:00")
    on("read", AT, "A.1", "--percent", "100", "2026-09-26T14:00:00+00:00")
    on("read", AT, "A", "--minutes", "7", "2026-10-03T15:30:00+00:00")
    on("read", AT, "A", "--minutes", "8", "2026-10-03T23:30:00+00:00")
    on("unfav", AT, "1", "2026-10-25T00:30:00+00:00")
    on("revisit", PLUS, "1", "easy", "2026-10-25T00:59:59.500000+00:00")
    on("revisit", PLUS, "1", "hard", "--minutes", "2", "2026-10-25T01:00:00+00:00")
    on("note", AT, "=HYPERLINK(\"http://x\")", "2026-11-01T05:59:59+00:00")
    on("book", "stop", PLUS, "2026-11-01T06:00:00+00:00")
    on("resource", "queue", "queue-paper", "2026-11-02T08:00:00+00:00")
    on("resource", "start", "start-me", "2026-11-03T08:00:00+00:00")
    on("resource", "done", "start-me", "2026-11-04T08:00:00+00:00")
    on("resource", "dismiss", "drop-me", "2026-11-04T08:00:00+00:00")
    on("resource", "queue", "dash-res", "2026-12-01T00:00:00+00:00")
    on("note", PLUS, "@same instant", "2026-12-01T00:00:00+00:00")
    run.ok("note", PLUS, "recorded now, to the microsecond")
    run.ok("break", "--from", "2027-01-10", "--to", "2027-01-12")


def outputs(run: Runner, tmp_path: Path, zone: str) -> dict[str, bytes]:
    """Every output of this issue under one time zone, each checked on stdout and in a file."""
    run.ok("config", "timezone", zone)
    name = zone.replace("/", "-").lower()
    found: dict[str, bytes] = {}
    for fmt in ("csv", "json", "jsonl"):
        stdout = run.ok("export", "--format", fmt).stdout_bytes
        target = tmp_path / f"{name}.{fmt}"
        run.ok("export", "--format", fmt, "-o", target, "--force")
        assert target.read_bytes() == stdout, (zone, fmt)
        found[f"{name}.{fmt}"] = stdout
    stdout = run.ok("backup").stdout_bytes
    target = tmp_path / f"{name}.backup.json"
    run.ok("backup", target, "--force")
    assert target.read_bytes() == stdout, (zone, "backup")
    found[f"{name}.backup.json"] = stdout
    return found


def filtered(run: Runner) -> dict[str, bytes]:
    run.ok("config", "timezone", "Europe/Paris")
    window = ("--since", "2026-03-29", "--until", "2026-10-25")
    return {
        "filtered.csv": run.ok("export", *window, "--book", PLUS).stdout_bytes,
        "filtered.jsonl": run.ok("export", "--format", "jsonl", *window).stdout_bytes,
        "filtered.json": run.ok("export", "--format", "json", "--book", AT, "--since", "2026-06-15T10:00:00.5",
                                "--until", "2026-11-01T06:59:59").stdout_bytes,
    }


def check(found: dict[str, bytes]) -> None:
    if WRITE:
        GOLDEN.mkdir(exist_ok=True)
        for name, data in found.items():
            (GOLDEN / name).write_bytes(data)
        return
    for name, data in found.items():
        expected = (GOLDEN / name).read_bytes()
        if data != expected:
            got, want = data.decode("utf-8").splitlines(True), expected.decode("utf-8").splitlines(True)
            first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            pytest.fail(f"{name} differs from tests/golden/{name} at line {first + 1}:\n"
                        f"  got:  {got[first:first + 1]!r}\n  want: {want[first:first + 1]!r}")


@pytest.fixture
def golden_library(fresh: Runner, tmp_path: Path) -> Runner:
    fresh.now = NOW
    build(fresh, tmp_path)
    return fresh


def test_every_output_is_byte_identical_to_its_golden_file(golden_library: Runner, tmp_path: Path) -> None:
    found: dict[str, bytes] = {}
    for zone in ZONES:
        found.update(outputs(golden_library, tmp_path, zone))
    found.update(filtered(golden_library))
    check(found)


@pytest.mark.skipif(WRITE, reason="writing the golden files")
def test_the_golden_backup_restored_gives_the_golden_outputs_again(fresh: Runner, tmp_path: Path) -> None:
    """Restore rebuilds what the outputs show: the golden backup, restored into an empty
    library, gives every golden file again (the backup itself apart from `created_at`,
    which is now)."""
    fresh.now = NOW
    fresh.ok("init", "--empty")
    fresh.ok("restore", GOLDEN / "europe-paris.backup.json")
    found: dict[str, bytes] = {}
    for zone in ZONES:
        found.update(outputs(fresh, tmp_path, zone))
    found.update(filtered(fresh))
    check(found)
