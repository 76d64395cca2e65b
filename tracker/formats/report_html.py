"""The report as one self-contained HTML page (SPEC §5.4): plain values in, a page out.

Inline CSS and SVG only: no script, and nothing the browser would fetch (no font,
image or style sheet; a Content-Security-Policy of `default-src 'none'` says so to the
browser too). Every chart has a title, a text alternative and its numbers in a table
beside it. The reader's text (titles) is escaped; nothing else comes from outside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tracker.formats import report_svg as svg
from tracker.formats.report_svg import MONTHS, esc, num
from tracker.words import plural

CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --paper: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 0 0 4px; }
.made, .note { color: var(--muted); margin: 0 0 16px; }
section, figure { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  margin: 0 0 20px; padding: 16px 18px; }
figure figcaption p { color: var(--muted); margin: 0 0 10px; }
.empty { font-size: 17px; font-weight: 600; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; margin: 0; }
.totals div { border-left: 4px solid #2da44e; padding: 2px 10px; }
.totals dt { color: var(--muted); font-size: 13px; } .totals dd { margin: 0; font-size: 22px; font-weight: 600; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; margin: 4px 0 10px; }
.scroll { max-height: 30rem; overflow: auto; margin-bottom: 10px; }
.table { max-height: 22rem; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
caption { text-align: left; padding: 6px 8px; color: var(--muted); }
th, td { padding: 3px 8px; border-bottom: 1px solid #eaeef2; text-align: right; }
th:first-child, td:first-child, .text { text-align: left; }
thead th { position: sticky; top: 0; background: #f6f8fa; }
td.over { color: #cf222e; font-weight: 600; }
.axis { font-size: 11px; fill: var(--muted); } .label { font-size: 12px; fill: var(--ink); }
.grid { stroke: #eaeef2; stroke-width: 1; }
.minutes { fill: #2da44e; } .revisits { fill: #8250df; } .due { fill: #0969da; } .over { fill: #cf222e; }
.reading { fill: #1a7f37; } .read { fill: #8c959f; } .track { fill: #eaeef2; } .recall { fill: #bf8700; }
.cap { stroke: #cf222e; stroke-width: 2; stroke-dasharray: 6 4; } .cap-label { font-size: 12px; fill: #cf222e; }
.target { stroke: #bf8700; stroke-width: 1.5; stroke-dasharray: 5 4; } .target-label { font-size: 12px; fill: #9a6700; }
.trend { fill: none; stroke: #0969da; stroke-width: 2; } .dot { fill: #0969da; }
.heat0 { fill: #ebedf0; } .heat1 { fill: #9be9a8; } .heat2 { fill: #40c463; } .heat3 { fill: #30a14e; }
.heat4 { fill: #216e39; }
@media print { body { background: #fff; } .table { max-height: none; overflow: visible; } }
"""

POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
RECALL_BANDS = 10
LONG_CHART = 24  # books: more than this many bars scroll in their own box


def render(report: dict[str, Any]) -> str:
    """The whole page."""
    stats = report["stats"]
    span = f"in {report['year']}" if report["year"] is not None else "all time"
    parts = [f"<h1>Your reading, {esc(span)}</h1>",
             f'<p class="made">Made by tracker on {esc(report["made"].replace("T", " "))}. '
             "Every chart has its numbers in the table under it.</p>",
             _totals(stats, span)]
    if stats["days_active"]:
        parts += [_heatmap(stats["heatmap"]), _weeks(stats["weeks"]),
                  _retention(stats["months"], report["desired_retention"])]
    parts.append(f'<h2 class="now">As things stand on {esc(report["date"])}</h2>')
    parts += [_ahead(report["ahead"], report["max_revisits_per_day"]), _books(report["books"]),
              _favourites(report["favourites"], report["desired_retention"])]
    title = f"Your reading, {span} — tracker"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]], over: int | None = None) -> str:
    """A table of the numbers behind a chart, scrolling when long; cells are escaped.
    A row's cell is a value, or (value, "text") for a left-aligned cell."""
    first = rows[0] if rows else ()
    texts = {i for i, cell in enumerate(first) if isinstance(cell, tuple) and cell[1] == "text"}
    head = "".join(f'<th scope="col" class="text">{esc(h)}</th>' if i in texts else f'<th scope="col">{esc(h)}</th>'
                   for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            value, cls = cell if isinstance(cell, tuple) else (cell, "")
            if over is not None and i == 1 and isinstance(value, int) and value > over:
                cls = "over"
            attrs = (' scope="row"' if i == 0 else "") + (f' class="{cls}"' if cls else "")
            tag = "th" if i == 0 else "td"
            cells.append(f"<{tag}{attrs}>{esc(value)}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table" tabindex="0"><table><caption>{esc(caption)}</caption><thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table></div>')


def _figure(key: str, title: str, lead: str, chart: str, table: str) -> str:
    return (f'<figure id="{key}"><figcaption><h2>{esc(title)}</h2><p>{esc(lead)}</p></figcaption>'
            f"{chart}{table}</figure>")


def _count(value: float, word: str) -> str:
    """'1 minute', '1,234 minutes'."""
    return plural(value, word, shown=num(value))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _totals(stats: dict[str, Any], span: str) -> str:
    if not stats["days_active"]:
        what = f"No reading or revisits logged {span}." if stats["year"] is not None else \
            "No reading or revisits logged yet: log a session with `tracker read BOOK CHAPTER`."
        return f'<section id="totals"><h2>Totals</h2><p class="empty">{esc(what)}</p></section>'
    hours, minutes = divmod(stats["minutes"], 60)
    items = [("Time reading", f"{hours:,} h {minutes:02d} min"), ("Chapters finished", num(stats["chapters_finished"])),
             ("Revisits", num(stats["revisits"])),
             ("True retention", f"{_pct(stats['true_retention'])} (aim {_pct(stats['desired_retention'])})"),
             ("Current streak", plural(stats["streak_days"], "day")),
             ("Longest streak", plural(stats["longest_streak_days"], "day")),
             ("Active days", num(stats["days_active"]))]
    cells = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in items)
    return f'<section id="totals"><h2>Totals, {esc(span)}</h2><dl class="totals">{cells}</dl></section>'


def _heatmap(days: list[dict[str, Any]]) -> str:
    marks, width, height = svg.heatmap(days)
    active = [d for d in days if d["events"]]
    busiest = max(days, key=lambda d: d["minutes"])
    alternative = (f"Minutes read per day from {days[0]['date']} to {days[-1]['date']}: "
                   f"{_count(sum(d['minutes'] for d in days), 'minute')} on {plural(len(active), 'active day')}"
                   + (f"; the busiest day was {busiest['date']} with {_count(busiest['minutes'], 'minute')}."
                      if busiest["minutes"] else "."))
    title = "Reading minutes per day"
    weeks: dict[str, list[str]] = {}
    for d in days:
        day = dt.date.fromisoformat(d["date"])
        monday = (day - dt.timedelta(days=day.weekday())).isoformat()
        weeks.setdefault(monday, [""] * 7)[day.weekday()] = num(d["minutes"])
    rows = [[monday, *cells] for monday, cells in weeks.items()]
    while len(rows) > 1 and all(cell in ("", "0") for cell in rows[0][1:]):
        rows.pop(0)  # the weeks before the first reading shown: nothing to read in them
    table = _table("Minutes read each day, a row a week from the first with reading (empty: outside the period)",
                   ["week of", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], rows)
    return _figure("heatmap", title, "Darker squares are days with more reading (a session logged without "
                   "minutes counts as 10).", svg.chart("heatmap", title, alternative, width, height, marks), table)


def _axis_labels(dates: Sequence[dt.date], *, by_year: bool) -> list[tuple[int, str]]:
    """Where the month (or, over long spans, the year) changes: (index, label)."""
    labels, last = [], None
    for i, day in enumerate(dates):
        key = day.year if by_year else (day.year, day.month)
        if key != last:
            labels.append((i, str(day.year) if by_year else MONTHS[day.month - 1]))
            last = key
    step = max(1, len(labels) // 14)  # never crowded
    return labels[::step]


def _weeks(weeks: list[dict[str, Any]]) -> str:
    dates = [dt.date.fromisoformat(w["from"]) for w in weeks]
    labels = _axis_labels(dates, by_year=len(weeks) > 60)
    tips_m = [f"week of {w['from']}: {num(w['minutes'])} min" for w in weeks]
    tips_r = [f"week of {w['from']}: {plural(w['revisits'], 'revisit')}" for w in weeks]
    marks = (svg.text(64, 14, "minutes", cls="label")
             + svg.bars([w["minutes"] for w in weeks], tips_m, labels, top=22, height=150, cls="minutes")
             + svg.text(64, 218, "revisits", cls="label")
             + svg.bars([w["revisits"] for w in weeks], tips_r, labels, top=226, height=110, cls="revisits"))
    busiest = max(weeks, key=lambda w: w["minutes"])
    title = "Minutes and revisits per week"
    alternative = (f"{title} from the week of {weeks[0]['from']} to the week of {weeks[-1]['from']}: "
                   f"{_count(sum(w['minutes'] for w in weeks), 'minute')} and "
                   f"{_count(sum(w['revisits'] for w in weeks), 'revisit')} in {plural(len(weeks), 'week')}; "
                   f"the busiest week was {busiest['week']} with {_count(busiest['minutes'], 'minute')}.")
    table = _table("Each week: minutes read, chapters finished, revisits", ["week", "from", "minutes", "chapters",
                   "revisits"], [[w["week"], w["from"], num(w["minutes"]), w["chapters"], w["revisits"]]
                                 for w in weeks])
    return _figure("weeks", title, "Green: minutes of reading and revisiting. Purple: revisits.",
                   svg.chart("weeks", title, alternative, svg.WIDTH, 360, marks), table)


def _retention(months: list[dict[str, Any]], desired: float) -> str:
    dates = [dt.date.fromisoformat(m["month"] + "-01") for m in months]
    labels = _axis_labels(dates, by_year=len(months) > 24)
    points = [m["true_retention"] for m in months]
    tips = [f"{m['month']}: {_pct(m['true_retention'])} of {plural(m['revisits'], 'revisit')}" for m in months]
    marks, height = svg.line(points, tips, labels, target=desired)
    known = [m for m in months if m["true_retention"] is not None]
    title = "True retention per month"
    if known:
        low, high = min(known, key=lambda m: m["true_retention"]), max(known, key=lambda m: m["true_retention"])
        revisits, passed = sum(m["revisits"] for m in months), sum(m["passed"] for m in months)
        alternative = (f"{title} from {months[0]['month']} to {months[-1]['month']}, the share of revisits not "
                       f"rated again: {_pct(passed / revisits)} of {_count(revisits, 'revisit')} in all, against a "
                       f"desired {_pct(desired)}; lowest {_pct(low['true_retention'])} in {low['month']}, highest "
                       f"{_pct(high['true_retention'])} in {high['month']}.")
    else:
        alternative = f"{title}: no revisits in this period, so no retention to show."
    table = _table("Each month: revisits, those not rated again, true retention",
                   ["month", "revisits", "not again", "true retention"],
                   [[m["month"], m["revisits"], m["passed"], _pct(m["true_retention"])] for m in months])
    return _figure("retention", title, f"The share of revisits not rated again; the dashed line is your "
                   f"desired retention ({_pct(desired)}). Months without revisits are gaps.",
                   svg.chart("retention", title, alternative, svg.WIDTH, height, marks), table)


def _ahead(days: list[dict[str, Any]], cap: int) -> str:
    dates = [dt.date.fromisoformat(d["date"]) for d in days]
    labels = _axis_labels(dates, by_year=False)
    values = [d["revisits"] for d in days]
    tips = [f"{d['date']}: {d['revisits']} due" + (" (overdue ones included)" if i == 0 else "")
            for i, d in enumerate(days)]
    marks = svg.bars(values, tips, labels, top=14, height=180, cls="due", cap=cap, over_cls="over")
    busiest = max(days, key=lambda d: d["revisits"])
    over = sum(1 for v in values if v > cap)
    title = f"Revisits due per day, next {len(days)} days"
    alternative = (f"{title} ({days[0]['date']} to {days[-1]['date']}): {num(sum(values))} in all"
                   + (f"; the busiest day is {busiest['date']} with {busiest['revisits']}" if busiest["revisits"]
                      else "") + f"; {plural(over, 'day')} over the cap of {cap} a day.")
    table = _table(f"Revisits due each day (cap: max_revisits_per_day = {cap}; the first day holds the overdue)",
                   ["date", "revisits due"], [[d["date"], d["revisits"]] for d in days], over=cap)
    return _figure("ahead", title, f"The dashed line is max_revisits_per_day ({cap}); days over it are red.",
                   svg.chart("ahead", title, alternative, svg.WIDTH, 220, marks), table)


def _books(books: list[dict[str, Any]]) -> str:
    title = "Progress of each book being read or read"
    if not books:
        return (f'<section id="books"><h2>{esc(title)}</h2><p class="empty">No book started yet: '
                "tracker read BOOK CHAPTER starts one.</p></section>")
    rows = [(b["title"], b["read"], b["total"], "reading" if b["status"] == "reading" else "read") for b in books]
    marks, height = svg.progress(rows)
    reading = sum(1 for b in books if b["status"] == "reading")
    alternative = (f"Chapters read of {plural(len(books), 'book')}: {reading} being read, {len(books) - reading} read; "
                   + "; ".join(f"{b['title']} " + (f"{b['read']} of {b['total']}" if b["total"] else "no chapters")
                               for b in books[:10])
                   + ("; and more in the table." if len(books) > 10 else "."))
    table = _table("Each book: status and chapters read (top-level chapters)",
                   ["book", "slug", "status", "read", "chapters", "share"],
                   [[(b["title"], "text"), (b["slug"], "text"), (b["status"], "text"), b["read"], b["total"],
                     _pct(b["read"] / b["total"] if b["total"] else None)] for b in books])
    chart = svg.chart("books", title, alternative, svg.WIDTH, height, marks)
    if len(books) > LONG_CHART:
        chart = f'<div class="scroll" tabindex="0">{chart}</div>'  # its own scroll, like a long table
    return _figure("books", title, "Dark green: being read. Grey: read.", chart, table)


def _favourites(favourites: list[dict[str, Any]], desired: float) -> str:
    title = "Your favourites: recall now and next revisit"
    if not favourites:
        return (f'<section id="favourites"><h2>{esc(title)}</h2><p class="empty">No favourite chapters yet: '
                "tracker fav BOOK CHAPTER plans revisits of one.</p></section>")
    bands = [0] * RECALL_BANDS
    for f in favourites:
        bands[min(RECALL_BANDS - 1, int(f["recall"] * RECALL_BANDS))] += 1
    names = [f"{k * 10}–{k * 10 + 10}%" for k in range(RECALL_BANDS)]
    marks = svg.bars(bands, [f"recall {n}: {plural(c, 'favourite')}" for n, c in zip(names, bands)],
                     [(k, names[k]) for k in range(RECALL_BANDS)], top=14, height=160, cls="recall")
    from statistics import median

    recalls = [f["recall"] for f in favourites]
    below = sum(1 for r in recalls if r < desired)
    alternative = (f"Recall now of your {plural(len(favourites), 'favourite chapter')}, in bands of 10%: median "
                   f"{_pct(median(recalls))}; {below} below the desired {_pct(desired)}; "
                   + ", ".join(f"{c} at {n}" for n, c in zip(names, bands) if c) + ".")
    chart = svg.chart("favourites", title, alternative, svg.WIDTH, 200, marks)
    band_table = _table("Favourites by recall now", ["recall", "favourites"], [[n, c] for n, c in zip(names, bands)])
    table = _table("Each favourite: recall now (the chance you remember it) and next revisit, next due first",
                   ["book", "chapter", "title", "recall now", "next due", "overdue"],
                   [[(f["book"], "text"), (f["chapter"], "text"), (f["title"], "text"), _pct(f["recall"]), f["due"],
                     plural(f["overdue_days"], "day") if f["overdue_days"] else ""] for f in favourites])
    return _figure("favourites", title, "How likely you are to remember each favourite chapter today (FSRS), "
                   "and when it is next due.", chart, band_table + table)
