"""`undo` (SPEC §1 "Change", §3 `undo`, §4.3): the newest change not yet undone, taken
back whole. Per row, the first image the change recorded says how the row stood
before it (absent, or that image): rows are put back parents first and removed
children first; then the statuses of the books and resources it touched are derived
again and the cards are replayed from the earliest event it touched, as a replay of
the log would give them."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.orm import Session

from tracker.changes import NOUNS, Names, Row, fact, first_images, row_key, rows_of, table_of
from tracker.errors import UserError
from tracker.model import JOURNALED_TABLES, Book, Change, ChangeOpen, Event, Resource


# Parents before children: the order rows are put back in (and the reverse, removed).
TABLE_ORDER = {name: i for i, name in enumerate(JOURNALED_TABLES)}


SHOWN_LINES = 40  # an undo of thousands of rows names the first ones, then counts the rest


@dataclass
class Undone:
    change_id: int
    command: str
    summary: str
    lines: list[str] = field(default_factory=list)
    more: int = 0


def latest(session: Session) -> Change:
    change = session.scalars(select(Change).where(Change.undone != "yes").order_by(Change.id.desc()).limit(1)).first()
    if change is None:
        raise UserError("there is nothing to undo: no change has been recorded (see `tracker history`)")
    if change.command == "restore":
        where = (f"; the library it replaced is in {change.replaced_copy} (tracker restore "
                 f"{change.replaced_copy} --replace brings it back)") if change.replaced_copy else ""
        raise UserError(f"the last change is a restore (change {change.id}), which undo cannot take back{where}")
    return change


def plan_undo(session: Session) -> tuple[Change, list[Row], Undone]:
    """The newest change not yet undone, its rows, and what taking it back does, in words."""
    change = latest(session)
    rows = rows_of(session, change.id)
    names = Names(session, rows)
    first = first_images(rows)
    lines = []
    whole_books = {r.image["id"]: r.op for r in first.values() if r.tbl == "books" and r.op in ("I", "D")}
    folded: dict[int, int] = {}
    for row in first.values():
        if row.tbl == "chapters" and whole_books.get(row.image["book_id"]) == row.op:
            folded[row.image["book_id"]] = folded.get(row.image["book_id"], 0) + 1
    more = 0
    for (_tbl, _key), row in first.items():
        if row.tbl == "chapters" and row.image["book_id"] in folded and whole_books.get(row.image["book_id"]) == row.op:
            continue
        if len(lines) == SHOWN_LINES:  # the rest are counted, not described (no name looked up)
            more += row.tbl in NOUNS
            continue
        text = fact(names, row)
        if row.tbl == "books" and row.image["id"] in folded:
            n = folded[row.image["id"]]
            text = f"{text} with {n} chapter{'s' if n != 1 else ''}"
        if text is None:
            continue
        if row.tbl == "settings":
            old = row.image["value"] if row.op != "I" else None
            lines.append(f"setting {row.image['key']} back to {old}" if old is not None
                         else f"setting {row.image['key']} back to its default")
        elif row.op == "I":
            lines.append(f"remove {text}")
        elif row.op == "D":
            lines.append(f"put back {text}")
        else:
            lines.append(f"restore {text} as it was")
    return change, rows, Undone(change.id, change.command, change.summary, lines, more)


def _python(table: Table, image: dict[str, Any]) -> dict[str, Any]:
    """An image's JSON values as the column types take them."""
    from sqlalchemy import JSON, Boolean, Date, DateTime

    from tracker.model import UTCDateTime

    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name not in image:
            continue
        value = image[col.name]
        if value is not None:
            kind = col.type
            if isinstance(kind, (UTCDateTime, DateTime)):
                value = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.timezone.utc)
            elif isinstance(kind, Date):
                value = dt.date.fromisoformat(str(value)[:10])
            elif isinstance(kind, Boolean):
                value = bool(value)
            elif isinstance(kind, JSON) and isinstance(value, str):
                value = json.loads(value)
        out[col.name] = value
    return out


def undo_last(session: Session, planned: tuple[Change, list[Row], Undone] | None = None) -> Undone:
    """Take back the newest change not yet undone, whole (as `plan_undo` described it)."""
    change, rows, described = planned or plan_undo(session)
    apply_undo(session, rows)
    change.undone = "yes"
    session.flush()
    return described


def apply_undo(session: Session, rows: list[Row]) -> None:
    session.flush()
    session.execute(delete(ChangeOpen))  # nothing an undo writes is journaled
    first = first_images(rows)
    conn = session.connection()
    # Before anything moves: the events as they stand now, for the replay point.
    touched_events = [row for row in rows if row.tbl == "events"]
    now_events = {}
    ids = [row.image["id"] for row in touched_events]
    for chunk in range(0, len(ids), 500):
        for eid, at, kind, book_id, resource_id in conn.execute(
            select(Event.id, Event.at, Event.kind, Event.book_id, Event.resource_id)
            .where(Event.id.in_(ids[chunk:chunk + 500]))
        ):
            now_events[eid] = (at, kind, book_id, resource_id)
    # Put back, parents first; then remove, children first.
    restores = sorted((r for r in first.values() if r.op != "I"), key=lambda r: (TABLE_ORDER[r.tbl], r.id))
    removals = sorted((r for r in first.values() if r.op == "I"), key=lambda r: (-TABLE_ORDER[r.tbl], -r.id))
    for tbl in sorted({r.tbl for r in restores}, key=TABLE_ORDER.__getitem__):
        table = table_of(tbl)
        missing = []
        for row in (r for r in restores if r.tbl == tbl):
            values = _python(table, row.image)
            where = and_(*(c == values[c.name] for c in table.primary_key.columns))
            if conn.execute(select(*table.primary_key.columns).where(where)).first() is not None:
                conn.execute(update(table).where(where).values(**values))
            else:
                missing.append(values)
        for chunk in range(0, len(missing), 500):
            conn.execute(insert(table), missing[chunk:chunk + 500])
    for tbl in sorted({r.tbl for r in removals}, key=lambda t: -TABLE_ORDER[t]):
        table = table_of(tbl)
        keys = [row_key(table, r.image) for r in removals if r.tbl == tbl]
        cols = list(table.primary_key.columns)
        if len(cols) == 1:
            for chunk in range(0, len(keys), 500):
                conn.execute(delete(table).where(cols[0].in_([k[0] for k in keys[chunk:chunk + 500]])))
        else:
            for key in keys:
                conn.execute(delete(table).where(and_(*(c == v for c, v in zip(cols, key)))))
    session.expire_all()
    _recompute(session, rows, now_events)


def _recompute(session: Session, rows: list[Row], now_events: dict[int, tuple[Any, ...]]) -> None:
    """Statuses, resource statuses and cards as a replay of the log now gives them."""
    from tracker import cards, derived, events, schedule, settings
    from tracker.derived import refresh_resource
    from tracker.statuses import BOOK_KINDS

    book_ids: set[int] = set()
    resource_ids: set[int] = set()
    points: list[tuple[dt.datetime, int]] = []
    refold = False
    for row in rows:
        img = row.image
        if row.tbl == "events":
            values = _python(table_of("events"), img)
            if img.get("book_id") and img["kind"] in BOOK_KINDS:  # others leave statuses as they are
                book_ids.add(img["book_id"])
            resource_ids.add(img["resource_id"]) if img.get("resource_id") else None
            if img["kind"] in schedule.SCHEDULE_KINDS:
                points.append((values["at"], img["id"]))
            current = now_events.get(img["id"])
            if current is not None:
                at, kind, book_id, resource_id = current
                if kind in schedule.SCHEDULE_KINDS:
                    points.append((at, img["id"]))
        elif row.tbl == "books":
            book_ids.add(img["id"])
        elif row.tbl == "chapters":
            book_ids.add(img["book_id"])
        elif row.tbl == "resources":
            resource_ids.add(img["id"])
        elif row.tbl == "settings" and img.get("key") in settings.SCHEDULE_KEYS:
            refold = True
    for book_id in sorted(book_ids):
        book = session.get(Book, book_id)
        if book is not None:
            derived.refresh_book(session, book)
            resource_ids.update(session.scalars(select(Resource.id).where(Resource.slug == book.slug)))
    for resource_id in sorted(resource_ids):
        refresh_resource(session, resource_id)
    rules = events.rules(session)
    if refold:
        cards.rebuild(session, rules)
    elif points:
        cards.replay_from(session, rules, min(points))
    session.flush()

