"""Catching up on a backlog (SPEC §4.1 `catch-up`): which overdue revisit goes to which
day. Plain values in, plain values out.

A day's room is `max_revisits_per_day` minus the favourites already due that day; days
inside a break have none. Overdue cards go lowest recall first (ties: most overdue,
then `today`'s order, the order they come in): they fill today's room where they are,
then each later day's room. With `days` (N), each of the first N days outside a break,
today included, takes at most ceil(backlog / N), and goes over the cap, evenly (the
least loaded day first, the earliest on ties), only when those days cannot hold the
backlog otherwise.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.schedule import ONE_DAY, in_break


@dataclass(frozen=True)
class Overdue:
    chapter_id: int
    due: dt.date
    recall: float  # now, 0–1


@dataclass
class Day:
    date: dt.date
    due: int  # favourites already due that day (today: due today, the backlog apart)
    cards: list[int] = field(default_factory=list)  # backlog placed on it (today: kept there)

    @property
    def load(self) -> int:
        return self.due + len(self.cards)


def plan(overdue: list[Overdue], today: dt.date, cap: int, due_per_day: Mapping[dt.date, int],
         breaks: list[tuple[dt.date, dt.date]], days: int | None = None) -> list[Day]:
    """The days from today on with what each one takes, up to the last that takes any
    (with `days`: the N days). Today's cards stay where they are; the others move."""
    queue = [o.chapter_id for o in sorted(overdue, key=lambda o: (o.recall, o.due))]
    if days is not None:
        return _over_n_days(queue, today, cap, due_per_day, breaks, days)
    out: list[Day] = []
    day, taken = today, 0
    while taken < len(queue):
        due = due_per_day.get(day, 0)
        room = 0 if in_break(day, breaks) else max(0, cap - due)
        out.append(Day(day, due, queue[taken:taken + room]))
        taken += room
        day += ONE_DAY
    return out or [Day(today, due_per_day.get(today, 0))]


def _over_n_days(queue: list[int], today: dt.date, cap: int, due_per_day: Mapping[dt.date, int],
                 breaks: list[tuple[dt.date, dt.date]], n: int) -> list[Day]:
    slots: list[Day] = []
    day = today
    while len(slots) < n:
        if not in_break(day, breaks):
            slots.append(Day(day, due_per_day.get(day, 0)))
        day += ONE_DAY
    most = -(-len(queue) // n)
    take = [min(most, max(0, cap - slot.due)) for slot in slots]
    short = len(queue) - sum(take)
    # Over the cap, evenly: one more card at a time to the least loaded day, earliest first.
    heap = [(slot.due + take[i], i) for i, slot in enumerate(slots) if take[i] < most]
    heapq.heapify(heap)
    while short > 0:
        load, i = heapq.heappop(heap)
        take[i] += 1
        short -= 1
        if take[i] < most:
            heapq.heappush(heap, (load + 1, i))
    start = 0
    for slot, count in zip(slots, take):
        slot.cards = queue[start:start + count]
        start += count
    return slots


def moved(days: list[Day], today: dt.date) -> dict[int, dt.date]:
    """The cards that move (those of every day after today), with their new due date."""
    return {cid: day.date for day in days if day.date > today for cid in day.cards}
