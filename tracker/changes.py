"""Changes: every command that changes the library is one change; `undo` takes back the
newest whole, `history` lists them (SPEC §1 "Change", §3 `undo`/`history`, §4.3).

How a change is recorded: the command opens it (a `changes` row, its id put in
`change_open`); while it is open the database's own triggers copy every fact row the
command inserts, updates or deletes, cascades included, into `change_rows` (the new
row of an insert, the old row of an update or delete). Closing it writes its summary,
or drops it when nothing was written. How it is taken back: per row, the first image
the change recorded says how the row stood before it (absent, or that image): rows
are put back parents first and removed children first; then the statuses of the
books and resources it touched are derived again and the cards are replayed from the
earliest event it touched, as a replay of the log would give them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from tracker.errors import UserError
from tracker.model import (
    Base, Book, Change, ChangeOpen, ChangeRow, Chapter, Resource, Setting,
)
from tracker.when import in_zone, now
from tracker.words import plural


def table_of(name: str) -> Table:
    table = Base.metadata.tables[name]
    assert isinstance(table, Table)
    return table


@dataclass
class Recorder:
    change_id: int
    command: str
    summary: str | None = None  # set by the command, else described from the rows


@contextmanager
def recording(session: Session, command: str) -> Iterator[Recorder]:
    """Open a change for one command; everything it writes in the block is journaled."""
    change = Change(at=now(), command=command, summary="", undone="no")
    session.add(change)
    session.flush()
    session.add(ChangeOpen(change_id=change.id))
    session.flush()
    recorder = Recorder(change.id, command)
    yield recorder
    session.flush()
    session.execute(delete(ChangeOpen))
    rows = session.scalar(select(func.count()).select_from(ChangeRow).where(ChangeRow.change_id == change.id))
    if not rows:
        session.delete(change)  # a command that changes nothing records no change
    else:
        change.summary = recorder.summary or summarize(session, rows_of(session, change.id))
    session.flush()


def record_restore(session: Session, replaced_copy: str | None, summary: str) -> None:
    """A restore replaces the whole library: the changes before it cannot be taken back."""
    session.execute(delete(ChangeRow))
    session.execute(delete(Change))
    session.add(Change(at=now(), command="restore", summary=summary, undone="no", replaced_copy=replaced_copy))
    session.flush()


# --- reading the journal --------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: int
    tbl: str
    op: str
    row_id: int | None
    image: dict[str, Any]


def rows_of(session: Session, change_id: int) -> list[Row]:
    result = session.execute(
        select(ChangeRow.id, ChangeRow.tbl, ChangeRow.op, ChangeRow.row_id, ChangeRow.image)
        .where(ChangeRow.change_id == change_id).order_by(ChangeRow.id))
    return [Row(i, t, o, r, json.loads(img)) for i, t, o, r, img in result]


def history(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """`history --json`: the newest changes first."""
    from tracker.events import clock

    if limit < 1:
        raise UserError(f"--limit must be 1 or more, got {limit}")
    tz = clock(session).tz
    changes = list(session.scalars(select(Change).order_by(Change.id.desc()).limit(limit)))
    events: dict[int, list[int]] = {c.id: [] for c in changes}
    if changes:
        for change_id, row_id in session.execute(
            select(ChangeRow.change_id, ChangeRow.row_id)
            .where(ChangeRow.change_id.in_(list(events)), ChangeRow.tbl == "events", ChangeRow.op == "I")
            .order_by(ChangeRow.id)
        ):
            if row_id is not None:
                events[change_id].append(row_id)
    undone = {"no": False, "yes": True, "partly": "partly"}
    return [
        {"id": c.id, "at": in_zone(c.at, tz).isoformat(timespec="seconds"), "command": c.command,
         "summary": c.summary, "undone": undone[c.undone], "events": events[c.id]}
        for c in changes
    ]


# --- describing -----------------------------------------------------------------------


class Names:
    """Book slugs and chapter numbers for rows, from the images first, then the database."""

    def __init__(self, session: Session, rows: list[Row]) -> None:
        self.session = session
        self.books = {r.image["id"]: r.image["slug"] for r in rows if r.tbl == "books"}
        self.chapters = {r.image["id"]: (r.image["book_id"], r.image["number"], r.image["title"])
                         for r in rows if r.tbl == "chapters"}
        self.resources = {r.image["id"]: r.image["slug"] for r in rows if r.tbl == "resources"}

    def book(self, book_id: int | None) -> str:
        if book_id is None:
            return ""
        if book_id not in self.books:
            self.books[book_id] = self.session.scalar(select(Book.slug).where(Book.id == book_id)) or f"#{book_id}"
        return self.books[book_id]

    def chapter(self, chapter_id: int | None) -> tuple[str, str]:
        if chapter_id is None:
            return "", ""
        if chapter_id not in self.chapters:
            row = self.session.execute(select(Chapter.book_id, Chapter.number, Chapter.title)
                                       .where(Chapter.id == chapter_id)).first()
            self.chapters[chapter_id] = tuple(row) if row else (None, f"#{chapter_id}", "")  # type: ignore[assignment]
        _book, number, title = self.chapters[chapter_id]
        return number, title

    def resource(self, resource_id: int | None) -> str:
        if resource_id is None:
            return ""
        if resource_id not in self.resources:
            self.resources[resource_id] = (self.session.scalar(select(Resource.slug).where(Resource.id == resource_id))
                                           or f"#{resource_id}")
        return self.resources[resource_id]

    def event(self, image: dict[str, Any]) -> str:
        target = self.book(image.get("book_id")) or self.resource(image.get("resource_id"))
        number, _title = self.chapter(image.get("chapter_id"))
        words = [image["kind"], target, number]
        if image.get("rating"):
            words.append(image["rating"])
        if image.get("until"):
            words.append(f"until {str(image['until'])[:10]}")
        return " ".join(w for w in words if w) + f" on {str(image['at'])[:10]} (event {image['id']})"


def fact(names: Names, row: Row) -> str | None:
    """One fact of a change in words, or None for a row that belongs to another fact."""
    img = row.image
    if row.tbl == "events":
        return names.event(img)
    if row.tbl == "books":
        return f"book {img['slug']} ({img['title']})"
    if row.tbl == "chapters":
        return f"chapter {names.book(img['book_id'])} {img['number']} {img['title']}"
    if row.tbl == "resources":
        return f"resource {img['slug']} ({img['title']})"
    if row.tbl == "topics":
        return f"topic {img['slug']}"
    if row.tbl == "interests":
        from tracker.model import Topic

        slug = names.session.scalar(select(Topic.slug).where(Topic.id == img["topic_id"]))
        return f"interest in {slug or img['topic_id']}"
    if row.tbl == "settings":
        return f"setting {img['key']}"
    return None  # topic links are part of their chapter or resource


VERBS = {"I": "added", "U": "changed", "D": "removed"}
# The fact that names a change in `history`, most telling first.
HEADLINE = ("books", "resources", "settings", "interests", "chapters", "events", "topics")
NOUNS = {"books": "book", "resources": "resource", "settings": "setting", "interests": "interest",
         "chapters": "chapter", "events": "event", "topics": "topic"}


def row_key(table: Table, image: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(image[c.name] for c in table.primary_key.columns)


def first_images(rows: list[Row]) -> dict[tuple[str, tuple[Any, ...]], Row]:
    """Per row the change wrote, its first journal entry: how it stood before the change."""
    first: dict[tuple[str, tuple[Any, ...]], Row] = {}
    for row in rows:
        key = (row.tbl, row_key(table_of(row.tbl), row.image))
        first.setdefault(key, row)
    return first



def summarize(session: Session, rows: list[Row]) -> str:
    """One line for `history`: its most telling fact, and how many of the others."""
    names = Names(session, rows)
    first = first_images(rows)
    facts = [(r.op, r.tbl, r) for r in first.values() if r.tbl in NOUNS]
    if not facts:
        return f"{len(rows)} row(s)"
    facts.sort(key=lambda f: HEADLINE.index(f[1]))
    op, tbl, row = facts[0]
    text = str(fact(names, row))
    head = text if tbl == "events" and op == "I" else f"{VERBS[op]} {text}"
    if tbl == "events" and op == "U":
        head = f"edited {text}"
    counts: dict[tuple[str, str], int] = {}
    for o, t, _ in facts[1:]:
        counts[(o, t)] = counts.get((o, t), 0) + 1
    if not counts:
        return head
    rest = ", ".join(f"{VERBS[o] if o != op else ''} {plural(n, NOUNS[t])}".strip() for (o, t), n in counts.items())
    return f"{head} (and {rest})"




def forget_event(session: Session, event_id: int) -> None:
    """`undo ID` took back one event: its change is partly (or wholly) undone, and no
    other change will put it back or remove it again."""
    owners = set(session.scalars(select(ChangeRow.change_id).where(
        ChangeRow.tbl == "events", ChangeRow.row_id == event_id)))
    session.execute(delete(ChangeRow).where(ChangeRow.tbl == "events", ChangeRow.row_id == event_id))
    for change_id in owners:
        change = session.get(Change, change_id)
        if change is None:
            continue
        left = session.scalar(select(func.count()).select_from(ChangeRow).where(ChangeRow.change_id == change_id))
        change.undone = "partly" if left else "yes"
    session.flush()


def setting_value(session: Session, key: str) -> str | None:
    return session.scalar(select(Setting.value).where(Setting.key == key))
