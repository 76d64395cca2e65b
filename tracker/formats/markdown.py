"""The reading log as a Markdown journal (SPEC §5.3): a heading per reader day, a
subheading per book, a bullet per event; the reader's text escaped."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tracker.when import Clock


# The page is read by CommonMark and by Python-Markdown (no extensions), so the reader's
# text is escaped in a way both take back: a backslash only before the characters that
# Python-Markdown also unescapes, a character reference for the rest (Python-Markdown
# shows `\\<`, `\\=` or `\\|` with their backslash, and turns tabs into spaces).
_INLINE = str.maketrans({"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
                         "<": "&lt;", "&": "&amp;", "\t": "&#9;"})
# What makes a line block markup where it begins: a heading, quote, list, rule, setext
# underline or code fence. Backslash where both renderers take it back, else a reference.
_LINE_START = {"#": "\\#", ">": "\\>", "+": "\\+", "-": "\\-", "=": "&#61;", "~": "&#126;"}
_ORDERED = re.compile(r"([0-9]+)([.)])(?= |$)")


def md_text(text: str) -> str:
    """Inline text (a title, a slug) on one line, nothing in it read as markup."""
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).translate(_INLINE)


def _md_line(line: str) -> str:
    """One line of a note, verbatim in both renderers: its own white space at either end
    as character references (Markdown would take it as indentation or drop it), markup
    where the line begins escaped."""
    body = line.strip()
    if not body:
        return _refs(line)  # white space only: kept as it is ("" for an empty line)
    start = len(line) - len(line.lstrip())
    lead, tail = line[:start], line[start + len(body):]
    body = body.translate(_INLINE)
    ordered = _ORDERED.match(body)
    if ordered:
        body = f"{ordered.group(1)}\\{ordered.group(2)}{body[ordered.end():]}"
    elif body[0] in _LINE_START:
        body = _LINE_START[body[0]] + body[1:]
    return _refs(lead) + body + _refs(tail)


def _refs(space: str) -> str:
    return "".join(f"&#{ord(c)};" for c in space)


def _md_quote(text: str) -> list[str]:
    """A note as blockquote lines under its bullet, its line breaks kept (two trailing
    spaces; an empty line as `<br>`): nothing in it can break the page."""
    lines = [_md_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")]
    out = []
    for n, line in enumerate(lines):
        last = n == len(lines) - 1
        out.append(f"  > {line or '<br>'}" + ("" if last or not line else "  "))
    return out


def _chapter_phrase(row: dict[str, Any]) -> str:
    if row["chapter"] is None:
        return ""
    title = row["chapter_title"] or ""
    return md_text(f"{row['chapter']} {title}".strip())


def _md_event(row: dict[str, Any]) -> str:
    kind = row["event"]
    chapter = _chapter_phrase(row)
    resource = f"`{row['resource']}`" if row["resource"] else ""
    details: list[str] = []
    if kind == "read":
        what = f"Read {chapter}"
    elif kind == "finish":
        what = f"Finished **{chapter}**"
    elif kind == "favourite":
        what = f"★ Favourite: {chapter}"
        if row["rating"]:
            details.append(f"first pass {row['rating']}")
    elif kind == "unfavourite":
        what = f"No longer a favourite: {chapter}"
    elif kind == "revisit":
        what = f"Revisited {chapter}"
        if row["rating"]:
            details.append(row["rating"])
    elif kind == "snooze":
        what = f"Snoozed {chapter} until {row['until']}"
    elif kind == "break":
        what = f"Break until {row['until']}"
    elif kind == "stop":
        what = "Stopped reading the book"
    elif kind == "note":
        what = f"Note on {chapter}" if chapter else "Note"
    else:
        verb = {"queue": "Queued", "start": "Started", "done": "Done with", "dismiss": "Dismissed"}.get(kind, kind)
        what = f"{verb} {resource}" if resource else {"start": "Started the book", "done": "Finished the book"}.get(
            kind, verb)  # a book's own status (a Goodreads import)
    if row["minutes"] is not None:
        details.append(f"{row['minutes']} min")
    if row["percent"] is not None:
        details.append(f"{row['percent']}%")
    if row["pages"] is not None:
        details.append(f"{row['pages']} pages")
    line = f"- {row['at'][11:16]} · {what}"
    if details:
        line += " · " + " · ".join(details)
    return line


def _md_day(day: dt.date, rows: list[dict[str, Any]]) -> list[str]:
    minutes = sum(r["minutes"] or 0 for r in rows)
    heading = f"## {day:%A} {day.day} {day:%B} {day.year}"
    if minutes:
        heading += f" — {minutes} min"
    lines = ["", heading]
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["book"], []).append(r)
    for slug, items in groups.items():
        if slug is None:
            title = "Reading map and breaks"
        else:
            title = f"{md_text(items[0].get('book_title') or slug)} ({md_text(slug)})"
        lines += ["", f"### {title}", ""]
        for r in items:
            lines.append(_md_event(r))
            if r["note"]:
                lines.extend(_md_quote(r["note"]))
    return lines


def write_markdown(rows: Iterable[dict[str, Any]], out: TextIO, clock: Clock, *, title: str = "Reading journal",
                   subtitle: str | None = None) -> int:
    """A reading journal: a heading per reader day, a subheading per book, a bullet per
    event with its minutes, rating and notes. Holds one day at a time."""
    out.write(f"# {md_text(title)}\n")
    if subtitle:
        out.write(f"\n_{md_text(subtitle)}_\n")
    count = 0
    day: dt.date | None = None
    held: list[dict[str, Any]] = []
    for row in rows:
        this = clock.reader_date(dt.datetime.fromisoformat(row["at"]))
        if this != day and held:
            assert day is not None
            out.write("\n".join(_md_day(day, held)) + "\n")
            held = []
        day = this
        held.append(row)
        count += 1
    if held:
        assert day is not None
        out.write("\n".join(_md_day(day, held)) + "\n")
    if not count:
        out.write("\nNothing in the log for that choice.\n")
    return count

