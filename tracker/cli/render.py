"""Human output (SPEC §3, after the JSON shapes): bars, trees, tables, colour (only on a terminal; NO_COLOR respected).

Render functions take plain values (the dicts that `--json` prints), never sessions. On
a terminal, lines fit its width by one rule (tracker.cli.fitting): titles and notes may
be cut, nothing else; what still does not fit wraps.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from typing import Any

import click

from tracker.cli import fitting
from tracker.cli.app import clean  # noqa: F401 - render.clean for commands
from tracker.cli.fitting import ANSI, Bar, Cell, Cut, bar, clip, pad, width  # noqa: F401 - render.* for commands
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


def table(rows: Sequence[Sequence[Cell]], header: Sequence[str] | None = None, cut: Collection[int] = (1,)) -> str:
    """Columns padded to line up. On a terminal narrower than the table only the `cut`
    columns (titles, free text: the second column unless said) are cut, and a row that
    still does not fit goes on over indented lines (tracker.cli.fitting); off a terminal
    nothing is cut."""
    head = [[style(h, bold=True) if h else "" for h in header]] if header else []
    return "\n".join(fitting.table(head + [list(r) for r in rows], terminal_width(), cut))


def line(*parts: tuple[str, Cell], indent: int | None = None) -> str:
    """One line of (separator, part): on a terminal only its `Cut` parts are cut, and what
    still does not fit goes on over lines indented `indent` columns."""
    return "\n".join(fitting.line(parts, terminal_width(), indent))


def wrap(text: str, indent: int | None = None, sep: str = " ") -> str:
    """Prose, never cut: on a terminal each line too long wraps where `sep` stands."""
    return fitting.wrap(text, terminal_width(), indent, sep)


def books(items: list[dict[str, Any]], today: object) -> str:
    if not items:
        return "No books yet. Add one with: tracker book add TITLE"
    rows = []
    for b in items:
        status = style(b["status"], fg=BOOK_COLOUR.get(b["status"]))
        progress: Cell = Bar(b["read"], b["total"], 16, f"{b['read']}/{b['total']}") if b["total"] else "no chapters"
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
    lines = [line(("", Cut(style(book["title"], bold=True))), *([(" — ", Cut(authors))] if authors else []))]
    about = f"{book['slug']} · {book['status']} · "
    rating = [(" · ", rated(book["rating"]))] if book.get("rating") else []
    if book["total"]:
        lines.append(line(("", f"{about}{book['read']}/{book['total']} chapters read"),
                          (" ", Bar(book["read"], book["total"], 16)), *rating))
    else:
        lines.append(wrap(f"{about}no chapters (add them: tracker chapter add {book['slug']} 1 TITLE)"
                          + "".join(sep + text for sep, text in rating)))
    if book.get("url"):
        lines.append(book["url"])  # a URL cut is no URL
    if book.get("note"):
        lines += [line(("", Cut(style(text, dim=True)))) for text in book["note"].split("\n")]
    lines.append("")
    notes_by_chapter: dict[str | None, list[str]] = {}
    for n in book.get("notes", []):
        notes_by_chapter.setdefault(n["chapter"], []).append(n["note"])
    for c in book["chapters"]:
        indent = "  " * c["depth"]
        mark = STATUS_MARK.get(c["status"], " ")
        colour = "green" if c["status"] == "read" else ("cyan" if c["status"] == "reading" else None)
        star = style("★", fg="yellow") if c["favourite"] else " "
        extra: list[str] = []
        if c.get("progress") and c["status"] == "reading":
            extra.append(style(c["progress"], fg="cyan"))
        if c["due"]:
            extra.append(due(c["due"], days_until(c["due"], today)))
        if c["topics"]:
            extra.append(style("#" + " #".join(c["topics"]), dim=True))
        number = f"{style(mark, fg=colour)} {star} {indent}{c['number']}"
        lines.append(line(("", number), ("  ", Cut(c["title"])), *(("  ", text) for text in extra),
                          indent=width(number) + 2))
        for text in notes_by_chapter.get(c["number"], []):
            lines.append(line(("", f"      {indent}"), ("", Cut(style("✎ " + text.replace("\n", " "), dim=True)))))
    for text in notes_by_chapter.get(None, []):
        lines.append(line(("", Cut(style("✎ " + text.replace("\n", " "), dim=True)))))
    return "\n".join(lines)


def topics(items: list[dict[str, Any]]) -> str:
    rows = [[t["slug"], t["name"], plural(t["chapters"], "chapter"), plural(t["resources"], "resource"),
             "followed" if t.get("interest") else ""] for t in items]
    return table(rows) if rows else "No topics yet."


def log(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "The log is empty for that choice."
    out = []
    for e in rows:
        target = " ".join(x for x in (e["book"], e["chapter"]) if x) or (e["resource"] or "")
        details = []
        for key, fmt in (("minutes", "{} min"), ("percent", "{}%"), ("pages", "{} pages"), ("rating", "{}"),
                         ("until", "until {}")):
            if e.get(key) is not None:
                details.append(fmt.format(e[key]))
        note = [(" · " if details else "  ", Cut("“" + e["note"].replace("\n", " ") + "”"))] if e.get("note") else []
        out.append(line(("", f"{e['id']:>6}  {e['at'][:16].replace('T', ' ')}  {pad(e['event'], 11)}"),
                        (" ", target), ("  ", " · ".join(details)), *note, indent=8))
    return "\n".join(out)


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
    lines.append(f"  Streak: {plural(data['streak_days'], 'day')} "
                 f"(longest {data['longest_streak_days']}, {plural(data['days_active'], 'active day')})")
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
    lines = [wrap(text, indent=4, sep="  ·  ") for text in lines]  # prose: wrapped, never cut
    days = data.get("heatmap") or []
    limit = terminal_width()
    if limit is not None and 4 + 2 * ((len(days) + 6) // 7) > limit:  # the latest weeks that fit
        days = days[7 * ((len(days) + 6) // 7 - max(1, (limit - 3) // 2)):]
    if days:
        lines += ["", style(f"Last {plural((len(days) + 6) // 7, 'week')}", bold=True), heatmap(days)]
    recent = data["weeks"][-8:]
    if recent:
        lines += ["", style("Recent weeks", bold=True)]
        peak = max((w["minutes"] for w in recent), default=0)
        rows: list[list[Cell]] = [[w["week"], Bar(w["minutes"], peak, 12) if peak else "", f"{w['minutes']} min",
                                   plural(w["chapters"], "chapter"), plural(w["revisits"], "revisit")]
                                  for w in recent]
        lines.append(table(rows, ["week", "", "minutes", "chapters", "revisits"], cut=()))
    return "\n".join(lines)
