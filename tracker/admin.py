"""The library's own commands (SPEC §2, §3 `init`, `config`, `db`): opening the library
(made with the bundled map, upgraded with its cards refolded), settings that reshape
the schedule, and `db check`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker import settings
from tracker.db import SCHEMA_HEAD, Library, stored_revision
from tracker.db import open_library as open_database


def open_library(option: str | None, *, seed: bool | None = None, verify: bool = False) -> Library:
    """The library in use, opened as `tracker.db.open_library` does; a new one gets the
    bundled library, an upgraded one its cards refolded, each with the schema."""
    return open_database(option, seed=seed, verify=verify, load_seed=_load_seed, refold=_refold)


def _load_seed(session: Session) -> None:
    from tracker.formats import library_store

    library_store.load_seed(session)


def _refold(session: Session) -> None:
    from tracker import cards, events

    cards.rebuild(session, events.rules(session))




def change_setting(session: Session, key: str, value: str) -> tuple[str, int]:
    """Store a setting; one that shapes the schedule re-folds the log with it.
    Returns the stored value and how many revisit due dates moved."""
    before = settings.all_values(session).get(key)
    clean = settings.set_value(session, key, value)
    moved = 0
    if key in settings.SCHEDULE_KEYS and clean != before:
        from tracker import cards, events

        session.flush()
        old = {cid: card.due for cid, card in cards.stored_cards(session).items() if card.active}
        cards.rebuild(session, events.rules(session))
        new = cards.stored_cards(session)
        moved = sum(1 for cid, due in old.items() if cid in new and new[cid].due != due)
    return clean, moved



def check(lib: Library) -> list[str]:
    """`db check`: the database's integrity, and that every cache agrees with the log."""
    from sqlalchemy import select

    from tracker.model import Book, Chapter

    problems: list[str] = []
    revision = stored_revision(lib)
    if revision != SCHEMA_HEAD:
        problems.append(f"schema revision {revision}, expected {SCHEMA_HEAD}")
    if lib.is_sqlite:
        with lib.engine.connect() as conn:
            result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.extend(f"integrity: {r}" for r in result[:10])
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:10]:
                problems.append(f"foreign key: table {row[0]} row {row[1]} refers to a missing {row[2]}")
    from tracker.change_triggers import installed
    from tracker.model import JOURNALED_TABLES

    with lib.engine.connect() as conn:
        missing = sorted(set(JOURNALED_TABLES) - installed(conn))
    if missing:
        problems.append(f"the change journal's triggers are missing on {', '.join(missing)}: "
                        "undo would not see changes to them")
    from tracker import cards, derived, events

    with lib.write() as session:
        rules = events.rules(session)
        stored = cards.stored_cards(session)
        replayed = cards.replayed_cards(session, rules)
        for cid in sorted(set(stored) | set(replayed)):
            if stored.get(cid) != replayed.get(cid):
                problems.append(f"the revisit card of chapter id {cid} differs from what the log gives")
        before = {c.id: (c.status, c.favourite) for c in session.scalars(select(Chapter))}
        books_before = {b.id: b.status for b in session.scalars(select(Book))}
        derived.refresh_books(session)
        for c in session.scalars(select(Chapter)):
            if before.get(c.id) != (c.status, c.favourite):
                problems.append(f"chapter id {c.id}: stored status differs from the log")
        for b in session.scalars(select(Book)):
            if books_before.get(b.id) != b.status:
                problems.append(f"book {b.slug}: stored status {books_before.get(b.id)} differs from the log ({b.status})")
        session.rollback()
    return problems
