"""`tracker import`: library files loaded in one transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path

from tracker.db import Library


def read_text(name: str) -> str:
    from tracker.formats.files import read_text as read_file

    return read_file(name, what="a library file", not_text="not UTF-8 text; a library file is TOML")


def import_files(lib: Library, names: list[str], *, dry_run: bool = False) -> dict[str, int]:
    """Parse every file first, then load them all in one transaction (none on dry run)."""
    from tracker.changes import recording
    from tracker.formats.library_file import known_slugs, load_library, parse_library

    texts = [(name, read_text(name)) for name in names]
    totals: dict[str, int] = {}
    try:
        with lib.write() as session, recording(session, "import"):
            for name, text in texts:
                topics, resources = known_slugs(session)
                data = parse_library(text, Path(name).name, known_topics=topics, known_resources=resources)
                for key, count in load_library(session, data).items():
                    totals[key] = totals.get(key, 0) + count
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return totals


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it is rolled back."""
