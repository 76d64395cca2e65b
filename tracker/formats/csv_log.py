"""The reading log as CSV (SPEC §5.3): one row per event, `log --json`'s fields with the
book's title; a cell that a spreadsheet would take for a formula is quoted as text.

Fast (SPEC §7): the cells of each book, chapter and resource are written once, by
`csv.writer` itself (so quoting is exactly its own), and each event's line is put
together from them, its number cells and its note; the bytes are those `csv.writer`
gives for the whole row (tests/test_golden_outputs.py, tests/test_csv_log.py).
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tracker.formats.log_source import LogSource


CSV_HEADER = (
    "id", "at", "book", "book_title", "chapter", "chapter_title", "resource", "event",
    "minutes", "percent", "pages", "rating", "until", "note",
)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell safe from spreadsheet formula injection: text starting with `=`, `+`, `-`,
    `@`, tab or carriage return gets a leading `'` (the one guard of every export)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Line:
    """Where csv.writer writes: the text of the last row, without its CRLF."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text[:-2]


def cells_writer() -> Any:
    """`cells(*values)`: the values as guarded CSV cells joined by commas, exactly as
    csv.writer writes them inside a row (None is an empty cell)."""
    line = _Line()
    # The line end is the export's own: csv.writer quotes a cell holding any of its characters.
    writerow = csv.writer(line, lineterminator="\r\n").writerow

    def cells(*values: Any) -> str:
        if len(values) == 1 and values[0] in ("", None):
            return ""  # csv.writer writes a row of one empty cell as "", not as nothing
        writerow([csv_cell(v) for v in values])
        return line.text

    return cells


def write_csv(source: LogSource, out: TextIO) -> int:
    """The log as CSV with the fixed header, CRLF line ends; returns the events written."""
    cells = cells_writer()
    books: dict[Any, str] = {bid: cells(slug, title) for bid, (slug, title) in source.books.items()}
    chapters: dict[Any, str] = {cid: cells(number, title) for cid, (number, title) in source.chapters.items()}
    resources: dict[Any, str] = {rid: cells(slug) for rid, slug in source.resources.items()}
    books[None] = chapters[None] = ","
    resources[None] = ""
    local = source.local_at
    out.write(",".join(CSV_HEADER) + "\r\n")
    count = 0
    for batch in source.batches:
        out.write("".join([
            f"{eid},{local(at)},{books[bid]},{chapters[cid]},{resources[rid]},{kind},"
            f"{'' if minutes is None else minutes},{'' if percent is None else percent},"
            f"{'' if pages is None else pages},{rating or ''},{'' if until is None else cells(until)},"
            f"{'' if note is None else cells(note)}\r\n"
            for eid, at, bid, cid, rid, kind, minutes, percent, pages, rating, until, note in batch
        ]))
        count += len(batch)
    return count
