"""a book's rating: the reader's own 1–5 stars (`book rate`, a Goodreads import)

The column is nullable (no rating) and checked to lie from 1 to 5. On SQLite batch
mode rebuilds `books` to add the check, which drops its journal triggers; they are
installed again with the new column, so that `undo` puts a rating back (on
PostgreSQL the trigger's `UPDATE OF` list must name the column too).

Revision ID: 0006_book_rating
Revises: 0005_change_journal
Create Date: 2026-12-11 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.change_triggers import Journaled, install

revision: str = "0006_book_rating"
down_revision: str | None = "0005_change_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOOK_COLUMNS = ("id", "slug", "title", "authors", "year", "url", "isbn", "note", "source", "bundled", "status")


def _books(columns: tuple[str, ...]) -> Journaled:
    return Journaled("books", columns, "id", json_columns=("authors",), derived=("status",))


def upgrade() -> None:
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("rating", "rating IS NULL OR (rating >= 1 AND rating <= 5)")
    install(op.get_bind(), [_books((*BOOK_COLUMNS, "rating"))])


def downgrade() -> None:
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_books_rating"), type_="check")
        batch_op.drop_column("rating")
    install(op.get_bind(), [_books(BOOK_COLUMNS)])
