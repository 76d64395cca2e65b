"""The table-of-contents rules (SPEC §5.5): the number a title carries, the numbers of the
entries that carry none, and chapter lengths from start pages. The toc, EPUB and PDF
imports all give their entries here, as a tree of plain values; nothing here reads a
file or a database.

- A title's number is `Chapter N`, `Appendix X`, dotted digits (`5`, `5.2`, `5.2.1`) or
  one capital letter followed by `.`, `:` or `.digits` (`A.`, `B.1`); one separator
  after it (`:`, `.`, `–`, `—`, or ` - `) and the spaces are dropped from the title.
- An entry without a number is numbered by its place: under `5`, `5.1`, `5.2`, …; at
  the top `1`, `2`, … (a toc file does that only when none of its lines carries a
  number, else the entry is left out and listed). An entry whose place number is
  carried by another entry, or whose carried number is carried twice, is left out
  and listed; so is an entry whose number's parent is not in the book.
- Front and back matter is left out and listed: what the file marks so (an EPUB's
  landmarks), and an entry labelled cover, title page, copyright, dedication, (table
  of) contents or index.
- A nested entry that carries a plain number (`2 Kernels` under `Chapter 5`) counts
  within its parent (`5.2`). An entry without a number of its own whose children
  carry top-level numbers (`Part I` over `Chapter 1`…) is a part heading: left out and
  listed, its children take its place.
- Lengths: an entry's `pages` runs from its start page to the next entry's at the
  same or a higher level; the last one's to `end_page` (a PDF's page count), else
  unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tracker.chapter_numbers import parent_of
from tracker.errors import UserError
from tracker.limits import DEPTH_MAX, TITLE_MAX

_SEPARATOR = r"(?:\s*[:.–—]\s*(?![0-9])|\s+-\s+|\s+|$)"
_NUMBERED = (
    re.compile(rf"^chapter\s+(?P<n>[0-9]+(?:\.[0-9]+)*){_SEPARATOR}", re.IGNORECASE),
    re.compile(rf"^appendix\s+(?P<n>[A-Za-z])(?![A-Za-z]){_SEPARATOR}", re.IGNORECASE),
    re.compile(rf"^(?P<n>[0-9]+(?:\.[0-9]+)*){_SEPARATOR}"),
    re.compile(rf"^(?P<n>[A-Z](?:\.[0-9]+)+){_SEPARATOR}"),
    re.compile(r"^(?P<n>[A-Z])\s*[:.](?:\s+|$)"),
)
NUMBER_MAX = 50
# Labels of front and back matter (SPEC §5.5), in the words of the reason given.
MATTER_LABELS = {
    "cover": "cover", "title page": "title page", "titlepage": "title page",
    "copyright": "copyright", "copyright page": "copyright", "dedication": "dedication",
    "table of contents": "table of contents", "contents": "table of contents", "index": "index",
}


def split_number(label: str) -> tuple[str | None, str]:
    """The number a title carries and the title without it: `Chapter 5: Techniques` →
    ("5", "Techniques"). A title that is only a number keeps its words as the title."""
    text = " ".join(label.split())
    for pattern in _NUMBERED:
        m = pattern.match(text)
        if m is None:
            continue
        number = m.group("n").upper()
        if len(number) > NUMBER_MAX:
            return None, text
        rest = text[m.end():].strip()
        return number, rest or text
    return None, text


@dataclass
class Entry:
    """One entry of a table of contents, as its file gives it."""

    label: str
    children: list[Entry] = field(default_factory=list)
    start: int | None = None  # its first page, where the file says
    matter: str | None = None  # front or back matter (cover, index, …): left out
    target: tuple[str, str | None] | None = None  # where it points (an EPUB's document, fragment)


@dataclass(frozen=True)
class BookFile:
    """What an EPUB, a PDF or a table of contents file says of its book."""

    title: str | None  # its own metadata's title, None where it has none
    authors: tuple[str, ...]
    entries: list[Entry]
    end_page: int | None = None  # a PDF's page count: the last chapter's end
    isbn: str | None = None  # an ISBN-13
    by_position: bool = True  # False for a toc file (see number_entries)


@dataclass(frozen=True)
class Chapter:
    number: str
    title: str
    depth: int
    pages: int | None = None


@dataclass(frozen=True)
class Numbered:
    chapters: tuple[Chapter, ...]
    left_out: tuple[str, ...]  # "Cover (front or back matter)", …


@dataclass
class _Item:
    entry: Entry
    depth: int
    carried: str | None
    title: str
    number: str | None = None
    why: str | None = None  # left out, and why
    kids: list[_Item] = field(default_factory=list)

    @property
    def numbered(self) -> bool:
        """Neither front or back matter nor a part heading: it gets a number or is listed."""
        return self.why is None


def _items(entries: Sequence[Entry], depth: int, name: str) -> list[_Item]:
    """The entries as items; front and back matter and part headings are marked (they
    still end the chapter before them), a part heading's children follow it."""
    if depth > DEPTH_MAX:
        raise UserError(f"{name}: its table of contents nests deeper than {DEPTH_MAX} levels")
    out: list[_Item] = []
    for entry in entries:
        carried, title = split_number(entry.label)
        if not title:
            continue
        if len(title) > TITLE_MAX:
            raise UserError(f"{name}: the entry {title[:40]!r}… is {len(title):,} characters long; "
                            f"a chapter title has at most {TITLE_MAX}")
        item = _Item(entry, depth, carried, title)
        out.append(item)
        label_matter = MATTER_LABELS.get(re.sub(r"[^a-z ]+", "", entry.label.lower()).strip())
        if entry.matter is not None or label_matter is not None:
            item.why = entry.matter or f"front or back matter: {label_matter}"
            continue
        kids_carried = [split_number(k.label)[0] for k in entry.children if k.matter is None]
        if carried is None and any(n is not None and "." not in n for n in kids_carried):
            item.why = "a part heading; its chapters are kept"
            out.extend(_items(entry.children, depth, name))
            continue
        item.kids = _items(entry.children, depth + 1, name)
    return out


def _walk(items: list[_Item]) -> list[_Item]:
    out: list[_Item] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.kids))
    return out


def number_entries(entries: Sequence[Entry], name: str, *, by_position: bool = True,
                   end_page: int | None = None) -> Numbered:
    """Number a table of contents by the rules above. `by_position` False: the toc
    file's rule (top-level entries without a number are left out when any carries one).
    `name` names the file in errors."""
    top = _items(entries, 0, name)
    flat = _walk(top)
    carried_seen: set[str] = set()

    def assign(items: list[_Item], parent: str | None) -> None:
        numbered = [i for i in items if i.numbered]
        for position, item in enumerate(numbered, start=1):
            own = item.carried
            if own is not None and parent is not None and not own.startswith(parent + "."):
                own = f"{parent}.{own}" if own.isdigit() else own
            item.carried = own
            if own is not None:
                carried_seen.add(own)
            assign(item.kids, own if own is not None else (f"{parent}.{position}" if parent else str(position)))

    assign(top, None)
    any_carried = bool(carried_seen)
    taken: set[str] = set()

    def place(items: list[_Item], parent: str | None, parent_out: bool) -> None:
        numbered = [i for i in items if i.numbered]
        for position, item in enumerate(numbered, start=1):
            if parent_out and item.carried is None:
                item.why = "its parent is left out"
            elif item.carried is not None:
                if item.carried in taken:
                    item.why = f"number {item.carried} is used twice"
                else:
                    item.number = item.carried
            else:
                guess = f"{parent}.{position}" if parent else str(position)
                if parent is None and not by_position and any_carried:
                    item.why = "no number; the other lines have numbers"
                elif guess in carried_seen or guess in taken:
                    item.why = f"no number, and {guess} is another entry's"
                else:
                    item.number = guess
            if item.number is not None and len(item.number) > NUMBER_MAX:
                item.why, item.number = f"its number would be longer than {NUMBER_MAX} characters", None
            if item.number is not None:
                taken.add(item.number)
            place(item.kids, item.number, item.number is None)

    place(top, None, False)
    # A number whose parent is not in the book (a nested `6.1` under `5`, or under an
    # entry left out) is left out too, and so are its own sections.
    kept = {i.number for i in flat if i.number is not None}
    changed = True
    while changed:
        changed = False
        for item in flat:
            parent = parent_of(item.number) if item.number is not None else None
            if parent is not None and parent not in kept:
                kept.discard(item.number)  # type: ignore[arg-type]
                item.why, item.number, changed = f"needs its parent chapter {parent}", None, True
    # Lengths run between all entries, those left out included (an index ends the last chapter).
    pages = _lengths([(_depth(i.number) if i.number is not None else i.depth, i.entry.start) for i in flat],
                     end_page)
    chapters = tuple(Chapter(i.number, i.title, _depth(i.number), p)
                     for i, p in zip(flat, pages, strict=True) if i.number is not None)
    left_out = tuple(f"{i.title} ({i.why})" for i in flat if i.number is None)
    return Numbered(chapters, left_out)


def _depth(number: str) -> int:
    return number.count(".")


def _lengths(starts: list[tuple[int, int | None]], end_page: int | None) -> list[int | None]:
    """Each entry's length in pages: to the next start at the same or a higher level."""
    out: list[int | None] = []
    for i, (depth, start) in enumerate(starts):
        if start is None:
            out.append(None)
            continue
        following = next((s for d, s in starts[i + 1:] if d <= depth), -1)
        if following == -1:  # the last at its level: to the end of the document
            out.append(end_page - start + 1 if end_page is not None and end_page >= start else None)
        elif following is None or following < start:
            out.append(None)
        else:
            out.append(max(following - start, 1))
    return out


def tree_lines(chapters: Sequence[Chapter], label: Callable[[Chapter], str] | None = None) -> list[str]:
    """The tree `--dry-run` prints: one line a chapter, indented by depth."""
    return [("  " * c.depth) + (label(c) if label else f"{c.number}  {c.title}"
                                + (f"  ({c.pages} p.)" if c.pages is not None else ""))
            for c in chapters]
