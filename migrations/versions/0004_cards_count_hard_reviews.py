"""cards count their reviews rated hard

Suggestions weigh favourite chapters by how often and how hard they were revisited;
reading those counts from the cards (one row per favourite) instead of aggregating
every revisit in the log keeps `tracker today` flat as the log grows. The new column
starts at 0: tracker re-folds the log into the cards right after this upgrade, in the
same transaction (tracker/db.py, CARDS_REFOLDED_AT).

Revision ID: 0004_cards_count_hard_reviews
Revises: 0003_event_ids_never_reused
Create Date: 2026-11-27 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_cards_count_hard_reviews"
down_revision: str | None = "0003_event_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("cards", "card_states"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("hards", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    for table in ("card_states", "cards"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hards")
