"""Goodreads and StoryGraph CSV exports (SPEC §5.5): read into plain rows, one book a row,
and tracker's books written back in Goodreads' 24-column layout.

Reading: the two are told apart by their header (Goodreads: `Book Id,Title,Author,…,
Exclusive Shelf,…`; StoryGraph: `Title,Authors,…,Read Status,…`). ISBN13 is read
through Goodreads' `="…"` quoting (an ISBN-10 or StoryGraph's `ISBN/UID` becomes an
ISBN-13 where it is one); `My Rating`/`Star Rating` is the book's rating (0 or empty:
none; StoryGraph's quarters and halves round half up); the shelf (`Exclusive Shelf`,
`Read Status`) becomes a status: `read`, `currently-reading`, `to-read` and
`did-not-finish`, and any other shelf is to-read, and said so. The status's day is
`Date Read` (StoryGraph: `Last Date Read`), else `Date Added`. The note is
`Private Notes`, else the review (`<br/>`s as new lines).

Writing: `write_goodreads` takes plain book rows; a cell of text that a spreadsheet
would take for a formula is quoted as text (`tracker.formats.csv_log.csv_cell`), and
import takes that quote off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TextIO

from tracker.errors import UserError
from tracker.formats.csv_log import FORMULA_START, csv_cell
from tracker.formats.isbn import isbn10, isbn13
from tracker.limits import NOTE_MAX, TITLE_MAX
from tracker.when import MAX_YEAR, MIN_YEAR

GOODREADS_HEADER = (
    "Book Id", "Title", "Author", "Author l-f", "Additional Authors", "ISBN", "ISBN13", "My Rating",
    "Average Rating", "Publisher", "Binding", "Number of Pages", "Year Published",
    "Original Publication Year", "Date Read", "Date Added", "Bookshelves", "Bookshelves with positions",
    "Exclusive Shelf", "My Review", "Spoiler", "Private Notes", "Read Count", "Owned Copies",
)
GOODREADS_NEEDS = ("Book Id", "Title", "Author", "Exclusive Shelf")
STORYGRAPH_NEEDS = ("Title", "Authors", "Read Status")
# Shelf -> the book's status; a shelf not here imports as to-read and is listed.
SHELF_STATUS = {"read": "read", "currently-reading": "reading", "to-read": "to-read",
                "did-not-finish": "stopped"}
STATUS_SHELF = {status: shelf for shelf, status in SHELF_STATUS.items()}
ROWS_MAX = 1_000_000
_DAY = re.compile(r"([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ShelfRow:
    """One book of a Goodreads or StoryGraph export, as plain values."""

    row: int  # its row in the file (the header is row 1)
    title: str
    authors: tuple[str, ...]
    isbn: str | None  # ISBN-13
    rating: int | None  # 1–5
    shelf: str  # as the file says
    status: str  # to-read, reading, read or stopped
    day: dt.date | None  # the status's day: date read, else date added
    year: int | None
    note: str | None


@dataclass(frozen=True)
class ShelfFile:
    source: str  # "Goodreads" or "StoryGraph"
    rows: list[ShelfRow]


def _text(cell: str | None) -> str:
    """A cell's text, stripped, and an export's formula quote (`'=…`) taken off."""
    value = (cell or "").strip()
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_START):
        value = value[1:]
    return value


def _day(value: str, name: str, where: str, column: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    m = _DAY.fullmatch(value)
    try:
        if m is None:
            raise ValueError(value)
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise UserError(f"{name}: {where}: {column} {value[:30]!r} is not a date like 2026/03/01") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise UserError(f"{name}: {where}: {column} {value} is out of range ({MIN_YEAR}–{MAX_YEAR})")
    return day


def _rating(value: str, name: str, where: str, column: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        stars = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise UserError(f"{name}: {where}: {column} {value[:20]!r} is not a number of stars (0–5)") from None
    if not 0 <= stars <= 5:
        raise UserError(f"{name}: {where}: {column} {value} is not from 0 to 5 stars")
    return int(stars) or None


def _year(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and 0 < int(value) < 3000 else None


def _note(value: str) -> str | None:
    text = (_BR.sub("\n", value) if "<" in value else value).strip()
    return text or None


def parse_shelf(text: str, name: str) -> ShelfFile:
    """The rows of a Goodreads or StoryGraph export; anything wrong: one UserError naming
    the file and the row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise UserError(f"{name}: not a CSV file ({exc})") from None
    if all(k in header for k in GOODREADS_NEEDS):
        source = "Goodreads"
    elif all(k in header for k in STORYGRAPH_NEEDS):
        source = "StoryGraph"
    else:
        shown = ",".join(header)[:80] if header else "nothing"
        raise UserError(f"{name}: its header is neither Goodreads' (Book Id,Title,Author,…,Exclusive Shelf,…) "
                        f"nor StoryGraph's (Title,Authors,…,Read Status,…): it begins {shown!r}")
    column = {h: i for i, h in reversed(list(enumerate(header)))}
    rows: list[ShelfRow] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= ROWS_MAX:
                raise UserError(f"{name}: more than {ROWS_MAX:,} rows; tracker reads at most that many")
            rows.append(_row(source, column, cells, number, name))
    except csv.Error as exc:
        raise UserError(f"{name}: not a well-formed CSV file ({exc}, near row {reader.line_num})") from None
    return ShelfFile(source, rows)


def _row(source: str, column: dict[str, int], cells: list[str], number: int, name: str) -> ShelfRow:
    def get(key: str) -> str:
        i = column.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    title = " ".join(_text(get("Title")).split())
    where = f"row {number}" + (f" ({title[:40]})" if title else "")
    if not title:
        raise UserError(f"{name}: {where}: the book has no Title")
    if len(title) > TITLE_MAX:
        raise UserError(f"{name}: {where}: the Title is {len(title):,} characters long; at most {TITLE_MAX}")
    if source == "Goodreads":
        names = [_text(get("Author"))] + _text(get("Additional Authors")).split(",")
        isbn = isbn13(get("ISBN13")) or isbn13(get("ISBN"))
        rating = _rating(get("My Rating"), name, where, "My Rating")
        shelf = _text(get("Exclusive Shelf")).lower()
        read_on = _day(get("Date Read"), name, where, "Date Read")
        year = _year(get("Original Publication Year")) or _year(get("Year Published"))
        note = _note(_text(get("Private Notes"))) or _note(_text(get("My Review")))
    else:
        names = _text(get("Authors")).split(",")
        isbn = isbn13(get("ISBN/UID"))
        rating = _rating(get("Star Rating"), name, where, "Star Rating")
        shelf = _text(get("Read Status")).lower()
        read_on = _day(get("Last Date Read"), name, where, "Last Date Read")
        year = None
        note = _note(_text(get("Review")))
    authors: list[str] = []
    for author in (" ".join(n.split()) for n in names):
        if author and author not in authors:
            if len(author) > TITLE_MAX:
                raise UserError(f"{name}: {where}: an author's name is longer than {TITLE_MAX} characters")
            authors.append(author)
    if note is not None and len(note) > NOTE_MAX:
        raise UserError(f"{name}: {where}: the review or note is {len(note):,} characters long; "
                        f"at most {NOTE_MAX:,} are kept")
    added = _day(get("Date Added"), name, where, "Date Added")
    return ShelfRow(number, title, tuple(authors), isbn, rating, shelf or "to-read",
                    SHELF_STATUS.get(shelf or "to-read", "to-read"), read_on or added, year, note)


# ---------------------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class ShelfBook:
    """One of tracker's books, for the Goodreads layout."""

    title: str
    authors: tuple[str, ...]
    isbn: str | None
    rating: int | None
    status: str
    year: int | None
    note: str | None
    read_on: dt.date | None  # the day it was read (status read)
    added: dt.date | None  # the day of its first event


def _last_first(author: str) -> str:
    parts = author.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else author


def _slash(day: dt.date | None) -> str:
    return day.strftime("%Y/%m/%d") if day is not None else ""


def goodreads_rows(books: Iterable[ShelfBook]) -> Iterator[tuple[Any, ...]]:
    for b in books:
        code13 = isbn13(b.isbn)
        code10 = isbn10(code13)
        shelf = STATUS_SHELF.get(b.status, "to-read")
        first = b.authors[0] if b.authors else ""
        year = b.year if b.year is not None else ""
        text = (b.title, first, _last_first(first), ", ".join(b.authors[1:]))
        yield (
            "", *(csv_cell(t) for t in text), f'="{code10 or ""}"', f'="{code13 or ""}"', b.rating or 0,
            "", "", "", "", year, year, _slash(b.read_on if b.status == "read" else None), _slash(b.added),
            shelf, "", shelf, "", "", csv_cell(b.note or ""), 1 if b.status == "read" else 0, 0,
        )


def write_goodreads(books: Iterable[ShelfBook], out: TextIO) -> int:
    """Every book as a row of Goodreads' export layout; returns how many."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GOODREADS_HEADER)
    count = 0
    for row in goodreads_rows(books):
        writer.writerow(row)
        count += 1
    return count
