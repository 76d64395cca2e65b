"""The reading log as JSON (one array) or JSON Lines (one event per line) (SPEC §3 `log
--json` shape, §5.3), streamed; the backup's events are the same objects (§5.2).

Fast (SPEC §7): each book's, chapter's and resource's JSON is written once, and each
event's object is put together from it, in the key order, separators and escaping
that `json.dumps(row, ensure_ascii=False)` gives (tests/test_golden_outputs.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tracker.formats.log_source import LogSource

# json's own string encoder for ensure_ascii=False (its C version where there is one).
_text = json.encoder.encode_basestring  # type: ignore[attr-defined]


def json_batches(source: LogSource) -> Iterator[list[str]]:
    """Each batch of the log as the JSON text of its events, one string per event."""
    books: dict[Any, str] = {bid: _text(slug) for bid, (slug, _title) in source.books.items()}
    chapters: dict[Any, str] = {cid: f'"chapter": {_text(number)}, "chapter_title": {_text(title)}'
                                for cid, (number, title) in source.chapters.items()}
    resources: dict[Any, str] = {rid: _text(slug) for rid, slug in source.resources.items()}
    books[None] = resources[None] = "null"
    chapters[None] = '"chapter": null, "chapter_title": null'
    local = source.local_at
    for batch in source.batches:
        yield [
            f'{{"id": {eid}, "at": "{local(at)}", "book": {books[bid]}, {chapters[cid]}, '
            f'"resource": {resources[rid]}, "event": {_text(kind)}, '
            f'"minutes": {"null" if minutes is None else minutes}, "percent": {"null" if percent is None else percent}, '
            f'"pages": {"null" if pages is None else pages}, "rating": {"null" if rating is None else _text(rating)}, '
            f'"until": {"null" if until is None else _text(until)}, "note": {"null" if note is None else _text(note)}}}'
            for eid, at, bid, cid, rid, kind, minutes, percent, pages, rating, until, note in batch
        ]


def write_json(source: LogSource, out: TextIO) -> int:
    """A JSON list in the `log --json` shape, one entry per line, written as it goes."""
    count = 0
    out.write("[")
    for rows in json_batches(source):
        out.write(("\n" if not count else ",\n") + ",\n".join(rows))
        count += len(rows)
    out.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(source: LogSource, out: TextIO) -> int:
    """JSON Lines: one object of the `log --json` shape per line."""
    count = 0
    for rows in json_batches(source):
        out.write("\n".join(rows) + "\n")
        count += len(rows)
    return count
