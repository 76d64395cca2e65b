"""Human output (SPEC §3, after the JSON shapes): bars, trees, tables, colour (only on a terminal; NO_COLOR respected).

Render functions take plain values (the dicts that `--json` prints), never sessions.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import click

from tracker.cli.app import clean  # noqa: F401 - render.clean for commands
from tracker.words import plural  # noqa: F401 - render.plural for commands

STATUS_MARK = {"read": "✓", "reading": "…", "unread": " "}
BOOK_COLOUR = {"read": "green", "reading": "cyan", "stopped": "yellow", "to-read": None}


def due(date: str, days: int, ahead: str = "due ") -> str:
    """A due date `days` after the reader's date, as human output says it (SPEC §3): one
    ahead is `ahead` + the date; one on or before the reader's date is no date ahead,
    but 'due today' or 'due now (N days overdue)'."""
    if days > 0:
        return ahead + date
    return "due today" if days == 0 else f"due now ({plural(-days, 'day')} overdue)"


def days_until(date: str, today: object) -> int:
    """Days from `today` (a date) to the ISO `date`: negative when it is past."""
    import datetime as dt

    assert isinstance(today, dt.date)
    return (dt.date.fromisoformat(date) - today).days


def colour_enabled() -> bool:
    return "NO_COLOR" not in os.environ


def style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    if not colour_enabled() or (fg is None and not bold and not dim):
        return text
    # None, not False, for an attribute not asked for: click writes False as "off"
    # (ESC[22m), which would switch bold off again before the text.
    return click.style(text, fg=fg, bold=bold or None, dim=dim or None)


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


_PIECES = re.compile(r"\x1b\[[0-9;]*m|.", re.DOTALL)


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
        w = 0 if unicodedata.combining(piece) else 2 if unicodedata.east_asian_width(piece) in ("W", "F") else 1
        if used + w > size - 1:
            break
        out.append(piece)
        used += w
    return "".join(out) + "…" + ("\x1b[0m" if styled else "")


def terminal_width() -> int | None:
    """The width to fit when standard output is a terminal; None when it is a pipe or a
    file, where nothing is cut (SPEC §3, human output)."""
    import shutil
    import sys

    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return max(20, shutil.get_terminal_size().columns)


def fit(text: str) -> str:
    """Each line of `text` cut to the terminal's width; nothing cut off a terminal."""
    limit = terminal_width()
    if limit is None:
        return text
    return "\n".join(clip(line, limit) for line in text.split("\n"))


def bar(done: int, total: int, size: int = 20) -> str:
    if total <= 0:
        return "░" * size
    filled = round(size * done / total)
    return "█" * filled + "░" * (size - filled)


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None,
          fixed: Sequence[int] = (0,)) -> str:
    """Columns padded to line up. On a terminal narrower than the table, its widest
    columns (titles, as a rule) are cut to fit, never the `fixed` ones (the first: the
    names one types); off a terminal nothing is cut."""
    all_rows = [list(header)] + [list(r) for r in rows] if header else [list(r) for r in rows]
    if not all_rows:
        return ""
    widths = [max(width(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    limit = terminal_width()
    if limit is not None:
        full = list(widths)
        over = sum(widths) + 2 * (len(widths) - 1) - limit
        free = [i for i in range(len(widths)) if i not in fixed]
        while over > 0 and free:  # a column at a time, always the widest, down to 10 columns
            widest = max(free, key=lambda i: widths[i])
            if widths[widest] <= 10:
                break
            widths[widest] -= 1
            over -= 1
        for i, size in enumerate(widths):
            if size < full[i]:
                for r in all_rows:
                    r[i] = clip(r[i], size)
    lines = []
    for n, r in enumerate(all_rows):
        line = "  ".join(pad(cell, widths[i]) for i, cell in enumerate(r)).rstrip()
        lines.append(style(line, bold=True) if header and n == 0 else line)
    return fit("\n".join(lines))


def books(items: list[dict[str, Any]], today: object) -> str:
    if not items:
        return "No books yet. Add one with: tracker book add TITLE"
    rows = []
    for b in items:
        status = style(b["status"], fg=BOOK_COLOUR.get(b["status"]))
        progress = f"{bar(b['read'], b['total'], 16)} {b['read']}/{b['total']}" if b["total"] else "no chapters"
        fav = f"★ {b['favourites']}" if b["favourites"] else ""
        fav = "  ".join(x for x in (fav, rated(b.get("rating"))) if x)
        revisit = f"next revisit {due(b['next_due'], days_until(b['next_due'], today), '')}" if b["next_due"] else ""
        rows.append([b["slug"], b["title"], status, progress, fav, revisit])
    return table(rows)


def rated(stars: int | None) -> str:
    """A book's own rating: 'rated 4/5' (nothing when it has none)."""
    return f"rated {stars}/5" if stars else ""


def show(book: dict[str, Any], today: object) -> str:
    authors = ", ".join(book["authors"])
    head = style(book["title"], bold=True) + (f" — {authors}" if authors else "")
    lines = [head, f"{book['slug']} · {book['status']} · " + (
        f"{book['read']}/{book['total']} chapters read {bar(book['read'], book['total'], 16)}" if book["total"]
        else f"no chapters (add them: tracker chapter add {book['slug']} 1 TITLE)")]
    if book.get("url"):
        lines.append(book["url"])
    if book.get("note"):
        lines.append(style(book["note"], dim=True))
    if book.get("rating"):
        lines[1] += f" · {rated(book['rating'])}"
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
        if c.get("progress") and c["status"] == "reading":
            extra.append(style(c["progress"], fg="cyan"))
        if c["due"]:
            extra.append(due(c["due"], days_until(c["due"], today)))
        if c["topics"]:
            extra.append(style("#" + " #".join(c["topics"]), dim=True))
        line = f"{style(mark, fg=colour)} {star} {indent}{c['number']}  {c['title']}"
        if extra:
            line += "  " + "  ".join(extra)
        lines.append(line)
        for text in notes_by_chapter.get(c["number"], []):
            lines.append(f"      {indent}" + style("✎ " + text.replace("\n", " "), dim=True))
    for text in notes_by_chapter.get(None, []):
        lines.append(style("✎ " + text.replace("\n", " "), dim=True))
    return fit("\n".join(lines))


def topics(items: list[dict[str, Any]]) -> str:
    rows = [[t["slug"], t["name"], plural(t["chapters"], "chapter"), plural(t["resources"], "resource"),
             "followed" if t.get("interest") else ""] for t in items]
    return table(rows) if rows else "No topics yet."


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
            details.append("“" + e["note"].replace("\n", " ") + "”")
        out.append(f"{e['id']:>6}  {e['at'][:16].replace('T', ' ')}  {pad(what, 11)} {target}"
                   + (f"  {' · '.join(details)}" if details else ""))
    return fit("\n".join(out))


# --- stats (appended for `tracker stats`) ------------------------------------------------

HEAT_SHADES = "░▒▓█"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def heatmap(days: list[dict[str, Any]]) -> str:
    """A GitHub-style calendar: 7 rows (Mon..Sun) × one column per week, shaded by activity.

    `days` runs from a Monday to the last day shown; a day with nothing is `·`, others
    take one of four shades by their `level` (the quartile of their score, from stats).
    """
    import datetime as dt

    if not days:
        return ""
    first = dt.date.fromisoformat(days[0]["date"])
    columns = (len(days) + 6) // 7

    def shade(d: dict[str, Any]) -> str:
        return HEAT_SHADES[d["level"] - 1] if d["level"] else "·"

    month_row = [" "] * (columns * 2 + 2)
    free_from = 0  # labels never overlap
    for col in range(columns):
        month = (first + dt.timedelta(weeks=col)).month
        if col == 0 or month != (first + dt.timedelta(weeks=col - 1)).month:
            if col * 2 >= free_from:
                month_row[col * 2:col * 2 + 3] = list(MONTHS[month - 1])
                free_from = col * 2 + 4
    lines = ["    " + "".join(month_row).rstrip()]
    for weekday, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        cells = []
        for col in range(columns):
            index = col * 7 + weekday
            cells.append(shade(days[index]) + " " if index < len(days) else "  ")
        label = name if weekday % 2 == 0 else "   "
        lines.append(f"{label} " + "".join(cells).rstrip())
    lines.append("    less · " + " ".join(HEAT_SHADES) + " more")
    return "\n".join(lines)


def stats(data: dict[str, Any]) -> str:
    span = f"in {data['year']}" if data.get("year") else "all time"
    lines = [style(f"Reading stats ({span})", bold=True)]
    streak = data["streak_days"]
    lines.append(f"  Streak: {streak} day{'s' if streak != 1 else ''} "
                 f"(longest {data['longest_streak_days']}, {data['days_active']} active days)")
    hours, mins = divmod(data["minutes"], 60)
    lines.append(f"  Time: {data['minutes']:,} min ({hours:,} h {mins:02d} min)  ·  chapters finished: "
                 f"{data['chapters_finished']}  ·  revisits: {data['revisits']}")
    if data["true_retention"] is None:
        lines.append(f"  True retention: no revisits yet (aiming for {round(data['desired_retention'] * 100)}%)")
    else:
        actual, aim = data["true_retention"] * 100, data["desired_retention"] * 100
        verdict = "on target" if abs(actual - aim) < 3 else ("above target" if actual > aim else "below target")
        lines.append(f"  True retention: {actual:.0f}% of revisits not rated again "
                     f"(aiming for {aim:.0f}%, {verdict})")
    if data.get("heatmap"):
        lines += ["", style("Last 26 weeks", bold=True), heatmap(data["heatmap"])]
    recent = data["weeks"][-8:]
    if recent:
        lines += ["", style("Recent weeks", bold=True)]
        peak = max((w["minutes"] for w in recent), default=0)
        rows = [[w["week"], bar(w["minutes"], peak, 12) if peak else "", f"{w['minutes']} min",
                 f"{w['chapters']} chapters", f"{w['revisits']} revisits"] for w in recent]
        lines.append(table(rows, ["week", "", "minutes", "chapters", "revisits"]))
    return "\n".join(lines)
