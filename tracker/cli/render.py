"""Human output: bars, trees, tables, colour (only on a terminal; NO_COLOR respected).

Render functions take plain values (the dicts that `--json` prints), never sessions.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import click

STATUS_MARK = {"read": "✓", "reading": "…", "unread": " "}
BOOK_COLOUR = {"read": "green", "reading": "cyan", "stopped": "yellow", "to-read": None}


def colour_enabled() -> bool:
    return "NO_COLOR" not in os.environ


def style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    if not colour_enabled() or (fg is None and not bold and not dim):
        return text
    return click.style(text, fg=fg, bold=bold, dim=dim)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def width(text: str) -> int:
    """Display width: wide (CJK) characters take two columns, combining marks and colour codes none."""
    total = 0
    for ch in ANSI.sub("", text):
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def clip(text: str, size: int) -> str:
    if width(text) <= size:
        return text
    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used + w > size - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def bar(done: int, total: int, size: int = 20) -> str:
    if total <= 0:
        return "░" * size
    filled = round(size * done / total)
    return "█" * filled + "░" * (size - filled)


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> str:
    all_rows = [list(header)] + [list(r) for r in rows] if header else [list(r) for r in rows]
    if not all_rows:
        return ""
    widths = [max(width(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    lines = []
    for n, r in enumerate(all_rows):
        line = "  ".join(pad(cell, widths[i]) for i, cell in enumerate(r)).rstrip()
        lines.append(style(line, bold=True) if header and n == 0 else line)
    return "\n".join(lines)


def books(items: list[dict[str, Any]]) -> str:
    if not items:
        return "No books yet. Add one with: tracker book add TITLE"
    rows = []
    for b in items:
        status = style(b["status"], fg=BOOK_COLOUR.get(b["status"]))
        progress = f"{bar(b['read'], b['total'], 16)} {b['read']}/{b['total']}"
        fav = f"★ {b['favourites']}" if b["favourites"] else ""
        due = f"next revisit {b['next_due']}" if b["next_due"] else ""
        rows.append([b["slug"], clip(b["title"], 48), status, progress, fav, due])
    return table(rows)


def show(book: dict[str, Any]) -> str:
    authors = ", ".join(book["authors"])
    head = style(book["title"], bold=True) + (f" — {authors}" if authors else "")
    lines = [head, f"{book['slug']} · {book['status']} · {book['read']}/{book['total']} chapters read "
                   f"{bar(book['read'], book['total'], 16)}"]
    if book.get("note"):
        lines.append(style(book["note"], dim=True))
    lines.append("")
    notes_by_chapter: dict[str | None, list[str]] = {}
    for n in book.get("notes", []):
        notes_by_chapter.setdefault(n["chapter"], []).append(n["note"])
    for c in book["chapters"]:
        indent = "  " * c["depth"]
        mark = STATUS_MARK.get(c["status"], " ")
        colour = "green" if c["status"] == "read" else ("cyan" if c["status"] == "reading" else None)
        star = style("★", fg="yellow") if c["favourite"] else " "
        extra = []
        if c["due"]:
            extra.append(f"due {c['due']}")
        if c["topics"]:
            extra.append(style("#" + " #".join(c["topics"]), dim=True))
        line = f"{style(mark, fg=colour)} {star} {indent}{c['number']}  {c['title']}"
        if extra:
            line += "  " + "  ".join(extra)
        lines.append(line)
        for text in notes_by_chapter.get(c["number"], []):
            lines.append(f"      {indent}" + style("✎ " + clip(text.replace("\n", " "), 100), dim=True))
    for text in notes_by_chapter.get(None, []):
        lines.append(style("✎ " + clip(text.replace("\n", " "), 100), dim=True))
    return "\n".join(lines)


def topics(items: list[dict[str, Any]]) -> str:
    rows = [[t["slug"], t["name"], f"{t['chapters']} chapters", f"{t['resources']} resources",
             "followed" if t.get("interest") else ""] for t in items]
    return table(rows) if rows else "No topics yet."


def days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def today(plan: dict[str, Any]) -> str:
    lines: list[str] = []
    revisits = plan["revisit"]
    if revisits:
        lines.append(style(f"Revisit today ({plan['date']})", bold=True))
        for r in revisits:
            overdue = f"{r['overdue_days']} days overdue" if r["overdue_days"] > 1 else (
                "1 day overdue" if r["overdue_days"] == 1 else "due today")
            lines.append(
                f"  {r['book']} {r['chapter']}  {r['title']}  "
                + style(f"({overdue}, recall {round(r['recall'] * 100)}%, good → {days_phrase(r['good_days'])})", dim=True)
            )
        if plan["more_due"]:
            lines.append(f"  … and {plan['more_due']} more due (tracker agenda)")
        first = revisits[0]
        lines.append(style(f"  log one: tracker revisit {first['book']} {first['chapter']} good", dim=True))
    if plan["continue"]:
        if lines:
            lines.append("")
        lines.append(style("Continue reading", bold=True))
        for c in plan["continue"]:
            lines.append(f"  {c['book']} {c['chapter']}  {c['title']}  "
                         + style(f"({c['read']}/{c['total']} chapters read)", dim=True))
    if plan["suggestions"]:
        if lines:
            lines.append("")
        lines.append(style("Read next", bold=True))
        for s in plan["suggestions"]:
            lines.append(f"  {s['title']} ({s['kind']})  " + style(s["why"], dim=True))
    if not revisits and not plan["continue"]:
        if lines:
            lines.append("")
        lines.append(plan.get("start_hint") or "Nothing to revisit today.")
    elif not revisits:
        lines.insert(0, style("Nothing to revisit today.", dim=True) + "\n")
    return "\n".join(lines)


def today_short(plan: dict[str, Any]) -> str:
    parts = []
    due = len(plan["revisit"]) + plan["more_due"]
    if due:
        parts.append(f"{due} revisit{'s' if due != 1 else ''} due")
    if plan["continue"]:
        c = plan["continue"][0]
        parts.append(f"next: {c['book']} {c['chapter']}")
    return " · ".join(parts) if parts else "nothing due"


def agenda(days: list[dict[str, Any]]) -> str:
    lines = []
    peak = max((len(d["revisits"]) for d in days), default=0)
    for d in days:
        count = len(d["revisits"])
        load = ("▇" * count if count <= 20 else "▇" * 20 + "+") if count else "·"
        lines.append(f"{d['date']}  {pad(load, 21) if peak else load}  {count or ''}".rstrip())
        for r in d["revisits"]:
            late = f" ({r['overdue_days']}d overdue)" if r.get("overdue_days") else ""
            lines.append(f"    {r['book']} {r['chapter']}  {r['title']}{late}")
    return "\n".join(lines)


def log(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "The log is empty for that choice."
    out = []
    for e in rows:
        what = e["event"]
        target = " ".join(x for x in (e["book"], e["chapter"]) if x) or (e["resource"] or "")
        details = []
        for key, fmt in (("minutes", "{} min"), ("percent", "{}%"), ("pages", "{} pages"), ("rating", "{}"),
                         ("until", "until {}")):
            if e.get(key) is not None:
                details.append(fmt.format(e[key]))
        if e.get("note"):
            details.append("“" + clip(e["note"].replace("\n", " "), 60) + "”")
        out.append(f"{e['id']:>6}  {e['at'][:16].replace('T', ' ')}  {pad(what, 11)} {target}"
                   + (f"  {' · '.join(details)}" if details else ""))
    return "\n".join(out)
