"""The reading log as a Markdown journal (SPEC §5.3): a heading per reader day, a
subheading per book, a bullet per event; the reader's text escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tracker.when import Clock


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})


_MD_LINE_START = ("#", ">", "-", "+", "=", "~")


def md_text(text: str) -> str:
    """Inline text with Markdown's special characters escaped."""
    return text.translate(_MD_SPECIAL)


def _md_quote(text: str) -> list[str]:
    """A note as blockquote lines under its bullet; nothing in it can break the page."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = md_text(line)
        stripped = line.lstrip()
        if stripped.startswith(_MD_LINE_START) or (stripped[:1].isdigit() and ". " in stripped[:12]):
            line = line[: len(line) - len(stripped)] + "\\" + stripped
        lines.append(f"  > {line}".rstrip() if line.strip() else "  >")
    return lines


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

