"""Account numbers kept as references: 1 for a new database; 0 for one that already holds account
numbers in clear, which `fengkong db protect-accounts` turns into references (and the platform
refuses to open until it has).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    held = any(
        conn.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None  # noqa: S608 - fixed names
        for table in ("event_log", "transfers", "list_entries", "reference_data")
    )
    op.bulk_insert(
        sa.table("change_stamps", sa.column("source"), sa.column("n")),
        [{"source": "account_references", "n": 0 if held else 1}],
    )


def downgrade() -> None:
    op.execute("DELETE FROM change_stamps WHERE source = 'account_references'")
