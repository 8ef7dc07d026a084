"""The identifier-hash key version the stored hashes are made with (1 until the first rotation).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.bulk_insert(
        sa.table("change_stamps", sa.column("source"), sa.column("n")), [{"source": "identifier_keys", "n": 1}]
    )


def downgrade() -> None:
    op.execute("DELETE FROM change_stamps WHERE source = 'identifier_keys'")
