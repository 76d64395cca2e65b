"""Spaced revisits (SPEC §4.1): FSRS, deterministic load balancing, replay.

The schedule is a pure fold of the reading log: `apply` takes one event and a card
store and changes the cards it touches. The same fold serves three paths:
- recording the newest event: a `DbStore` reads and writes the `cards` table;
- a backdated event or an undo: `replay_from` restores every card as it stood just
  before that event (from the `card_states` checkpoints) and folds the log from there;
- `rebuild` folds the whole log (restore, a changed setting, and the proof in tests
  that the stored cards are exactly what the log gives).

FSRS runs with default parameters, no learning or relearning steps and no fuzz.
Instead of fuzz, a due date of 3 days or more is moved to the least loaded day within
about ±5% (at least ±1 day), never on or before the review's date nor inside a break;
ties go to the day nearest the unbalanced date, then to the earlier.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from tracker.model import Card, CardState, Event

if TYPE_CHECKING:
    from fsrs import Scheduler

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

    @classmethod
    def of(cls, settings: Settings, clock: Clock) -> Rules:
        return cls(settings.desired_retention, settings.maximum_interval_days, clock)

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


def balance(
    store: Store, chapter_id: int, old: CardValue | None, review_day: dt.date, ideal: dt.date, interval: int
) -> dt.date:
    """The due date for an interval, moved to the least loaded day of its window."""
    breaks = store.breaks()
    if interval < BALANCE_FROM_DAYS:
        return out_of_breaks(ideal, breaks)
    spread = max(1, round(interval * 0.05))
    first, last = ideal - dt.timedelta(days=spread), ideal + dt.timedelta(days=spread)
    near = [(a, b) for a, b in breaks if a <= last and b >= first]  # only these can exclude a day
    load = store.load(first, last)
    moving = old.due if old is not None and old.active else None  # the card itself moves away
    best: dt.date | None = None
    best_key: tuple[int, int, int] | None = None
    day = first
    for k in range(2 * spread + 1):
        if day > review_day and not (near and in_break(day, near)):
            # least loaded, then nearest the unbalanced date, then earlier
            key = (load.get(day, 0) - (day == moving), abs(k - spread), k)
            if best_key is None or key < best_key:
                best, best_key = day, key
        day += ONE_DAY
    return best if best is not None else out_of_breaks(ideal, breaks)


def apply(store: Store, rules: Rules, event: EventView) -> list[int]:
    """Fold one event into the cards; returns the chapters whose card changed."""
    kind, chapter = event.kind, event.chapter_id
    if kind == "break":
        assert event.until is not None
        first = rules.day(event.at)
        store.add_break(first, event.until)
        after = event.until + dt.timedelta(days=1)
        moved = []
        for cid in store.due_between(first, event.until):
            card = store.get(cid)
            assert card is not None
            store.put(cid, replace(card, due=out_of_breaks(after, store.breaks())))
            moved.append(cid)
        return moved
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
        store.put(chapter, replace(card, due=out_of_breaks(event.until, store.breaks())))
    else:
        return []
    return [chapter]


def _review_into(
    store: Store, rules: Rules, chapter: int, card: CardValue | None, rating: str, at: dt.datetime
) -> int:
    value, interval = review(rules, card, chapter, rating, at)
    day = rules.day(at)
    due = balance(store, chapter, card, day, value.due, interval)
    store.put(chapter, replace(value, due=due))
    return chapter


def preview_due(session: Session, rules: Rules, chapter_id: int, card: CardValue, rating: str, at: dt.datetime,
                store: DbStore | None = None) -> dt.date:
    """The due date a review with `rating` at `at` would give now (nothing is written).

    Previews of several cards may share one `store` (its breaks are read once)."""
    store = store or DbStore(session, rules)
    value, interval = review(rules, card, chapter_id, rating, at)
    return balance(store, chapter_id, card, rules.day(at), value.due, interval)


# --- stores --------------------------------------------------------------------


class MemoryStore:
    def __init__(self, cards: dict[int, CardValue], breaks: list[tuple[dt.date, dt.date]]) -> None:
        self.cards = dict(cards)
        self._breaks = list(breaks)
        self.counts: Counter[dt.date] = Counter(c.due for c in cards.values() if c.active)

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


def _value(row: Card | CardState) -> CardValue:
    return CardValue(row.active, row.stability, row.difficulty, row.last_review, row.due,
                     row.reviews, row.lapses, row.hards)


class DbStore:
    """The `cards` table itself: for recording the newest event without a replay."""

    def __init__(self, session: Session, rules: Rules) -> None:
        self.session = session
        self.rules = rules
        self._breaks: list[tuple[dt.date, dt.date]] | None = None

    def get(self, chapter_id: int) -> CardValue | None:
        row = self.session.get(Card, chapter_id)
        return _value(row) if row is not None else None

    def put(self, chapter_id: int, value: CardValue) -> None:
        row = self.session.get(Card, chapter_id)
        if row is None:
            row = Card(chapter_id=chapter_id)
            self.session.add(row)
        _assign(row, value)
        self.session.flush()

    def load(self, first: dt.date, last: dt.date) -> dict[dt.date, int]:
        rows = self.session.execute(
            select(Card.due, func.count()).where(Card.active.is_(True), Card.due.between(first, last))
            .group_by(Card.due)
        )
        return {due: count for due, count in rows}

    def due_between(self, first: dt.date, last: dt.date) -> list[int]:
        return list(self.session.scalars(
            select(Card.chapter_id).where(Card.due.between(first, last)).order_by(Card.chapter_id)))

    def breaks(self) -> list[tuple[dt.date, dt.date]]:
        if self._breaks is None:
            self._breaks = breaks_before(self.session, self.rules, None)
        return self._breaks

    def add_break(self, first: dt.date, last: dt.date) -> None:
        self.breaks().append((first, last))


def _assign(row: Card | CardState, value: CardValue) -> None:
    row.active = value.active
    row.stability = value.stability
    row.difficulty = value.difficulty
    row.last_review = value.last_review
    row.due = value.due
    row.reviews = value.reviews
    row.lapses = value.lapses
    row.hards = value.hards


def _before(at: dt.datetime, event_id: int):  # type: ignore[no-untyped-def]
    return or_(Event.at < at, and_(Event.at == at, Event.id < event_id))


def breaks_before(
    session: Session, rules: Rules, point: tuple[dt.datetime, int] | None
) -> list[tuple[dt.date, dt.date]]:
    """Breaks recorded before a point of the log (all of them without one)."""
    query = select(Event.at, Event.until).where(Event.kind == "break").order_by(Event.at, Event.id)
    if point is not None:
        query = query.where(_before(*point))
    return [(rules.day(at), until) for at, until in session.execute(query) if until is not None]


# --- recording, replaying ---------------------------------------------------------


def _checkpoint(session: Session, event_id: int, store: Store, chapters: list[int]) -> None:
    for cid in chapters:
        value = store.get(cid)
        assert value is not None
        state = CardState(event_id=event_id, chapter_id=cid)
        _assign(state, value)
        session.add(state)


def later_schedule_event_exists(session: Session, event: Event) -> bool:
    return session.scalar(
        select(Event.id).where(
            Event.kind.in_(SCHEDULE_KINDS),
            or_(Event.at > event.at, and_(Event.at == event.at, Event.id > event.id)),
        ).limit(1)
    ) is not None


def record(session: Session, rules: Rules, event: Event) -> None:
    """Update the cards for a newly recorded (flushed) event."""
    if event.kind not in SCHEDULE_KINDS:
        return
    if later_schedule_event_exists(session, event):
        replay_from(session, rules, (event.at, event.id))
        return
    store = DbStore(session, rules)
    changed = apply(store, rules, EventView.of(event))
    _checkpoint(session, event.id, store, changed)
    session.flush()


def cards_as_of(session: Session, point: tuple[dt.datetime, int]) -> dict[int, CardValue]:
    """Every card as it stood just before a point of the log (from the checkpoints)."""
    rows = session.execute(
        select(CardState).join(Event, Event.id == CardState.event_id)
        .where(_before(*point)).order_by(Event.at, Event.id)
    ).scalars()
    return {row.chapter_id: _value(row) for row in rows}


def schedule_events(session: Session, point: tuple[dt.datetime, int] | None) -> Iterator[EventView]:
    query = select(Event.id, Event.at, Event.kind, Event.chapter_id, Event.rating, Event.until).where(
        Event.kind.in_(SCHEDULE_KINDS)
    ).order_by(Event.at, Event.id)
    if point is not None:
        query = query.where(or_(Event.at > point[0], and_(Event.at == point[0], Event.id >= point[1])))
    for row in session.execute(query):
        yield EventView(*row)


def replay_from(session: Session, rules: Rules, point: tuple[dt.datetime, int] | None) -> None:
    """Recompute the cards from a point of the log onwards (from the start without one)."""
    session.flush()
    if point is None:
        start: dict[int, CardValue] = {}
        breaks: list[tuple[dt.date, dt.date]] = []
    else:
        start = cards_as_of(session, point)
        breaks = breaks_before(session, rules, point)
    events = list(schedule_events(session, point))
    ids = [e.id for e in events]
    for chunk in range(0, len(ids), 500):
        session.execute(delete(CardState).where(CardState.event_id.in_(ids[chunk:chunk + 500])))
    store = MemoryStore(start, breaks)
    states: list[dict[str, object]] = []
    for event in events:
        for cid in apply(store, rules, event):
            value = store.cards[cid]
            states.append({"event_id": event.id, "chapter_id": cid, **_fields(value)})
    if states:
        session.execute(CardState.__table__.insert(), states)
    _write_cards(session, store.cards)


def rebuild(session: Session, rules: Rules) -> None:
    """Fold the whole log again: every card and checkpoint recomputed."""
    session.execute(delete(CardState))
    replay_from(session, rules, None)


def _fields(value: CardValue) -> dict[str, object]:
    return {
        "active": value.active, "stability": value.stability, "difficulty": value.difficulty,
        "last_review": value.last_review, "due": value.due, "reviews": value.reviews,
        "lapses": value.lapses, "hards": value.hards,
    }


def _write_cards(session: Session, cards: dict[int, CardValue]) -> None:
    stored = {row.chapter_id: row for row in session.scalars(select(Card))}
    for cid, row in stored.items():
        if cid not in cards:
            session.delete(row)
    inserts = []
    for cid, value in cards.items():
        row = stored.get(cid)
        if row is None:
            inserts.append({"chapter_id": cid, **_fields(value)})
        elif _value(row) != value:
            _assign(row, value)
    session.flush()
    if inserts:
        session.execute(Card.__table__.insert(), inserts)


def stored_cards(session: Session) -> dict[int, CardValue]:
    return {row.chapter_id: _value(row) for row in session.scalars(select(Card))}


def replayed_cards(session: Session, rules: Rules) -> dict[int, CardValue]:
    """The cards a full fold of the log gives, without writing anything."""
    store = MemoryStore({}, [])
    for event in schedule_events(session, None):
        apply(store, rules, event)
    return store.cards

