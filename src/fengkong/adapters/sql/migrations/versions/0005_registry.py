"""Merchant and terminal registries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry",
        sa.Column("kind", sa.String(16), primary_key=True),  # merchant | terminal
        sa.Column("entity_id", sa.String(128), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("identity_hash", sa.String(64)),  # legal representative (merchants)
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_registry_identity", "registry", ["kind", "identity_hash"])


def downgrade() -> None:
    op.drop_index("ix_registry_identity", "registry")
    op.drop_table("registry")
