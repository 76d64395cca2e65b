"""Human output on a terminal (SPEC §3, after the JSON shapes: "written to a terminal,
long titles are cut to fit its width; written to a pipe or file, nothing is cut").

The rule, for every command: only titles and free text (notes) are ever cut, each to
no fewer than MIN_CUT columns; numbers, dates, ratings, intervals, slugs and chapter
numbers never are. A bar is drawn narrower first. What still does not fit wraps: a
table's row goes on over lines indented under it (its cells after the title), a line
of prose wraps at its spaces. Every function takes the width to fit (`limit`); None is
a pipe or a file, where nothing is cut and nothing wraps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Sequence

MIN_CUT = 14  # a title cut shorter than this says too little: the row wraps instead
MIN_BAR = 4  # cells of a bar drawn narrower
GAP = "  "  # between a table's columns

ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PIECES = re.compile(r"\x1b\[[0-9;]*m|.", re.DOTALL)


def _cells(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width(text: str) -> int:
    """Display width: wide (CJK) characters take two columns, combining marks and colour codes none."""
    return sum(_cells(ch) for ch in ANSI.sub("", text))


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def clip(text: str, size: int) -> str:
    """`text` cut to `size` columns, ending in `…` (colour codes kept, and closed)."""
    if width(text) <= size:
        return text
    out, used, styled = [], 0, False
    for piece in _PIECES.findall(text):
        if piece.startswith("\x1b"):
            out.append(piece)
            styled = True
            continue
        if used + _cells(piece) > size - 1:
            break
        out.append(piece)
        used += _cells(piece)
    return "".join(out) + "…" + ("\x1b[0m" if styled else "")


def bar(done: int, total: int, size: int = 20) -> str:
    if total <= 0:
        return "░" * size
    filled = round(size * done / total)
    return "█" * filled + "░" * (size - filled)


class Cut(str):
    """A part of a line that may be cut: a title, free text."""


class Bar:
    """A bar of `size` cells then its label (`████░░ 8/12`); a narrow terminal gets it narrower."""

    def __init__(self, done: int, total: int, size: int = 16, label: str = "") -> None:
        self.done, self.total, self.size, self.label = done, total, size, label

    def draw(self, narrower: int = 0) -> str:
        cells = bar(self.done, self.total, max(MIN_BAR, self.size - narrower))
        return f"{cells} {self.label}" if self.label else cells

    def __str__(self) -> str:
        return self.draw()


Cell = str | Bar
Row = Sequence[tuple[str, Cell]]  # each cell with the separator before it


def lay_out(rows: Sequence[Row], limit: int | None, cut: Collection[int] = (), indent: int | None = None) -> list[str]:
    """Rows of cells in columns (each padded to its widest), fitted to `limit` by the
    rule above. When a row cannot fit, every row goes on over lines indented `indent`
    columns (by default 4 more than the row itself): the first line holds the columns
    that fit (at their narrowest), the others follow, in the same columns on every row.
    Columns empty in every row are left out."""
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    full = [list(r) + [("", "")] * (columns - len(r)) for r in rows]
    natural = [max(width(str(r[i][1])) for r in full) for i in range(columns)]
    keep = [i for i in range(columns) if natural[i]]
    seps = {i: next((r[i][0] for r in full if r[i][0]), "") for i in keep}
    bars = {i for i in keep if any(isinstance(r[i][1], Bar) for r in full)}
    cut = {i for i in keep if i in cut}
    least = {i: _least(i, full, natural, cut, bars) for i in keep}
    half = {i: _least(i, full, natural, cut, bars, half=True) for i in bars}
    if indent is None:
        first = [str(r[keep[0]][1]) for r in full] if keep else [""]
        indent = min(len(c) - len(c.lstrip(" ")) for c in first) + 4

    def total(group: list[int], widths: dict[int, int]) -> int:
        return sum(widths[i] + width(seps[i]) for i in group) - (width(seps[group[0]]) if group else 0)

    def fit(group: list[int], room: int) -> dict[int, int]:
        widths = {i: natural[i] for i in group}
        over = total(group, widths) - room

        def narrower(columns: list[int], floor: dict[int, int]) -> None:
            nonlocal over
            for i in columns:
                take = max(0, min(over, widths[i] - floor[i]))
                widths[i] -= take
                over -= take

        narrower(sorted(bars & set(group)), half)  # bars to half their size first
        while over > 0:  # then titles, the widest first
            candidates = [i for i in group if i in cut and widths[i] > least[i]]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
            over -= 1
        narrower(sorted(bars & set(group)), least)  # then bars to their least
        return widths

    narrowed = {i: natural[i] for i in keep} if limit is None else fit(keep, limit)
    if limit is None or total(keep, narrowed) <= limit:
        groups = [(keep, narrowed)]
    else:
        split = _split(keep, least, total, limit, limit - indent)
        groups = [(g, fit(g, limit if n == 0 else limit - indent)) for n, g in enumerate(split)]
    lines = []
    for row in full:
        for n, (group, widths) in enumerate(groups):
            texts = [_cell(row[i][1], widths[i], natural[i], i in cut) for i in group]
            if n and not any(str(row[i][1]) for i in group):
                continue  # nothing of this row goes on that line
            line = "".join((seps[i] if k else "") + text for k, (i, text) in enumerate(zip(group, texts)))
            lines.append(((" " * indent) if n else "") + line.rstrip())
    return lines


def _least(i: int, rows: list[list[tuple[str, Cell]]], natural: list[int], cut: set[int], bars: set[int],
           half: bool = False) -> int:
    """The fewest columns column `i` may take (`half`: a bar's, at half its size)."""
    if i in cut:
        return min(natural[i], MIN_CUT)
    if i in bars:
        cells = [r[i][1] for r in rows]
        return max(width(c.draw(c.size // 2 if half else c.size)) if isinstance(c, Bar) else width(c) for c in cells)
    return natural[i]


def _split(columns: list[int], least: dict[int, int], total: Callable[[list[int], dict[int, int]], int],
           first: int, rest: int) -> list[list[int]]:
    """Columns in lines, each holding as many as fit (`first` columns wide, then `rest`) at
    their least widths."""
    groups: list[list[int]] = []
    for i in columns:
        if groups and total(groups[-1] + [i], least) <= (first if len(groups) == 1 else rest):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _cell(cell: Cell, size: int, natural: int, cuttable: bool) -> str:
    if isinstance(cell, Bar):
        return pad(cell.draw(natural - size), size)
    return pad(clip(cell, size) if cuttable else cell, size)


def table(rows: Sequence[Sequence[Cell]], limit: int | None, cut: Collection[int] = ()) -> list[str]:
    """A table: columns two spaces apart, the `cut` ones titles."""
    return lay_out([[("" if i == 0 else GAP, c) for i, c in enumerate(r)] for r in rows], limit, cut)


def line(parts: Sequence[tuple[str, Cell]], limit: int | None, indent: int | None = None) -> list[str]:
    """One line of parts, each with the separator before it; the `Cut` ones may be cut."""
    cut = [i for i, (_sep, part) in enumerate(parts) if isinstance(part, Cut)]
    return lay_out([parts], limit, cut, indent)


def wrap(text: str, limit: int | None, indent: int | None = None, sep: str = " ") -> str:
    """Prose never cut: each line too long for `limit` wraps where `sep` stands (between
    words, or between the items of a list such as ' · '), its lines after the first
    indented (by default 2 more than its own indentation)."""
    if limit is None:
        return text
    out = []
    for source in text.split("\n"):
        if width(source) <= limit:
            out.append(source)
            continue
        lead = len(source) - len(source.lstrip(" "))
        hang = " " * (lead + 2 if indent is None else indent)
        at = sep if sep in source[lead:] else " "  # a line without its items wraps between words
        current = ""
        for piece in source[lead:].split(at):
            if current and width(current + at + piece) > limit:
                out.append(current.rstrip())
                current = hang + piece
            else:
                current = (current + at + piece) if current else source[:lead] + piece
        out.append(current.rstrip())
    return "\n".join(out)
