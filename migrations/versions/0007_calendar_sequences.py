"""what each calendar export said of each revisit event, so that SEQUENCE never goes down

`calendar_events` remembers, per iCalendar UID (one per chapter that ever had a revisit
card), what the last `export --format ics` said of it: its status, date, summary, a
digest of the whole event, its SEQUENCE and the time that version was first exported.
An export bumps the SEQUENCE of an event whose digest changed. The table is not a fact
of the library: it is not journaled (undo leaves it, so a SEQUENCE never goes down),
restore and `book remove` keep it (a removed book's events are exported as cancelled).
A new table: every existing row of every other table is kept as it is.

Revision ID: 0007_calendar_sequences
Revises: 0006_book_rating
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_calendar_sequences"
down_revision: str | None = "0006_book_rating"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_events",
        sa.Column("uid", sa.String(length=250), nullable=False),
        sa.Column("book", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('CONFIRMED', 'CANCELLED')", name=op.f("ck_calendar_events_status")),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_calendar_events")),
    )


def downgrade() -> None:
    op.drop_table("calendar_events")
