"""List entries may say when the period they are about began (e.g. when a terminal found to be a
common point of compromise began recording cards): `period_from`, an event time, or null.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_entries") as batch:
        batch.add_column(sa.Column("period_from", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_entries") as batch:
        batch.drop_column("period_from")
