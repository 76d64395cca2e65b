"""Spaced revisits (SPEC §4.1): FSRS, deterministic load balancing, breaks, the fold.

The schedule is a pure fold of the reading log: `apply` takes one event and a card
store (`Store`: plain values) and changes the cards it touches. `tracker.cards` runs
it over the stored cards; here nothing touches a database.

FSRS runs with default parameters, no learning or relearning steps and no fuzz.
Instead of fuzz, a due date of 3 days or more is balanced within about ±5% (at least
±1 day), never on or before the review's date nor inside a break (`balance`: the day
with the least expected load, the cap respected, ties to the day nearest the unbalanced
date, then the earlier). A break spreads the due dates inside it over the days after
it (`spread_break`, `push_out`)."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from fsrs import Scheduler

    from tracker.model import Event

    from tracker.settings import Settings
    from tracker.when import Clock

SCHEDULE_KINDS = ("favourite", "unfavourite", "revisit", "snooze", "break")
RATING_VALUES = {"again": 1, "hard": 2, "good": 3, "easy": 4}
BALANCE_FROM_DAYS = 3
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CardValue:
    active: bool
    stability: float
    difficulty: float
    last_review: dt.datetime
    due: dt.date
    reviews: int = 0
    lapses: int = 0  # reviews rated again
    hards: int = 0  # reviews rated hard


@dataclass(frozen=True)
class EventView:
    """The fields of an event that the schedule reads."""

    id: int
    at: dt.datetime
    kind: str
    chapter_id: int | None
    rating: str | None
    until: dt.date | None

    @classmethod
    def of(cls, event: Event) -> EventView:
        return cls(event.id, event.at, event.kind, event.chapter_id, event.rating, event.until)


@dataclass(frozen=True)
class Rules:
    """What the fold needs besides the log: the FSRS settings and the reader's days."""

    desired_retention: float
    maximum_interval_days: int
    clock: Clock
    max_per_day: int = 5  # max_revisits_per_day: a day's room

    @classmethod
    def of(cls, settings: Settings, clock: Clock) -> Rules:
        return cls(settings.desired_retention, settings.maximum_interval_days, clock, settings.max_revisits_per_day)

    def day(self, at: dt.datetime) -> dt.date:
        return self.clock.reader_date(at)


@lru_cache(maxsize=8)
def scheduler(desired_retention: float, maximum_interval_days: int) -> Scheduler:
    from fsrs import Scheduler

    return Scheduler(
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=maximum_interval_days,
        enable_fuzzing=False,
    )


def review(
    rules: Rules, card: CardValue | None, chapter_id: int, rating: str, at: dt.datetime
) -> tuple[CardValue, int]:
    """The card after one FSRS review at `at`, and the interval in days (unbalanced)."""
    from fsrs import Card as FsrsCard
    from fsrs import Rating, State

    at_utc = at.astimezone(dt.timezone.utc)
    if card is None:
        fsrs_card = FsrsCard(card_id=chapter_id, due=at_utc)
    else:
        fsrs_card = FsrsCard(
            card_id=chapter_id,
            state=State.Review,
            stability=card.stability,
            difficulty=card.difficulty,
            due=at_utc,
            last_review=card.last_review,
        )
    sched = scheduler(rules.desired_retention, rules.maximum_interval_days)
    new, _log = sched.review_card(fsrs_card, Rating(RATING_VALUES[rating]), at_utc)
    interval = max(1, round((new.due - at_utc).total_seconds() / 86400))
    assert new.stability is not None and new.difficulty is not None
    value = CardValue(
        active=True,
        stability=new.stability,
        difficulty=new.difficulty,
        last_review=at_utc,
        due=rules.day(at) + dt.timedelta(days=interval),
        reviews=(card.reviews if card else 0) + 1,
        lapses=(card.lapses if card else 0) + (1 if rating == "again" else 0),
        hards=(card.hards if card else 0) + (1 if rating == "hard" else 0),
    )
    return value, interval


def recall(rules: Rules, card: CardValue, at: dt.datetime) -> float:
    """Predicted probability (0–1) of remembering the chapter at `at` (FSRS)."""
    from fsrs import Card as FsrsCard
    from fsrs import State

    sched = scheduler(rules.desired_retention, rules.maximum_interval_days)
    fsrs_card = FsrsCard(
        card_id=1, state=State.Review, stability=card.stability, difficulty=card.difficulty,
        due=at, last_review=card.last_review,
    )
    return float(sched.get_card_retrievability(fsrs_card, at.astimezone(dt.timezone.utc)))


class Store(Protocol):
    """Cards as they stand at one point of the log."""

    def get(self, chapter_id: int) -> CardValue | None: ...
    def put(self, chapter_id: int, value: CardValue) -> None: ...
    def load(self, first: dt.date, last: dt.date) -> Mapping[dt.date, int]:
        """Active cards due per day, at least for the days from first to last."""
        ...
    def due_between(self, first: dt.date, last: dt.date) -> list[int]: ...
    def breaks(self) -> list[tuple[dt.date, dt.date]]: ...
    def add_break(self, first: dt.date, last: dt.date) -> None: ...
    def today_order(self, chapter_ids: Iterable[int]) -> list[int]:
        """The chapters in the order `today` lists cards due the same day (book, reading order)."""
        ...


def in_break(day: dt.date, breaks: Iterable[tuple[dt.date, dt.date]]) -> bool:
    return any(first <= day <= last for first, last in breaks)


def out_of_breaks(day: dt.date, breaks: Iterable[tuple[dt.date, dt.date]]) -> dt.date:
    """The day itself, or the first day after the break(s) it falls in."""
    if not in_break(day, breaks):
        return day
    spans = sorted(breaks)
    moved = True
    while moved:
        moved = False
        for first, last in spans:
            if first <= day <= last:
                day = last + dt.timedelta(days=1)
                moved = True
    return day


def window(interval: int) -> int:
    """How far balancing may move a due date either way: about 5% of the interval, at
    least a day; none under BALANCE_FROM_DAYS."""
    return max(1, round(interval * 0.05)) if interval >= BALANCE_FROM_DAYS else 0


def balance(
    store: Store, rules: Rules, chapter_id: int, old: CardValue | None, review_day: dt.date, ideal: dt.date,
    interval: int,
) -> dt.date:
    """The due date for an interval: the day of its window with the least expected load.

    A day's expected load is the favourites already due that day plus the share of the
    day before's that will lapse and come back on it (1 - desired retention: the share
    rated `again` when recall is what FSRS aims at). Days at the cap come last while a
    day of the window has room; ties go to the day nearest the unbalanced date, then to
    the earlier (no lean either way: the intervals stay FSRS's, on average). Inside a
    break: see `push_out`."""
    breaks = store.breaks()
    spread = window(interval)
    moving = old.due if old is not None and old.active else None  # the card itself moves away
    if not spread:
        return push_out(store, rules.max_per_day, ideal, moving)
    first, last = ideal - dt.timedelta(days=spread), ideal + dt.timedelta(days=spread)
    near = [(a, b) for a, b in breaks if a <= last and b >= first]  # only these can exclude a day
    load = store.load(first - ONE_DAY, last)
    cap, lapse = rules.max_per_day, 1 - rules.desired_retention
    best: dt.date | None = None
    best_key: tuple[bool, float, int] = (True, 0.0, 0)
    day = first - ONE_DAY
    before = load.get(day, 0) - (day == moving)  # the day before the window's first
    for k in range(2 * spread + 1):
        day += ONE_DAY
        count = load.get(day, 0) - (day == moving)  # the card itself moves away
        if day > review_day and not (near and in_break(day, near)):
            # at the cap last, then the least expected load, then nearest (the earlier on ties: k grows)
            key = (count >= cap, count + lapse * before, abs(k - spread))
            if best is None or key < best_key:
                best, best_key = day, key
        before = count
    return best if best is not None else push_out(store, rules.max_per_day, ideal, moving)


def apply(store: Store, rules: Rules, event: EventView) -> list[int]:
    """Fold one event into the cards; returns the chapters whose card changed."""
    kind, chapter = event.kind, event.chapter_id
    if kind == "break":
        assert event.until is not None
        first = rules.day(event.at)
        store.add_break(first, event.until)
        return spread_break(store, rules.max_per_day, first, event.until)
    if chapter is None:
        return []
    card = store.get(chapter)
    if kind == "favourite":
        if card is not None:
            if card.active:
                return []
            store.put(chapter, replace(card, active=True))
            return [chapter]
        return [_review_into(store, rules, chapter, None, event.rating or "good", event.at)]
    if card is None or not card.active:
        return []  # a revisit, snooze or unfavourite of a chapter that is no favourite
    if kind == "unfavourite":
        store.put(chapter, replace(card, active=False))
    elif kind == "revisit":
        _review_into(store, rules, chapter, card, event.rating or "good", event.at)
    elif kind == "snooze":
        assert event.until is not None
        store.put(chapter, replace(card, due=push_out(store, rules.max_per_day, event.until, card.due)))
    else:
        return []
    return [chapter]


def break_reach(last: dt.date, moved: int, cap: int, breaks: list[tuple[dt.date, dt.date]]) -> list[dt.date]:
    """The days a break's revisits are spread over: the first max(3, ceil(moved / cap))
    days after it that lie outside every break."""
    days: list[dt.date] = []
    day = last
    while len(days) < max(3, -(-moved // cap)):
        day = out_of_breaks(day + ONE_DAY, breaks)
        days.append(day)
    return days


def push_out(store: Store, cap: int, day: dt.date, moving: dt.date | None = None) -> dt.date:
    """The day itself, or, inside a break, the least loaded of the 3 days after it (its
    reach for one due date), the earliest on ties. `moving`: the card's own due date."""
    breaks = store.breaks()
    if not in_break(day, breaks):
        return day
    reach = break_reach(out_of_breaks(day, breaks) - ONE_DAY, 1, cap, breaks)
    load = store.load(reach[0], reach[-1])
    return min(reach, key=lambda d: (load.get(d, 0) - (d == moving), d))


def spread_break(store: Store, cap: int, first: dt.date, last: dt.date) -> list[int]:
    """Move the due dates inside a break (just added to the store) out of it: in order of
    their old due date, then `today`'s order, each to the least loaded day of the break's
    reach, the earliest on ties; over the cap only once the whole reach is at it.
    A suspended card carries no load: it goes to the first day after the break."""
    breaks = store.breaks()
    inside = [(cid, store.get(cid)) for cid in store.due_between(first, last)]
    by_due: dict[dt.date, list[int]] = {}
    for cid, card in inside:
        assert card is not None
        if card.active:
            by_due.setdefault(card.due, []).append(cid)
        else:
            store.put(cid, replace(card, due=out_of_breaks(last + ONE_DAY, breaks)))
    moving = [cid for due in sorted(by_due) for cid in store.today_order(by_due[due])]
    if moving:
        reach = break_reach(last, len(moving), cap, breaks)
        load = store.load(reach[0], reach[-1])
        heap = [(load.get(day, 0), day) for day in reach]  # least loaded, then earliest
        heapq.heapify(heap)
        for cid in moving:
            count, day = heapq.heappop(heap)
            card = store.get(cid)
            assert card is not None
            store.put(cid, replace(card, due=day))
            heapq.heappush(heap, (count + 1, day))
    return [cid for cid, _card in inside]


def _review_into(
    store: Store, rules: Rules, chapter: int, card: CardValue | None, rating: str, at: dt.datetime
) -> int:
    value, interval = review(rules, card, chapter, rating, at)
    day = rules.day(at)
    due = balance(store, rules, chapter, card, day, value.due, interval)
    store.put(chapter, replace(value, due=due))
    return chapter


# --- stores --------------------------------------------------------------------


class MemoryStore:
    """Cards in memory. `order` sorts chapter ids in `today`'s order (default: by id)."""

    def __init__(self, cards: dict[int, CardValue], breaks: list[tuple[dt.date, dt.date]],
                 order: Callable[[Iterable[int]], list[int]] = sorted) -> None:
        self.cards = dict(cards)
        self._breaks = list(breaks)
        self.counts: Counter[dt.date] = Counter(c.due for c in cards.values() if c.active)
        self.today_order = order

    def get(self, chapter_id: int) -> CardValue | None:
        return self.cards.get(chapter_id)

    def put(self, chapter_id: int, value: CardValue) -> None:
        old = self.cards.get(chapter_id)
        if old is not None and old.active:
            self.counts[old.due] -= 1
        if value.active:
            self.counts[value.due] += 1
        self.cards[chapter_id] = value

    def load(self, first: dt.date, last: dt.date) -> Mapping[dt.date, int]:
        return self.counts  # every day's count; callers only read the days they ask for

    def due_between(self, first: dt.date, last: dt.date) -> list[int]:
        return sorted(cid for cid, c in self.cards.items() if first <= c.due <= last)

    def breaks(self) -> list[tuple[dt.date, dt.date]]:
        return self._breaks

    def add_break(self, first: dt.date, last: dt.date) -> None:
        self._breaks.append((first, last))


# --- recording, replaying ---------------------------------------------------------


