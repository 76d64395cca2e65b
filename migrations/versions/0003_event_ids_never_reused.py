"""event ids are never reused (SQLite AUTOINCREMENT)

An undo deletes the newest event; without AUTOINCREMENT SQLite would give its id to
the next event, and an export or a script keyed on ids would mix the two up.
PostgreSQL's sequences never reuse ids, so only SQLite's table is rebuilt.

Revision ID: 0003_event_ids_never_reused
Revises: 0002_events_kind_index
Create Date: 2026-11-27 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_event_ids_never_reused"
down_revision: str | None = "0002_events_kind_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("events", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("events", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass
