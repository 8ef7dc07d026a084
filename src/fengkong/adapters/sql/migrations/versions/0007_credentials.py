"""Credentials: API keys (keyed hashes), local users (scrypt, sealed TOTP seeds), login sessions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("institution", sa.String(64), nullable=False),
        sa.Column("roles", sa.String(256), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("replaced_by", sa.String(32)),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_table(
        "login_sessions",
        sa.Column("session_id", sa.String(32), primary_key=True),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(sa.table("change_stamps", sa.column("source"), sa.column("n")), [{"source": "credentials", "n": 0}])


def downgrade() -> None:
    op.drop_table("login_sessions")
    op.drop_table("users")
    op.drop_table("api_keys")
    op.execute("DELETE FROM change_stamps WHERE source = 'credentials'")
