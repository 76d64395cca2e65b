"""Which format a file to import is, and reading it (SPEC §5.5): `--format`, else the
extension (`.toml`, `.epub`, `.pdf`, `.txt` and `.md` as `toc`, `.csv`); a book file
read into the plain values of `tracker.formats.toc_numbers`, a CSV export into
`tracker.formats.goodreads`' rows. Each format's module is imported only when a file
of it is read (the PDF's needs pypdf)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import UserError
from tracker.formats.files import read_text

if TYPE_CHECKING:
    from tracker.formats.goodreads import ShelfFile
    from tracker.formats.toc_numbers import BookFile

IMPORT_FORMATS = ("toml", "epub", "pdf", "toc", "csv")
EXTENSIONS = {".toml": "toml", ".epub": "epub", ".pdf": "pdf", ".txt": "toc", ".md": "toc", ".csv": "csv"}
BOOK_FORMATS = ("epub", "pdf", "toc")


def import_format(name: str, fmt: str | None) -> str:
    """A file's format: `--format`, else its extension (a missing file or a folder is
    said so first)."""
    from tracker.formats.files import readable

    readable(name, what="a file to import")
    if fmt is not None:
        if fmt not in IMPORT_FORMATS:
            raise UserError(f"unknown format {fmt!r}; use one of {', '.join(IMPORT_FORMATS)}")
        return fmt
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise UserError(f"{name}: cannot tell its format from {suffix or 'a name without an extension'}; "
                        f"give --format ({', '.join(IMPORT_FORMATS)})")
    return EXTENSIONS[suffix]


def read_book(name: str, kind: str) -> BookFile:
    """An EPUB, a PDF or a table of contents file as a book and its entries."""
    if kind == "epub":
        from tracker.formats.epub import read_epub

        return read_epub(name)
    if kind == "pdf":
        from tracker.formats.pdf import read_pdf

        return read_pdf(name)
    from tracker.formats.toc_numbers import BookFile
    from tracker.formats.toc_text import parse_toc

    text = read_text(name, what="a table of contents", not_text="not UTF-8 text; a table of contents is text")
    toc = parse_toc(text, name)
    return BookFile(title=toc.title, authors=(), entries=toc.entries, by_position=False)


def read_shelf(name: str) -> ShelfFile:
    """A Goodreads or StoryGraph CSV export's rows."""
    from tracker.formats.goodreads import parse_shelf

    text = read_text(name, what="a CSV export", not_text="not UTF-8 text; a Goodreads or StoryGraph export is CSV")
    return parse_shelf(text, name)
