"""Human output of the plan (SPEC §3 `today`, `agenda`, `catch-up`; §4.1 load against the cap):
the daily plan, the days ahead with each day's load drawn against `max_revisits_per_day`.

Render functions take plain values (the dicts that `--json` prints), never sessions.
"""

from __future__ import annotations

from typing import Any

from tracker.cli.render import pad, plural, style, table, width, wrap


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
            rows.append([f"  {r['book']} {r['chapter']}", r["title"],
                         style(f"{overdue}, recall {round(r['recall'] * 100)}%, "
                               f"good → {days_phrase(r['good_days'])}", dim=True)])
        lines.append(table(rows))
        if plan["more_due"]:
            lines.append(wrap(f"  … and {plan['more_due']} more due (tracker agenda)"))
        first = revisits[0]
        lines.append(style(f"  log one: tracker revisit {first['book']} {first['chapter']} good", dim=True))
    else:
        nothing = "Nothing to revisit today" if own else f"Nothing to revisit on {plan['date']}"
        nxt = plan.get("next_due")
        if nxt is not None:
            lines.append(wrap(f"{nothing}; the next revisit is {nxt['book']} {nxt['chapter']} "
                              f"{nxt['title']}, due {nxt['date']} ({days_phrase(nxt['days'])})."))
        elif plan["continue"] or not plan.get("start_hint"):
            lines.append(style(f"{nothing}.", dim=True))
        else:
            lines.append(wrap(plan["start_hint"]))
    if plan["continue"]:
        lines.append("")
        lines.append(style("Continue reading", bold=True))
        lines.append(table([[f"  {c['book']} {c['chapter']}", c["title"],
                              style(" · ".join(([c["progress"]] if c.get("progress") else [])
                                               + [f"{c['read']}/{c['total']} chapters read"]), dim=True)]
                             for c in plan["continue"]]))
    if plan["suggestions"]:
        lines.append("")
        lines.append(style("Read next", bold=True))
        lines.append(table([[f"  {s['title']}", s["kind"], style(s["why"], dim=True)]
                            for s in plan["suggestions"]], cut=(0,)))
    return "\n".join(lines)


def today_short(short: dict[str, Any]) -> str:
    """`today --short`'s one line (`plan.short`), in the words of the prompt's fast path."""
    from tracker.prompt_line import words

    first = short["continue"][0] if short["continue"] else None
    return words(short["due"], first["book"] if first else None, first["chapter"] if first else None)


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
    """`catch-up`: each day's load from today on (the empty ones counted, not listed), and
    what was (or would be) moved."""
    backlog, cap, spread = result["backlog"], result["cap"], result.get("spread")
    if not backlog:
        return "Nothing is overdue: there is no backlog to catch up on."
    days = result["days"]
    over = any(d["load"] > cap for d in days)
    if spread is None:
        limit = f"at most {cap} a day (max_revisits_per_day)"
    else:  # each of the N days takes at most ceil(backlog / N), over the cap only if it must
        limit = (f"spread over {plural(spread, 'day')}: at most {-(-backlog // spread)} of them a day"
                 + (f", over the cap of {cap} (max_revisits_per_day) where those days cannot hold them otherwise"
                    if over else ""))
    lines = [f"Backlog: {plural(backlog, 'overdue revisit')}; {limit}."]
    busy = [d for d in days if d["load"]]
    size = max(width(load_bar(d["load"], cap)) for d in busy)
    counted = max([14] + [width(load_count(d["load"], cap)) for d in busy])
    for d in busy:
        what = (f"today: {d['placed']} overdue kept, lowest recall first" if d["today"] and d["placed"]
                else f"+{d['placed']} moved here" if d["placed"] else "")
        lines.append(f"{d['date']}  {pad(load_bar(d['load'], cap), size)}  {pad(load_count(d['load'], cap), counted)}  "
                     f"{style(what, dim=True) if what else ''}".rstrip())
    if len(busy) < len(days):
        lines.append(style(f"({plural(len(days) - len(busy), 'day')} with nothing due)", dim=True))
    moved = result["moved"]
    if not moved and not over:
        lines.append("The whole backlog fits in today's room: nothing to move.")
    elif not moved:
        lines.append(f"Nothing to move: over {plural(spread or 1, 'day')} the whole backlog stays today, "
                     f"{days[0]['load'] - cap} over the cap.")
    elif result["dry_run"]:
        lines.append(f"Dry run: nothing changed. Without --dry-run, {plural(moved, 'revisit')} would be snoozed "
                     f"to the days above.")
    else:
        lines.append(f"Snoozed {plural(moved, 'revisit')} to the days above, as one change "
                     "(tracker undo takes it back).")
    return "\n".join(lines)
