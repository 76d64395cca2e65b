"""EPUB 2 and 3 (SPEC §5.5): a book's title, authors, ISBN and table of contents, read
with the standard library (`zipfile`, `xml.etree`); nothing from the book's text.

- The package document (OPF) is the one `META-INF/container.xml` names: `dc:title`,
  the `dc:creator`s that are authors (no role, or `aut`), a `dc:identifier` that is
  an ISBN.
- The chapters come from the EPUB 3 navigation document (`nav epub:type="toc"`), else
  from the NCX `navMap`; nested entries become sections.
- Front and back matter is marked (`tracker.formats.toc_numbers` leaves it out and
  lists it): an entry that points to a document that the EPUB 3 landmarks or the OPF
  `<guide>` mark as cover, title page, copyright, dedication, table of contents or
  index (an entry whose label is one of those words is left out by the toc rules).
- An entry whose target the EPUB lacks is kept: its title is what tracker needs.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from tracker.errors import UserError
from tracker.formats.isbn import isbn13
from tracker.formats.toc_numbers import BookFile, Entry

NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
MEMBER_MAX = 32 * 1024 * 1024  # the OPF, the nav and the NCX are small; a bomb is not read

# Landmark (EPUB 3) and guide (EPUB 2) types of front and back matter, in words.
MATTER_TYPES = {
    "cover": "cover", "titlepage": "title page", "title-page": "title page",
    "copyright-page": "copyright", "copyright": "copyright", "dedication": "dedication",
    "toc": "table of contents", "index": "index",
}


class _Epub:
    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf = zf
        self.name = name
        self.members = set(zf.namelist())

    def read(self, member: str) -> bytes:
        try:
            info = self.zf.getinfo(member)
        except KeyError:
            raise UserError(f"{self.name}: not an EPUB: it has no {member}") from None
        if info.file_size > MEMBER_MAX:
            raise UserError(f"{self.name}: its {member} is {info.file_size:,} bytes; too large to be read")
        try:
            with self.zf.open(info) as fh:
                return fh.read(MEMBER_MAX + 1)[:MEMBER_MAX]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise UserError(f"{self.name}: cannot read its {member} ({exc})") from None

    def xml(self, member: str) -> ET.Element:
        data = self.read(member)
        try:
            return ET.fromstring(_xml_entities(data))
        except ET.ParseError as exc:
            raise UserError(f"{self.name}: its {member} is not well-formed XML ({exc})") from None


def _xml_entities(data: bytes) -> bytes:
    """XHTML's named entities (`&nbsp;`), which XML does not know, as character references."""
    if b"&" not in data:
        return data
    from html.entities import name2codepoint

    def numeric(m: re.Match[bytes]) -> bytes:
        word = m.group(1).decode("ascii")
        if word in ("amp", "lt", "gt", "quot", "apos") or word not in name2codepoint:
            return m.group(0)
        return f"&#{name2codepoint[word]};".encode("ascii")

    return re.sub(rb"&([A-Za-z][A-Za-z0-9]*);", numeric, data)


def _text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _target(base: str, href: str | None) -> tuple[str, str | None] | None:
    """An href as (zip member, fragment), resolved against the document `base` it is in."""
    if not href or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
        return None
    path, _, fragment = href.partition("#")
    doc = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(path))) if path else base
    return doc, fragment or None


def read_epub(name: str) -> BookFile:
    """The book an EPUB file gives; any way it is not one is one UserError naming it."""
    from tracker.formats.files import readable

    path = readable(name, what="an EPUB")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UserError(f"{name}: not an EPUB (an EPUB is a ZIP file, and this is none)") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    with zf:
        return _read(_Epub(zf, name))


def _read(epub: _Epub) -> BookFile:
    name = epub.name
    if "META-INF/container.xml" not in epub.members:
        raise UserError(f"{name}: not an EPUB: the ZIP file has no META-INF/container.xml")
    rootfile = epub.xml("META-INF/container.xml").find(".//c:rootfile", NS)
    opf_path = rootfile.get("full-path") if rootfile is not None else None
    if not opf_path:
        raise UserError(f"{name}: not an EPUB: its META-INF/container.xml names no package document")
    opf = epub.xml(opf_path)
    manifest = {item.get("id"): item for item in opf.iterfind("opf:manifest/opf:item", NS)}

    def href_of(item: ET.Element) -> str:
        return posixpath.normpath(posixpath.join(posixpath.dirname(opf_path), unquote(item.get("href") or "")))

    matter: dict[tuple[str, str | None], str] = {}
    for ref in opf.iterfind("opf:guide/opf:reference", NS):
        kind = MATTER_TYPES.get((ref.get("type") or "").lower())
        target = _target(opf_path, ref.get("href"))
        if kind and target:
            matter.setdefault(target, kind)

    entries: list[Entry] = []
    nav_item = next((i for i in manifest.values() if "nav" in (i.get("properties") or "").split()), None)
    if nav_item is not None and href_of(nav_item) in epub.members:
        nav_path = href_of(nav_item)
        nav_doc = epub.xml(nav_path)
        for nav in nav_doc.iter(f"{{{NS['x']}}}nav"):
            types = (nav.get(EPUB_TYPE) or "").split()
            if "landmarks" in types:
                for a in nav.iter(f"{{{NS['x']}}}a"):
                    kind = MATTER_TYPES.get((a.get(EPUB_TYPE) or "").lower())
                    target = _target(nav_path, a.get("href"))
                    if kind and target:
                        matter[target] = kind
        toc = next((n for n in nav_doc.iter(f"{{{NS['x']}}}nav") if "toc" in (n.get(EPUB_TYPE) or "").split()), None)
        ol = toc.find("x:ol", NS) if toc is not None else None
        if ol is None and toc is not None:
            ol = next(toc.iter(f"{{{NS['x']}}}ol"), None)
        if ol is not None:
            entries = list(_nav_entries(ol, nav_path, 0, name))
    if not entries:
        spine = opf.find("opf:spine", NS)
        ncx_id = spine.get("toc") if spine is not None else None
        ncx_item = manifest.get(ncx_id) if ncx_id else None
        if ncx_item is None:
            ncx_item = next((i for i in manifest.values()
                             if i.get("media-type") == "application/x-dtbncx+xml"), None)
        if ncx_item is not None and href_of(ncx_item) in epub.members:
            ncx_path = href_of(ncx_item)
            nav_map = epub.xml(ncx_path).find("ncx:navMap", NS)
            if nav_map is not None:
                entries = list(_ncx_entries(nav_map, ncx_path, 0, name))
    if not entries:
        raise UserError(f"{name}: the EPUB has no table of contents (no navigation document with "
                        "entries, no NCX); import a table of contents file instead, e.g. toc.txt")
    _mark_matter(entries, matter)

    metadata = opf.find("opf:metadata", NS)
    title = _text(metadata.find("dc:title", NS)) if metadata is not None else ""
    return BookFile(title=title or None, authors=_authors(metadata), entries=entries,
                    isbn=_isbn(metadata), by_position=True)


def _too_deep(depth: int, name: str) -> None:
    from tracker.limits import DEPTH_MAX

    if depth > DEPTH_MAX:
        raise UserError(f"{name}: its table of contents nests deeper than {DEPTH_MAX} levels")


def _nav_entries(ol: ET.Element, base: str, depth: int, name: str) -> Iterator[Entry]:
    _too_deep(depth, name)
    for li in ol.findall("x:li", NS):
        head = li.find("x:a", NS)
        if head is None:
            head = li.find("x:span", NS)
        label = _text(head)
        sub = li.find("x:ol", NS)
        children = list(_nav_entries(sub, base, depth + 1, name)) if sub is not None else []
        if not label:
            yield from children  # a heading without words: its entries take its place
            continue
        entry = Entry(label, children, target=_target(base, head.get("href") if head is not None else None))
        yield entry


def _ncx_entries(parent: ET.Element, base: str, depth: int, name: str) -> Iterator[Entry]:
    _too_deep(depth, name)
    for point in parent.findall("ncx:navPoint", NS):
        label = _text(point.find("ncx:navLabel/ncx:text", NS))
        content = point.find("ncx:content", NS)
        children = list(_ncx_entries(point, base, depth + 1, name))
        if not label:
            yield from children
            continue
        entry = Entry(label, children, target=_target(base, content.get("src") if content is not None else None))
        yield entry


def _mark_matter(entries: list[Entry], matter: dict[tuple[str, str | None], str]) -> None:
    docs = {doc: kind for (doc, fragment), kind in matter.items() if fragment is None}
    stack = list(entries)
    while stack:
        entry = stack.pop()
        stack.extend(entry.children)
        target = entry.target
        if entry.matter is None and target is not None:
            doc, fragment = target
            kind = matter.get(target) or (docs.get(doc) if fragment is None else None)
            if kind is not None:
                entry.matter = f"front or back matter: {kind}"


def _authors(metadata: ET.Element | None) -> tuple[str, ...]:
    if metadata is None:
        return ()
    roles = {}
    for meta in metadata.iterfind("opf:meta", NS):  # EPUB 3: <meta refines="#id" property="role">
        if meta.get("property") == "role" and (meta.get("refines") or "").startswith("#"):
            roles[meta.get("refines", "")[1:]] = _text(meta).lower()
    out: list[str] = []
    for creator in metadata.iterfind("dc:creator", NS):
        role = (creator.get(f"{{{NS['opf']}}}role") or roles.get(creator.get("id") or "", "")).lower()
        name = _text(creator)
        if name and role in ("", "aut") and name not in out:
            out.append(name)
    return tuple(out)


def _isbn(metadata: ET.Element | None) -> str | None:
    if metadata is None:
        return None
    for identifier in metadata.iterfind("dc:identifier", NS):
        scheme = (identifier.get(f"{{{NS['opf']}}}scheme") or "").lower()
        text = _text(identifier)
        if scheme == "isbn" or text.lower().startswith("urn:isbn:") or re.fullmatch(r"[0-9-]{13,17}", text):
            code = isbn13(text)
            if code:
                return code
    return None
