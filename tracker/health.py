"""`db check`: the database's integrity, and that every cache agrees with the log."""

from __future__ import annotations

from sqlalchemy import select

from tracker.db import SCHEMA_HEAD, Library, stored_revision
from tracker.model import Book, Chapter


def check(lib: Library) -> list[str]:
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
