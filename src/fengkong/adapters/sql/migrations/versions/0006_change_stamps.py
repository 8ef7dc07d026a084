"""Change stamps: a counter per cached source, raised with every write to it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SOURCES = ("reference", "lists", "tokens", "merchants")


def upgrade() -> None:
    table = op.create_table(
        "change_stamps",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(table, [{"source": s, "n": 0} for s in SOURCES])


def downgrade() -> None:
    op.drop_table("change_stamps")
