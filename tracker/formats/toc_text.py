"""A table of contents as text (SPEC §5.5 `toc`): one entry a line, as copied from a
publisher's page or written as a Markdown list, read into the tree that
`tracker.formats.toc_numbers` numbers.

- Blank lines are ignored; a `# Title` first line is the book's title. Other Markdown
  headings are entries (their `#`s dropped).
- Nesting is by indentation (a tab counts as four spaces) or list level: a line
  indented more than the one before it is its child.
- List markers (`-`, `*`, `+`, `1.`, `1)`) are stripped and are never numbers; so is
  Markdown's inline markup (links, emphasis, code) around a title's words.
- A trailing page number counts only after dot leaders, a tab, or two or more spaces
  (`Quantization ..... 212`, `Quantization   212`): it is the entry's start page.
  Leaders before a roman page number (`Preface ..... xi`) are dropped with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.errors import UserError
from tracker.formats.toc_numbers import Entry
from tracker.limits import MAX_PAGES

_MARKER = re.compile(r"^(?:[-*+]|[0-9]+[.)])(?:\s+|$)")
_PAGE = re.compile(r"(?:\s*(?:\.\s*){2,}|\t+|\s{2,}|\s*…+\s*)([0-9]+|[ivxlcdm]+)\s*$", re.IGNORECASE)
_LEADERS = re.compile(r"\s*(?:\.\s*){2,}$|\s*…+$")
_HEADING = re.compile(r"^#+\s*")
# Markdown inline markup around a title's words: [text](url), ![alt](url), **strong**,
# __strong__, *emphasis*, _emphasis_, `code`; the words are kept, the markup dropped.
_INLINE = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
)
LINES_MAX = 100_000


@dataclass(frozen=True)
class TocFile:
    title: str | None
    entries: list[Entry]


def plain(text: str) -> str:
    """A title without Markdown's inline markup (`[Intro](intro.html)` → `Intro`)."""
    for pattern, keep in _INLINE:
        text = pattern.sub(keep, text)
    return text


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4
        else:
            break
    return width


def parse_toc(text: str, name: str) -> TocFile:
    """The entries of a table of contents file (an error names the file when it has none)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > LINES_MAX:
        raise UserError(f"{name}: {len(lines):,} lines; a table of contents has at most {LINES_MAX:,}")
    title = None
    if lines and re.match(r"^#\s", lines[0].lstrip()):
        title = " ".join(plain(lines[0].lstrip()[1:]).split()) or None
        lines = lines[1:]
    roots: list[Entry] = []
    stack: list[tuple[int, Entry]] = []
    for line in lines:
        indent = _indent(line)
        body = _HEADING.sub("", line.strip())
        body = plain(_MARKER.sub("", body, count=1))
        start = None
        m = _PAGE.search(body)
        if m is not None and m.start() > 0:
            if m.group(1).isdigit():
                start = int(m.group(1))
                if start > MAX_PAGES:
                    raise UserError(f"{name}: page {start:,} of {body[:40]!r} is past {MAX_PAGES:,}")
            body = body[:m.start()]
        body = _LEADERS.sub("", body).strip()
        if not body:
            continue
        entry = Entry(" ".join(body.split()), start=start)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(entry)
        stack.append((indent, entry))
    if not roots:
        what = "is empty" if not text.strip() else "has no entries"
        raise UserError(f"{name}: the table of contents {what}; write one entry a line, "
                        "e.g. '5.2 Speculative Decoding ..... 212'")
    return TocFile(title, roots)
