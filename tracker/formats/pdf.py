"""PDF (SPEC §5.5): a book's title, authors and chapters from the document information
and the outline (bookmarks), read with `pypdf` (imported here only, when a PDF is
imported: the daily commands never load it).

Nested outline entries become sections; each entry's start page is where its
destination is, and `tracker.formats.toc_numbers` turns start pages into lengths (the
last entry runs to the end of the document). A PDF without an outline is refused with
a message that suggests a table of contents file; an encrypted one (that opens only
with a password) and one that pypdf cannot read are refused too.
"""

from __future__ import annotations

import re
from typing import Any

from tracker.errors import UserError
from tracker.formats.toc_numbers import BookFile, Entry
from tracker.limits import DEPTH_MAX


def read_pdf(name: str) -> BookFile:
    """The book a PDF file gives; any way it is not one is one UserError naming it."""
    import logging

    from tracker.formats.files import readable

    path = readable(name, what="a PDF")
    # pypdf reports what it repairs through logging; tracker's output stays its own.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    import warnings

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception:  # noqa: BLE001 - a cipher pypdf cannot undo without extras
                    opened = 0
                if not opened:
                    raise UserError(f"{name}: the PDF is encrypted (it opens only with a password); "
                                    "import a table of contents file instead, e.g. toc.txt")
            pages = len(reader.pages)
            outline = reader.outline
            entries = _entries(reader, outline, 0, name)
            info = reader.metadata
            title = _clean(info.title) if info is not None else ""
            author = _clean(info.author) if info is not None else ""
    except UserError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError) as exc:
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise UserError(f"{name}: not a PDF that can be read ({detail})") from None
    if not entries:
        raise UserError(f"{name}: the PDF has no outline (bookmarks) to take chapters from; write its "
                        "table of contents as a text file, one chapter a line, and import that "
                        "(e.g. tracker import toc.txt --title …)")
    authors = tuple(a for a in (part.strip() for part in re.split(r";|&|\band\b", author)) if a)
    return BookFile(title=title or None, authors=authors, entries=entries, end_page=pages or None,
                    by_position=True)


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _entries(reader: Any, outline: list[Any], depth: int, name: str) -> list[Entry]:
    """pypdf's outline (an item, then a list of its children) as entries."""
    if depth > DEPTH_MAX:
        raise UserError(f"{name}: its outline nests deeper than {DEPTH_MAX} levels")
    out: list[Entry] = []
    for item in outline:
        if isinstance(item, list):
            children = _entries(reader, item, depth + 1, name)
            if out:
                out[-1].children.extend(children)
            else:
                out.extend(children)
            continue
        label = _clean(getattr(item, "title", ""))
        if not label:
            continue
        try:
            page = reader.get_destination_page_number(item)
        except Exception:  # noqa: BLE001 - a destination that points nowhere: no page
            page = None
        out.append(Entry(label, start=page + 1 if page is not None and page >= 0 else None))
    return out
