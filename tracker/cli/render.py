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

STATUS_MARK = {"read": "✓", "reading": "…", "unread": " "}
BOOK_COLOUR = {"read": "green", "reading": "cyan", "stopped": "yellow", "to-read": None}


def plural(count: object, word: str, many: str | None = None) -> str:
    """'1 chapter', '3 chapters' (`many` for irregular plurals)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


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
    if book.get("url"):
        lines.append(book["url"])
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
    rows = [[t["slug"], t["name"], plural(t["chapters"], "chapter"), plural(t["resources"], "resource"),
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
    own = plan.get("own_day", True)
    if revisits:
        lines.append(style(f"Revisit today ({plan['date']})" if own else f"Revisit on {plan['date']}", bold=True))
        rows = []
        for r in revisits:
            overdue = f"{plural(r['overdue_days'], 'day')} overdue" if r["overdue_days"] else "due today"
            rows.append([f"  {r['book']} {r['chapter']}", clip(r["title"], 40),
                         style(f"{overdue}, recall {round(r['recall'] * 100)}%, "
                               f"good → {days_phrase(r['good_days'])}", dim=True)])
        lines.append(table(rows))
        if plan["more_due"]:
            lines.append(f"  … and {plan['more_due']} more due (tracker agenda)")
        first = revisits[0]
        lines.append(style(f"  log one: tracker revisit {first['book']} {first['chapter']} good", dim=True))
    else:
        nothing = "Nothing to revisit today" if own else f"Nothing to revisit on {plan['date']}"
        nxt = plan.get("next_due")
        if nxt is not None:
            lines.append(f"{nothing}; the next revisit is {nxt['book']} {nxt['chapter']} "
                         f"{clip(nxt['title'], 40)}, due {nxt['date']} ({days_phrase(nxt['days'])}).")
        elif plan["continue"] or not plan.get("start_hint"):
            lines.append(style(f"{nothing}.", dim=True))
        else:
            lines.append(plan["start_hint"])
    if plan["continue"]:
        lines.append("")
        lines.append(style("Continue reading", bold=True))
        lines.append(table([[f"  {c['book']} {c['chapter']}", clip(c["title"], 40),
                              style(f"{c['read']}/{c['total']} chapters read", dim=True)]
                             for c in plan["continue"]]))
    if plan["suggestions"]:
        lines.append("")
        lines.append(style("Read next", bold=True))
        lines.append(table([[f"  {clip(s['title'], 50)}", s["kind"], style(s["why"], dim=True)]
                             for s in plan["suggestions"]]))
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
    """Days with revisits, each with its load drawn against the cap; empty days are
    counted, not listed."""
    busy = [d for d in days if d["revisits"]]
    if not busy:
        return f"Nothing falls due in these {plural(len(days), 'day')} ({days[0]['date']} to {days[-1]['date']})."
    lines = []
    size = max(width(load_bar(len(d["revisits"]), d["cap"])) for d in busy)
    for d in busy:
        count = len(d["revisits"])
        lines.append(style(f"{d['date']}  {pad(load_bar(count, d['cap']), size)}  {load_count(count, d['cap'])}",
                           bold=True))
        lines.append(table([[f"    {r['book']} {r['chapter']}", r["title"],
                             style(f"{plural(r['overdue_days'], 'day')} overdue", dim=True)
                             if r.get("overdue_days") else ""] for r in d["revisits"]]))
    free = len(days) - len(busy)
    if free:
        lines.append(style(f"({plural(free, 'day')} with nothing due)", dim=True))
    return "\n".join(lines)


LOAD_CELLS = 30  # the widest a load bar gets: one cell a revisit up to this, then scaled


def load_bar(count: int, cap: int) -> str:
    """A day's load against the cap: █ a revisit within the cap, ░ room left, ▓ over the cap."""
    scale = min(1.0, LOAD_CELLS / max(count, cap, 1))
    within, room, over = min(count, cap), max(0, cap - count), max(0, count - cap)
    cells = [round(n * scale) for n in (within, room, over)]
    if over and not cells[2]:
        cells[2] = 1  # a day over the cap always shows it
    return "█" * cells[0] + "░" * cells[1] + "▓" * cells[2]


def load_count(count: int, cap: int) -> str:
    text = f"{count}/{cap} {'revisit' if count == 1 else 'revisits'}"
    return text + (f" ({count - cap} over the cap)" if count > cap else "")


def catch_up(result: dict[str, Any]) -> str:
    """`catch-up`: each day's load from today on, and what was (or would be) moved."""
    backlog, cap = result["backlog"], result["cap"]
    if not backlog:
        return "Nothing is overdue: there is no backlog to catch up on."
    lines = [f"Backlog: {plural(backlog, 'overdue revisit')}; at most {cap} a day (max_revisits_per_day)."]
    days = result["days"]
    size = max(width(load_bar(d["load"], cap)) for d in days)
    for d in days:
        what = (f"today: {d['placed']} overdue kept, lowest recall first" if d["today"] and d["placed"]
                else f"+{d['placed']} moved here" if d["placed"] else "")
        lines.append(f"{d['date']}  {pad(load_bar(d['load'], cap), size)}  {pad(load_count(d['load'], cap), 14)}  "
                     + style(what, dim=True))
    moved = result["moved"]
    if not moved:
        lines.append("The whole backlog fits in today's room: nothing to move.")
    elif result["dry_run"]:
        lines.append(f"Dry run: nothing changed. Without --dry-run, {plural(moved, 'revisit')} would be snoozed "
                     f"to the days above.")
    else:
        lines.append(f"Snoozed {plural(moved, 'revisit')} to the days above, as one change "
                     "(tracker undo takes it back).")
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


# --- stats (appended for `tracker stats`) ------------------------------------------------

HEAT_SHADES = "░▒▓█"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def heatmap(days: list[dict[str, Any]]) -> str:
    """A GitHub-style calendar: 7 rows (Mon..Sun) × one column per week, shaded by activity.

    `days` runs from a Monday to the last day shown; a day with nothing is `·`, others
    take one of four shades by the quartile of their score among the active days.
    """
    import datetime as dt

    if not days:
        return ""
    first = dt.date.fromisoformat(days[0]["date"])
    columns = (len(days) + 6) // 7
    scores = sorted(d["score"] or d["events"] for d in days if d["events"])
    cuts = [scores[min(len(scores) - 1, (len(scores) * k) // 4)] for k in (1, 2, 3)] if scores else []

    def shade(d: dict[str, Any]) -> str:
        if not d["events"]:
            return "·"
        value = d["score"] or d["events"]
        return HEAT_SHADES[sum(1 for cut in cuts if value > cut)]

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
