"""The report's charts as inline SVG (SPEC §5.4): plain values in, markup out.

Every chart is one `<svg role="img">` with a `<title>` (the chart's title), an
`aria-label` and a `<desc>` (its text alternative, in words), and a `<title>` on each
mark that a pointer shows; the numbers themselves are in the table beside it
(`tracker.formats.report_html`). Nothing here loads anything: no font, no image, no
script; colours are the page's CSS classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from tracker.words import plural

WIDTH = 900
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CELL, PITCH = 12, 15  # the heat map's squares and their spacing


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(value: float) -> str:
    """1234 -> '1,234'; 12.5 -> '12.5'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def chart(key: str, title: str, alternative: str, width: int, height: int, body: str) -> str:
    return (f'<svg id="{key}-chart" class="chart" role="img" aria-label="{esc(alternative)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{esc(title)}</title><desc>{esc(alternative)}</desc>{body}</svg>')


def _nice(top: float) -> float:
    """A round axis maximum at or above `top` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return 1
    power = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= top:
            return step * power
    return 10 * power


def text(x: float, y: float, words: str, cls: str = "axis", anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{esc(words)}</text>'


def _rect(x: float, y: float, w: float, h: float, cls: str, tip: str) -> str:
    return (f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(w, 0.6):.2f}" height="{h:.2f}" class="{cls}">'
            f'<title>{esc(tip)}</title></rect>')


def _y_axis(left: float, top: float, width: float, height: float, maximum: float, unit: str) -> str:
    parts = []
    for k in (0, 0.5, 1):
        y = top + height - height * k
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(text(left - 6, y + 4, f"{num(maximum * k)}{unit}", anchor="end"))
    return "".join(parts)


def spaced(labels: Sequence[tuple[int, str]], slot: float, room: float) -> list[tuple[int, str]]:
    """The axis labels (index, text) that fit: one is left out when the next one starts
    less than `room` pixels after it (slots `slot` wide), so the later one shows."""
    kept = []
    for n, (i, words) in enumerate(labels):
        following = labels[n + 1][0] if n + 1 < len(labels) else None
        if following is None or (following - i) * slot >= room:
            kept.append((i, words))
    return kept


def bars(values: Sequence[float], tips: Sequence[str], labels: Sequence[tuple[int, str]], *, top: float,
         height: float, cls: str, unit: str = "", cap: float | None = None, over_cls: str = "") -> str:
    """A bar chart's marks in a band `height` high from `top`: one bar per value, labels
    (index, text) under it, a y axis; `cap` draws a dashed line and bars over it in `over_cls`."""
    left, width = 64, WIDTH - 64 - 12
    maximum = _nice(max([*values, cap or 0, 1]))
    slot = width / max(1, len(values))
    parts = [_y_axis(left, top, width, height, maximum, unit)]
    for i, (value, tip) in enumerate(zip(values, tips)):
        h = height * value / maximum
        over = cap is not None and value > cap and over_cls
        parts.append(_rect(left + i * slot + slot * 0.12, top + height - h, slot * 0.76, h, over or cls, tip))
    for i, label in spaced(labels, slot, 34):
        parts.append(text(left + i * slot, top + height + 15, label))
    if cap is not None:
        y = top + height - height * cap / maximum
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" class="cap">'
                     f'<title>{esc(f"max_revisits_per_day: {num(cap)}")}</title></line>')
        parts.append(text(left + width, y - 5, f"cap {num(cap)} a day", cls="cap-label", anchor="end"))
    return "".join(parts)


def heatmap(days: Sequence[dict[str, Any]]) -> tuple[str, int, int]:
    """A calendar of squares, one column a week (Monday on top), shaded by the day's
    `level` (0 nothing, 1–4 the quartile of its activity); (marks, width, height)."""
    first = dt.date.fromisoformat(days[0]["date"])
    monday = first - dt.timedelta(days=first.weekday())
    left, top = 34, 20
    parts = []
    months: list[tuple[int, str]] = []
    columns = 0
    for d in days:
        day = dt.date.fromisoformat(d["date"])
        col, row = (day - monday).days // 7, day.weekday()
        columns = max(columns, col + 1)
        x, y = left + col * PITCH, top + row * PITCH
        minutes = f"{num(d['minutes'])} min" if d["minutes"] else ("logged, no minutes" if d["events"] else "nothing")
        parts.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" class="heat{d["level"]}">'
                     f'<title>{esc(day.isoformat())}: {esc(minutes)}</title></rect>')
        if day.day == 1 or not months:
            months.append((col + (day.weekday() > 0 and day.day == 1), MONTHS[day.month - 1]))
    for col, name in spaced(months, PITCH, 30):
        parts.append(text(left + col * PITCH, top - 7, name))
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        parts.append(text(left - 6, top + row * PITCH + CELL - 2, name, anchor="end"))
    legend_y = top + 7 * PITCH + 10
    parts.append(text(left, legend_y + CELL - 2, "less"))
    for level in range(5):
        parts.append(f'<rect x="{left + 32 + level * PITCH}" y="{legend_y}" width="{CELL}" height="{CELL}" rx="2" '
                     f'class="heat{level}"/>')
    parts.append(text(left + 32 + 5 * PITCH + 4, legend_y + CELL - 2, "more"))
    width = max(left + columns * PITCH + 8, 260)
    return "".join(parts), width, legend_y + CELL + 6


def line(points: Sequence[float | None], tips: Sequence[str], labels: Sequence[tuple[int, str]], *,
         target: float, height: int = 200) -> tuple[str, int]:
    """A percentage line (gaps where a point is None), 0–100%, with a dashed target."""
    left, top, width = 64, 14, WIDTH - 64 - 20
    slot = width / max(1, len(points))
    # From 0%, or from 50% when every point and the target are above it (the axis says so).
    low = 0.5 if min([p for p in points if p is not None] + [target]) >= 0.5 else 0.0
    parts = []
    for k in (0, 0.5, 1):
        y = top + height - height * k
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(text(left - 6, y + 4, f"{num((low + (1 - low) * k) * 100)}%", anchor="end"))

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + slot * (i + 0.5), top + height - height * (value - low) / (1 - low)

    run: list[str] = []
    for i, value in enumerate([*points, None]):
        if value is None:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" class="trend"/>')
            run = []
            continue
        x, y = xy(i, value)
        run.append(f"{x:.1f},{y:.1f}")
    for i, (value, tip) in enumerate(zip(points, tips)):
        if value is not None:
            x, y = xy(i, value)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot"><title>{esc(tip)}</title></circle>')
    y = xy(0, target)[1]
    parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" class="target"/>')
    parts.append(text(left + width, y - 5, f"desired {num(target * 100)}%", cls="target-label", anchor="end"))
    for i, label in spaced(labels, slot, 34):
        parts.append(text(left + slot * i, top + height + 15, label))
    return "".join(parts), top + height + 24


def progress(rows: Sequence[tuple[str, int, int, str]]) -> tuple[str, int]:
    """One horizontal bar per (label, read, total, class): the share of chapters read."""
    left, bar_width, pitch = 300, WIDTH - 300 - 80, 20
    parts = []
    for n, (label, read, total, cls) in enumerate(rows):
        y = 6 + n * pitch
        share = read / total if total else 0
        short = label if len(label) <= 44 else label[:43] + "…"
        parts.append(text(left - 8, y + 12, short, cls="label", anchor="end"))
        if not total:  # a book without chapters (a Goodreads import): no bar to fill
            parts.append(text(left, y + 12, "no chapters", cls="label"))
            continue
        parts.append(f'<rect x="{left}" y="{y}" width="{bar_width}" height="14" class="track"/>')
        parts.append(_rect(left, y, bar_width * share, 14, cls, f"{label}: {read} of {plural(total, 'chapter')} read"))
        parts.append(text(left + bar_width + 8, y + 12, f"{read}/{total}"))
    return "".join(parts), 12 + len(rows) * pitch
