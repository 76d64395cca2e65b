"""The reading log as JSON (one array) or JSON Lines (one event per line) (SPEC §5.3), in
`log --json`'s shape, streamed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO


def write_json(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON list in the `log --json` shape, one entry per line, written as it goes."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(dumps(row))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """JSON Lines: one object of the `log --json` shape per line."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    for row in rows:
        out.write(dumps(row))
        out.write("\n")
        count += 1
    return count

