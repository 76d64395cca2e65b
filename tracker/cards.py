"""Revisit cards as stored (SPEC §4.1): the `cards` table and its `card_states`
checkpoints, kept equal to the schedule's fold of the log (`tracker.schedule`).

- recording the newest event: a `DbStore` reads and writes the `cards` table;
- a backdated event or an undo: `replay_from` restores every card as it stood just
  before that event (from the checkpoints) and folds the log from there;
- `rebuild` folds the whole log (restore, a changed setting, and the proof in tests
  that the stored cards are exactly what the log gives).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from tracker.model import Book, Card, CardState, Chapter, Event
from tracker.schedule import SCHEDULE_KINDS, CardValue, EventView, MemoryStore, Rules, Store, apply, balance, review


def preview_due(session: Session, rules: Rules, chapter_id: int, card: CardValue, rating: str, at: dt.datetime,
                store: DbStore | None = None) -> dt.date:
    """The due date a review with `rating` at `at` would give now (nothing is written).

    Previews of several cards may share one `store` (its breaks are read once)."""
    store = store or DbStore(session, rules)
    value, interval = review(rules, card, chapter_id, rating, at)
    return balance(store, rules, chapter_id, card, rules.day(at), value.due, interval)


def due_query(day: dt.date):  # type: ignore[no-untyped-def]
    """(card, chapter number, chapter title, book slug) of every favourite due on or
    before `day`, in `today`'s order: most overdue first, then by book and reading
    order (SPEC §4.1; `review` takes them in the same order, §4.4). By index."""
    return (
        select(Card, Chapter.number, Chapter.title, Book.slug)
        .join(Chapter, Chapter.id == Card.chapter_id)
        .join(Book, Book.id == Chapter.book_id)
        .where(Card.active.is_(True), Card.due <= day)
        .order_by(Card.due, Book.slug, Chapter.position)
    )


def due_count(session: Session, day: dt.date) -> int:
    """How many favourites are due on or before `day` (by index)."""
    return session.scalar(
        select(func.count()).select_from(Card).where(Card.active.is_(True), Card.due <= day)
    ) or 0


def next_due(session: Session, day: dt.date) -> dict[str, object] | None:
    """The first revisit due after `day`: when, and which chapter (None: there is none)."""
    row = session.execute(due_query(dt.date.max).where(Card.due > day).limit(1)).first()
    if row is None:
        return None
    card, number, title, slug = row
    return {"date": card.due.isoformat(), "days": (card.due - day).days, "book": slug, "chapter": number,
            "title": title}


def value_of(row: Card | CardState) -> CardValue:
    return CardValue(row.active, row.stability, row.difficulty, row.last_review, row.due,
                     row.reviews, row.lapses, row.hards)


class TodayOrder:
    """Sorts chapter ids in `today`'s order for cards due the same day: by book slug,
    then reading order (stable across backup and restore, unlike ids)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.keys: dict[int, tuple[str, int]] = {}

    def __call__(self, chapter_ids: Iterable[int]) -> list[int]:
        ids = list(chapter_ids)
        missing = [cid for cid in ids if cid not in self.keys]
        for chunk in range(0, len(missing), 500):
            for cid, slug, position in self.session.execute(
                select(Chapter.id, Book.slug, Chapter.position).join(Book, Book.id == Chapter.book_id)
                .where(Chapter.id.in_(missing[chunk:chunk + 500]))
            ):
                self.keys[cid] = (slug, position)
        return sorted(ids, key=lambda cid: (self.keys.get(cid, ("", 0)), cid))


class DbStore:
    """The `cards` table itself: for recording the newest event without a replay."""

    def __init__(self, session: Session, rules: Rules) -> None:
        self.session = session
        self.rules = rules
        self._breaks: list[tuple[dt.date, dt.date]] | None = None
        self.today_order = TodayOrder(session)

    def get(self, chapter_id: int) -> CardValue | None:
        row = self.session.get(Card, chapter_id)
        return value_of(row) if row is not None else None

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


def _checkpoint(session: Session, event_id: int, store: Store, chapters: list[int]) -> None:
    for cid in chapters:
        value = store.get(cid)
        assert value is not None
        state = CardState(event_id=event_id, chapter_id=cid)
        _assign(state, value)
        session.add(state)


def later_schedule_event_exists(session: Session, event: Event | EventView) -> bool:
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


def record_many(session: Session, rules: Rules, events: list[EventView]) -> None:
    """Update the cards for many newly recorded events at once (in log order, the newest
    of the log): one fold in memory, then the changed cards and their checkpoints
    written in bulk (a catch-up's thousands of snoozes)."""
    if not events:
        return
    session.flush()
    if later_schedule_event_exists(session, events[-1]):
        replay_from(session, rules, (events[0].at, events[0].id))
        return
    store = MemoryStore(stored_cards(session), breaks_before(session, rules, None), TodayOrder(session))
    before = dict(store.cards)
    states: list[tuple[object, ...]] = []
    for event in events:
        for cid in apply(store, rules, event):
            states.append((event.id, cid, store.cards[cid]))
    _insert_states(session, states)
    _write_cards(session, store.cards, before)


def cards_as_of(session: Session, point: tuple[dt.datetime, int]) -> dict[int, CardValue]:
    """Every card as it stood just before a point of the log (from the checkpoints):
    per chapter, its latest checkpoint before the point, chosen by the database."""
    s = CardState
    latest = (
        select(s.chapter_id, s.active, s.stability, s.difficulty, s.last_review, s.due, s.reviews, s.lapses, s.hards,
               func.row_number().over(partition_by=s.chapter_id, order_by=(Event.at.desc(), Event.id.desc()))
               .label("newest"))
        .join(Event, Event.id == s.event_id).where(_before(*point))
    ).subquery()
    rows = session.execute(select(*list(latest.c)[:-1]).where(latest.c.newest == 1))
    return {cid: CardValue(*values) for cid, *values in rows}


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
    if point is not None:  # from the start, `rebuild` has removed every checkpoint already
        ids = [e.id for e in events]
        for chunk in range(0, len(ids), 500):
            session.execute(delete(CardState).where(CardState.event_id.in_(ids[chunk:chunk + 500])))
    store = MemoryStore(start, breaks, TodayOrder(session))
    states: list[tuple[object, ...]] = []
    for event in events:
        for cid in apply(store, rules, event):
            states.append((event.id, cid, store.cards[cid]))
    _insert_states(session, states)
    _write_cards(session, store.cards)


def _insert_states(session: Session, states: list[tuple[object, ...]]) -> None:
    """The checkpoints (event id, chapter id, card), many rows to a statement."""
    from tracker.bulk_rows import driver_value, inserter

    if not states:
        return
    session.flush()
    conn = session.connection()
    table = CardState.__table__
    active, when, day = (driver_value(conn, table.c[name]) for name in ("active", "last_review", "due"))
    rows = [(eid, cid, active(c.active), c.stability, c.difficulty, when(c.last_review), day(c.due), c.reviews,
             c.lapses, c.hards) for eid, cid, c in states]  # type: ignore[attr-defined]
    inserter(conn, table, ("event_id", "chapter_id", *_FIELDS))(rows)  # type: ignore[arg-type]


def rebuild(session: Session, rules: Rules) -> None:
    """Fold the whole log again: every card and checkpoint recomputed (restore, a
    changed setting)."""
    session.execute(delete(CardState))
    replay_from(session, rules, None)


_FIELDS = ("active", "stability", "difficulty", "last_review", "due", "reviews", "lapses", "hards")


def _values(value: CardValue) -> tuple[object, ...]:
    return (value.active, value.stability, value.difficulty, value.last_review, value.due, value.reviews,
            value.lapses, value.hards)


def _fields(value: CardValue) -> dict[str, object]:
    return dict(zip(_FIELDS, _values(value)))


def _write_cards(session: Session, cards: dict[int, CardValue], stored: dict[int, CardValue] | None = None) -> None:
    """Make the `cards` table hold `cards`: only the rows that differ are written, in bulk."""
    stored = stored_cards(session) if stored is None else stored
    gone = [cid for cid in stored if cid not in cards]
    table = Card.__table__
    for chunk in range(0, len(gone), 500):
        session.execute(delete(Card).where(Card.chapter_id.in_(gone[chunk:chunk + 500])))
    inserts, updates = [], []
    for cid, value in cards.items():
        old = stored.get(cid)
        if old is None:
            inserts.append({"chapter_id": cid, **_fields(value)})
        elif old != value:
            updates.append({"key": cid, **_fields(value)})
    if updates:
        # executemany: the SET clause comes from the parameters' column names
        session.execute(update(table).where(table.c.chapter_id == bindparam("key")), updates)
    if inserts:
        session.execute(table.insert(), inserts)
    session.expire_all()


def stored_cards(session: Session) -> dict[int, CardValue]:
    return {row.chapter_id: value_of(row) for row in session.scalars(select(Card))}


def replayed_cards(session: Session, rules: Rules) -> dict[int, CardValue]:
    """The cards a full fold of the log gives, without writing anything."""
    store = MemoryStore({}, [], TodayOrder(session))
    for event in schedule_events(session, None):
        apply(store, rules, event)
    return store.cards

