"""The reading log as CSV (SPEC §5.3): one row per event, `log --json`'s fields with the
book's title; a cell that a spreadsheet would take for a formula is quoted as text."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO


CSV_HEADER = (
    "id", "at", "book", "book_title", "chapter", "chapter_title", "resource", "event",
    "minutes", "percent", "pages", "rating", "until", "note",
)


# Columns that hold text a reader (or a book's title) chose; the others are numbers,
# times, dates and fixed words, which never start with a formula character.
_TEXT_COLUMNS = ("book", "book_title", "chapter", "chapter_title", "resource", "note")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell safe from spreadsheet formula injection: text starting with `=`, `+`, `-`,
    `@`, tab or carriage return gets a leading `'` (the one guard of every export)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """The log as CSV with the fixed header (rows need `book_title`)."""
    from operator import itemgetter

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    cells_of = itemgetter(*CSV_HEADER)
    texts_of = itemgetter(*_TEXT_COLUMNS)
    guarded = tuple(CSV_HEADER.index(key) for key in _TEXT_COLUMNS)
    count = 0
    batch: list[Any] = []
    append = batch.append
    for row in rows:
        cells = cells_of(row)
        for value in texts_of(row):
            if value and value.startswith(FORMULA_START):
                cells = tuple(csv_cell(v) if i in guarded else v for i, v in enumerate(cells))
                break
        append(cells)
        if len(batch) == 2000:
            writer.writerows(batch)
            count += len(batch)
            batch.clear()
    writer.writerows(batch)
    return count + len(batch)

