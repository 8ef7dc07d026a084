"""Reference data (customer limits, transfer agreements) with change history; index on
original_event_id for reversals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reference_data",
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(256), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "reference_history",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(256), nullable=False),
        sa.Column("record", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_reference_history_entity", "reference_history", ["kind", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_reference_history_entity", "reference_history")
    op.drop_table("reference_history")
    op.drop_table("reference_data")
