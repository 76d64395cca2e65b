"""the change journal: every command is one change that undo takes back whole

`changes` lists what each command did (`history`); `change_rows` holds, per change,
the image of every fact row it wrote (the triggers of tracker/change_triggers.py,
active only while `change_open` names a change); `undo` puts those images back.
Every event already in the log becomes one change of its own, in id order, with the
event's time, so that `undo` takes back older events as it did before this revision.

Revision ID: 0005_change_journal
Revises: 0004_cards_count_hard_reviews
Create Date: 2026-12-04 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.change_triggers import Journaled, install

revision: str = "0005_change_journal"
down_revision: str | None = "0004_cards_count_hard_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The fact tables as they stand at this revision.
EVENT_COLUMNS = ("id", "at", "kind", "book_id", "chapter_id", "resource_id", "minutes", "percent", "pages",
                 "rating", "until", "note")
JOURNALED = [
    Journaled("topics", ("id", "slug", "name"), "id"),
    Journaled("books", ("id", "slug", "title", "authors", "year", "url", "isbn", "note", "source", "bundled",
                        "status"), "id", json_columns=("authors",), derived=("status",)),
    Journaled("resources", ("id", "slug", "title", "authors", "kind", "year", "url", "rank", "recommended_by_id",
                            "note", "source", "status"), "id", json_columns=("authors",), derived=("status",)),
    Journaled("chapters", ("id", "book_id", "number", "title", "position", "pages", "source", "status",
                           "favourite"), "id", derived=("status", "favourite")),
    Journaled("chapter_topics", ("chapter_id", "topic_id", "position"), None),
    Journaled("resource_topics", ("resource_id", "topic_id", "position"), None),
    Journaled("interests", ("topic_id", "position"), "topic_id"),
    Journaled("events", EVENT_COLUMNS, "id"),
    Journaled("settings", ("key", "value"), None),
]

COMMAND_OF_KIND = {
    "read": "read", "finish": "read", "favourite": "fav", "unfavourite": "unfav", "revisit": "revisit",
    "snooze": "snooze", "break": "break", "stop": "book stop", "note": "note", "queue": "resource queue",
    "start": "resource start", "done": "resource done", "dismiss": "resource dismiss",
}


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("undone", sa.String(length=7), nullable=False),
        sa.Column("replaced_copy", sa.Text(), nullable=True),
        sa.CheckConstraint("undone IN ('no', 'partly', 'yes')", name=op.f("ck_changes_undone")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_changes_undone"), "changes", ["undone"])
    op.create_table(
        "change_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("tbl", sa.String(length=30), nullable=False),
        sa.Column("op", sa.String(length=1), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("image", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name=op.f("fk_change_rows_change_id_changes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_rows")),
    )
    op.create_index("ix_change_rows_change_id", "change_rows", ["change_id", "id"])
    op.create_index("ix_change_rows_tbl_row", "change_rows", ["tbl", "row_id"])
    op.create_table(
        "change_open",
        sa.Column("change_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_change_open")),
    )
    conn = op.get_bind()
    install(conn, JOURNALED)
    _events_become_changes(conn)


def _events_become_changes(conn: sa.Connection) -> None:
    cases = " ".join(f"WHEN '{kind}' THEN '{command}'" for kind, command in COMMAND_OF_KIND.items())
    sqlite = conn.dialect.name == "sqlite"
    concat = "||"
    summary = (
        f"e.kind {concat} coalesce(' ' {concat} b.slug, ' ' {concat} r.slug, '') "
        f"{concat} coalesce(' ' {concat} c.number, '')"
    )
    conn.exec_driver_sql(
        "INSERT INTO changes (id, at, command, summary, undone) "
        f"SELECT e.id, e.at, CASE e.kind {cases} ELSE e.kind END, {summary}, 'no' FROM events e "
        "LEFT JOIN books b ON b.id = e.book_id LEFT JOIN chapters c ON c.id = e.chapter_id "
        "LEFT JOIN resources r ON r.id = e.resource_id ORDER BY e.id"
    )
    if sqlite:
        image = "json_object(" + ", ".join(f"'{c}', e.{c}" for c in EVENT_COLUMNS) + ")"
    else:
        image = "to_jsonb(e)::text"
    conn.exec_driver_sql(
        "INSERT INTO change_rows (change_id, tbl, op, row_id, image) "
        f"SELECT e.id, 'events', 'I', e.id, {image} FROM events e ORDER BY e.id"
    )
    if not sqlite:
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('changes', 'id'), coalesce(max(id), 0) + 1, false) FROM changes")


def downgrade() -> None:
    conn = op.get_bind()
    for spec in JOURNALED:
        if conn.dialect.name == "sqlite":
            for name in ("ins", "upd", "del"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS tracker_change_{spec.table}_{name}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS tracker_change_{spec.table} ON {spec.table}")
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS tracker_change_row()")
    op.drop_table("change_open")
    op.drop_index("ix_change_rows_tbl_row", table_name="change_rows")
    op.drop_index("ix_change_rows_change_id", table_name="change_rows")
    op.drop_table("change_rows")
    op.drop_index(op.f("ix_changes_undone"), table_name="changes")
    op.drop_table("changes")
