"""Builders of the files that tests import (SPEC §5.5): EPUBs written with zipfile, PDFs
with pypdf outlines, Goodreads and StoryGraph CSVs. Each test builds its own."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# An entry: (label, href or None, children)
NavEntry = tuple[str, "str | None", "Sequence[NavEntry]"]

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def _nav_ol(entries: Sequence[NavEntry]) -> str:
    items = []
    for label, href, children in entries:
        head = f'<a href="{escape(href)}">{escape(label)}</a>' if href else f"<span>{escape(label)}</span>"
        sub = _nav_ol(children) if children else ""
        items.append(f"<li>{head}{sub}</li>")
    return "<ol>" + "".join(items) + "</ol>"


def _ncx_points(entries: Sequence[NavEntry], counter: list[int]) -> str:
    out = []
    for label, href, children in entries:
        counter[0] += 1
        out.append(f'<navPoint id="p{counter[0]}" playOrder="{counter[0]}"><navLabel><text>{escape(label)}</text>'
                   f'</navLabel><content src="{escape(href or "")}"/>{_ncx_points(children, counter)}</navPoint>')
    return "".join(out)


def _hrefs(entries: Sequence[NavEntry]) -> set[str]:
    out: set[str] = set()
    for _label, href, children in entries:
        if href:
            out.add(href.split("#")[0])
        out |= _hrefs(children)
    return out


def epub(path: Path, *, title: str | None = "A Book", authors: Sequence[str] = ("Ann Author",),
         nav: Sequence[NavEntry] | None = None, ncx: Sequence[NavEntry] | None = None,
         landmarks: Sequence[tuple[str, str]] = (), guide: Sequence[tuple[str, str]] = (),
         missing: Sequence[str] = (), isbn: str | None = None, version: str = "3.0",
         nav_extra: str = "") -> Path:
    """An EPUB: a nav document (EPUB 3) and/or an NCX (EPUB 2), one XHTML file per target
    except those in `missing`; `landmarks` and `guide` as (type, href)."""
    docs = sorted((_hrefs(nav or ()) | _hrefs(ncx or ()) | {h for _, h in (*landmarks, *guide)}) - set(missing))
    manifest = [f'<item id="d{i}" href="{escape(h)}" media-type="application/xhtml+xml"/>' for i, h in enumerate(docs)]
    if nav is not None:
        manifest.append('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>')
    if ncx is not None:
        manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
    meta = []
    if title is not None:
        meta.append(f"<dc:title>{escape(title)}</dc:title>")
    meta += [f'<dc:creator id="c{i}">{escape(a)}</dc:creator>' for i, a in enumerate(authors)]
    if isbn:
        meta.append(f'<dc:identifier id="isbn">urn:isbn:{isbn}</dc:identifier>')
    guide_xml = ("<guide>" + "".join(f'<reference type="{t}" href="{escape(h)}" title="{t}"/>' for t, h in guide)
                 + "</guide>") if guide else ""
    spine_toc = ' toc="ncx"' if ncx is not None else ""
    opf = (f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="{version}" '
           f'unique-identifier="isbn"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
           f'xmlns:opf="http://www.idpf.org/2007/opf">{"".join(meta)}</metadata>'
           f'<manifest>{"".join(manifest)}</manifest>'
           f"<spine{spine_toc}>"
           + "".join(f'<itemref idref="d{i}"/>' for i in range(len(docs))) + f"</spine>{guide_xml}</package>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", CONTAINER)
        zf.writestr("OEBPS/content.opf", opf)
        for h in docs:
            zf.writestr(f"OEBPS/{h}", f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{escape(h)}</p></body></html>')
        if nav is not None:
            marks = ""
            if landmarks:
                marks = ('<nav epub:type="landmarks"><ol>' + "".join(
                    f'<li><a epub:type="{t}" href="{escape(h)}">{t}</a></li>' for t, h in landmarks) + "</ol></nav>")
            zf.writestr("OEBPS/nav.xhtml", '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml" '
                        'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
                        f'<nav epub:type="toc"><h1>Contents</h1>{_nav_ol(nav)}</nav>{marks}{nav_extra}</body></html>')
        if ncx is not None:
            zf.writestr("OEBPS/toc.ncx", '<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" '
                        f'version="2005-1"><navMap>{_ncx_points(ncx, [0])}</navMap></ncx>')
    return path


def pdf(path: Path, outline: Sequence[tuple[str, int, Sequence[Any]]], *, pages: int = 50,
        title: str | None = None, author: str | None = None, password: str | None = None) -> Path:
    """A PDF of blank pages with an outline of (title, page index from 0, children)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    info = {}
    if title:
        info["/Title"] = title
    if author:
        info["/Author"] = author
    if info:
        writer.add_metadata(info)

    def add(items: Sequence[tuple[str, int, Sequence[Any]]], parent: Any = None) -> None:
        for label, page, children in items:
            ref = writer.add_outline_item(title=label, page_number=page, parent=parent)
            add(children, ref)

    add(outline)
    if password:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path
