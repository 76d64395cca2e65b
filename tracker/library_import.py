"""`tracker import`: library files loaded in one transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path

from tracker.db import Library
from tracker.errors import UserError


def read_text(name: str) -> str:
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a folder, not a library file") from None
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8 text; a library file is TOML") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read it ({exc.strerror})") from None


def import_files(lib: Library, names: list[str], *, dry_run: bool = False) -> dict[str, int]:
    """Parse every file first, then load them all in one transaction (none on dry run)."""
    from tracker.formats.library_file import known_slugs, load_library, parse_library

    texts = [(name, read_text(name)) for name in names]
    totals: dict[str, int] = {}
    try:
        with lib.write() as session:
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
