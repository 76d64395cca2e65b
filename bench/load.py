"""The simulated reader of SPEC §7 ("Revisit load"): how smooth is the revisit plan for
a reader who keeps up?

    python bench/load.py [--seeds 0-9] [--days 365] [--favourites 300] [--cap 10] [--json]

For each seed, a new library (SQLite, in a temporary folder) and a year of days. Each
day, at noon: the load is counted (the favourites due that day as they stand at its
start: due on it or before, as `today` counts them), the reader does what `today`
shows (at most `max_revisits_per_day` = the cap, most overdue first), rating each
revisit `again` with probability 1 - recall at noon (the recall `today` shows), else
`good`; then favourites the chapters of that day. The 300 favourites fall on days
drawn at random over the year (each independently: some days get several), all with
the first-pass grade `good`. The ratings and the days come from `random.Random(seed)`.
`--distinct-days` reads "300 favourites added at random days" the other way: 300
different days, one favourite each.

It drives tracker's own use cases in-process (the code paths of `tracker today`,
`tracker read`, `tracker fav` and `tracker revisit`, each write one change), not a
copy of the rules: what is measured is the installed package's scheduling.

Printed per seed, over the last 90 days: the mean load, the busiest day, their ratio,
the coefficient of variation, how many revisits of the busiest day came from intervals
under 3 days (which SPEC §4.1 does not balance: lapses, new favourites), and the days
over the cap while a day one of their cards could have been placed on had room (a day
of its balancing window whose own load, at its start, was under the cap: moving the
card there would have kept both within it). Then the budget row: the median
ratio over the seeds (≤ 1.6) and whether any such day was seen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUDGET = 1.6
LAST = 90
START = dt.date(2026, 1, 5)
BOOKS, CHAPTERS = 10, 30  # 300 chapters: one for each favourite


@dataclass
class Seed:
    seed: int
    loads: list[int]  # per day, at its start
    unbalanced: list[int]  # per day, of its load: cards placed by an interval under 3 days
    over_cap_with_room: list[str] = field(default_factory=list)
    revisits: int = 0

    @property
    def unbalanced_busiest(self) -> int:
        last = self.last
        return self.unbalanced[-LAST:][last.index(max(last))]

    @property
    def even(self) -> float:
        """Busiest ÷ mean had the balanced part been perfectly even (as many days as can
        hold one more get it, the days drawn at random, independently of the unbalanced
        arrivals that no balancer sees coming): the median of 200 draws."""
        unbalanced = self.unbalanced[-LAST:]
        balanced = sum(self.last) - sum(unbalanced)
        low, high = divmod(balanced, LAST)
        peaks = []
        for k in range(200):
            even = [low + 1] * high + [low] * (LAST - high)
            random.Random(k).shuffle(even)
            peaks.append(max(u + b for u, b in zip(unbalanced, even)))
        return statistics.median(peaks) / self.mean

    @property
    def last(self) -> list[int]:
        return self.loads[-LAST:]

    @property
    def mean(self) -> float:
        return statistics.mean(self.last)

    @property
    def busiest(self) -> int:
        return max(self.last)

    @property
    def ratio(self) -> float:
        return self.busiest / self.mean

    @property
    def cv(self) -> float:
        return statistics.pstdev(self.last) / self.mean


def window(interval: int) -> int:
    """SPEC §4.1: about ±5% of the interval, at least ±1 day; none under 3 days."""
    return max(1, round(interval * 0.05)) if interval >= 3 else 0


class Reader:
    """One simulated reader in one library, driven through tracker's use cases."""

    def __init__(self, folder: Path, cap: int) -> None:
        os.environ["TRACKER_NOW"] = f"{START - dt.timedelta(days=1)}T12:00:00+00:00"
        from tracker import admin, changes, settings

        self.lib = admin.open_library(str(folder / "reader.db"), seed=False)
        with self.lib.write() as session, changes.recording(session, "setup"):
            settings.set_value(session, "timezone", "UTC")
            settings.set_value(session, "max_revisits_per_day", str(cap))
            from tracker import library

            for b in range(BOOKS):
                library.add_book(session, f"Book {b}", slug=f"book-{b}")
                for c in range(CHAPTERS):
                    library.add_chapter(session, f"book-{b}", str(c + 1), f"Chapter {c + 1}")
        self.targets = [(f"book-{b}", str(c + 1)) for b in range(BOOKS) for c in range(CHAPTERS)]
        self.reach: dict[tuple[str, str], tuple[dt.date, int]] = {}  # last review: (ideal due, window)

    def at(self, day: dt.date) -> None:
        os.environ["TRACKER_NOW"] = f"{day}T12:00:00+00:00"

    def load(self, day: dt.date) -> tuple[int, dict[dt.date, list[tuple[str, str]]]]:
        """Due on or before `day` as they stand; and the favourites due per day (the
        overdue counted on `day`)."""
        from sqlalchemy import select

        from tracker.model import Book, Card, Chapter

        with self.lib.read() as session:
            rows = session.execute(
                select(Card.due, Book.slug, Chapter.number).join(Chapter, Chapter.id == Card.chapter_id)
                .join(Book, Book.id == Chapter.book_id).where(Card.active.is_(True))).all()
        cards: dict[dt.date, list[tuple[str, str]]] = {}
        for due, slug, number in rows:
            cards.setdefault(max(due, day), []).append((slug, number))
        return len(cards.get(day, [])), cards

    def today(self) -> list[dict[str, Any]]:
        from tracker import events, plan

        with self.lib.read() as session:
            return list(plan.today(session, events.clock(session))["revisit"])

    def revisit(self, target: tuple[str, str], rating: str, day: dt.date) -> None:
        from tracker import cards, changes, events, reading, schedule
        from tracker.model import Card
        from tracker.names import find_book, find_chapter

        with self.lib.write() as session, changes.recording(session, "revisit"):
            c = events.clock(session)
            chapter = find_chapter(session, find_book(session, target[0]), target[1])
            row = session.get(Card, chapter.id)
            assert row is not None
            value = cards.value_of(row)
            reading.revisit(session, target[0], target[1], rating)
            new, interval = schedule.review(events.rules(session, c), value, chapter.id, rating, c.now)
        self.reach[target] = (new.due, window(interval))

    def favourite(self, target: tuple[str, str]) -> None:
        from tracker import changes, reading

        with self.lib.write() as session, changes.recording(session, "read"):
            reading.read(session, *target, minutes=20)
        with self.lib.write() as session, changes.recording(session, "fav"):
            reading.fav(session, *target)  # good: 2 days, not balanced
        self.reach[target] = (dt.date.min, 0)

    def close(self) -> None:
        self.lib.dispose()


def simulate(seed: int, days: int, favourites: int, cap: int, distinct: bool = False) -> Seed:
    rng = random.Random(seed)
    if distinct:
        fav_days = sorted(rng.sample(range(days), favourites))
    else:
        fav_days = sorted(rng.randrange(days) for _ in range(favourites))
    # In memory where the system has it: a year of commits waits on no disk.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="tracker-load-", dir=shm) as folder:
        reader = Reader(Path(folder), cap)
        try:
            order = iter(reader.targets)
            loads: list[int] = []
            history: dict[dt.date, int] = {}
            crowded: list[tuple[dt.date, list[tuple[tuple[str, str], dt.date, int]]]] = []
            unbalanced_by_day: list[int] = []
            revisits = 0
            nxt = 0
            for d in range(days):
                day = START + dt.timedelta(days=d)
                reader.at(day)
                load, due_cards = reader.load(day)
                loads.append(load)
                history[day] = load
                today_cards = due_cards.get(day, [])
                unbalanced_by_day.append(sum(1 for t in today_cards if reader.reach.get(t, (day, 0))[1] == 0))
                if load > cap and d >= days - LAST:
                    crowded.append((day, [(t, *reader.reach.get(t, (day, 0))) for t in today_cards]))
                for item in reader.today():
                    rating = "again" if rng.random() < 1 - item["recall"] else "good"
                    reader.revisit((item["book"], item["chapter"]), rating, day)
                    revisits += 1
                while nxt < favourites and fav_days[nxt] == d:
                    reader.favourite(next(order))
                    nxt += 1
        finally:
            reader.close()
    over = [line for day, due in crowded for line in _with_room(day, due, history, cap)]
    return Seed(seed, loads, unbalanced_by_day, over, revisits)


def _with_room(day: dt.date, due: list[tuple[tuple[str, str], dt.date, int]], history: dict[dt.date, int],
               cap: int) -> list[str]:
    """A day over the cap, if one of its cards could have gone to a day of its window
    that had room (each day's load taken at its own start: what the year made of it)."""
    for target, ideal, spread in due:
        for k in range(-spread, spread + 1):
            other = ideal + dt.timedelta(days=k)
            if other != day and other in history and history[other] < cap:
                return [f"{day} ({history[day]} due): {target[0]} {target[1]} could have gone to {other} "
                        f"({history[other]} due)"]
    return []


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-", 1)
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def run(seeds: list[int], days: int = 365, favourites: int = 300, cap: int = 10,
        say: Any = None, distinct: bool = False) -> list[Seed]:
    out = []
    for seed in seeds:
        started = time.perf_counter()
        result = simulate(seed, days, favourites, cap, distinct)
        if say:
            say(f"seed {seed}: {result.revisits} revisits in {time.perf_counter() - started:.0f} s")
        out.append(result)
    return out


def table(results: list[Seed], cap: int) -> tuple[str, bool]:
    lines = [f"| seed | mean | busiest | busiest ÷ mean | CV | busiest day: from intervals < 3 days | "
             f"busiest ÷ mean, balanced part even | days over {cap} with room in reach |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.seed} | {r.mean:.2f} | {r.busiest} | {r.ratio:.2f} | {r.cv:.2f} | "
                     f"{r.unbalanced_busiest} | {r.even:.2f} | {len(r.over_cap_with_room)} |")
    median = statistics.median(r.ratio for r in results)
    overs = sum(len(r.over_cap_with_room) for r in results)
    holds = median <= BUDGET and not overs
    lines.append("")
    lines.append(f"| what | measured | budget | holds |\n|---|---|---|---|\n"
                 f"| revisit load: median busiest ÷ mean, last {LAST} days, seeds "
                 f"{results[0].seed}–{results[-1].seed} | {median:.2f} (balanced part even: "
                 f"{statistics.median(r.even for r in results):.2f}) | ≤ {BUDGET} | {'yes' if median <= BUDGET else 'NO'} |\n"
                 f"| revisit load: a day over the cap ({cap}) while one within reach had room | "
                 f"{overs or 'none'} | none | {'yes' if not overs else 'NO'} |")
    return "\n".join(lines), holds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The simulated reader of SPEC §7 (revisit load).")
    parser.add_argument("--seeds", default="0-9", help="seeds, e.g. 0-9 or 1,4 (default 0-9)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--favourites", type=int, default=300)
    parser.add_argument("--cap", type=int, default=10, help="max_revisits_per_day (default 10)")
    parser.add_argument("--distinct-days", action="store_true", help="one favourite a day, on 300 different days")
    parser.add_argument("--json", action="store_true", help="per seed, every day's load, as JSON")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even if the budget fails")
    args = parser.parse_args(argv)
    os.environ.pop("TRACKER_DB", None)
    started = time.perf_counter()
    results = run(seeds_of(args.seeds), args.days, args.favourites, args.cap,
                  say=lambda text: print(text, file=sys.stderr, flush=True), distinct=args.distinct_days)
    if args.json:
        print(json.dumps([{"seed": r.seed, "loads": r.loads, "unbalanced": r.unbalanced,
                           "over_cap_with_room": r.over_cap_with_room} for r in results]))
        return 0
    from importlib.metadata import version

    print(f"simulated reader: tracker {version('tracker')}, {args.days} days, {args.favourites} favourites"
          f"{' on distinct days' if args.distinct_days else ''}, cap {args.cap}, {time.perf_counter() - started:.0f} s")
    print()
    text, holds = table(results, args.cap)
    print(text)
    for r in results:
        for line in r.over_cap_with_room[:5]:
            print(f"seed {r.seed}: {line}")
    return 0 if holds or args.no_fail else 1


if __name__ == "__main__":
    raise SystemExit(main())
