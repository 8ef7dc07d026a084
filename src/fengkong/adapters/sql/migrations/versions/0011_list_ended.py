"""A removal ends a list entry at a time instead of hiding it (`ended_at`, an event time, or
null): a replay or backtest still meets the entry for what came before. The entry keeps its
planned expiry. Rows hidden before this (`active` false) stay hidden: their end was not kept.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_entries") as batch:
        batch.add_column(sa.Column("ended_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_entries") as batch:
        batch.drop_column("ended_at")
