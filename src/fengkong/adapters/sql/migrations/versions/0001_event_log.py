"""Event log, rejected events, state snapshots, rule set archive.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False, unique=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.String(256)),
        sa.Column("account_id", sa.String(256)),
        sa.Column("counterparty_account_id", sa.String(256)),
        sa.Column("card_id", sa.String(256)),
        sa.Column("amount_fen", sa.BigInteger),
        sa.Column("decision", sa.String(24), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("ruleset_version", sa.String(32), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("decision_record", sa.Text, nullable=False),
    )
    op.create_index("ix_event_log_customer_ts", "event_log", ["customer_id", "ts"])
    op.create_index("ix_event_log_account_ts", "event_log", ["account_id", "ts"])
    op.create_table(
        "rejected_events",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128)),
        sa.Column("field", sa.String(256), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("raw_excerpt", sa.Text, nullable=False),
        sa.Column("raw_size", sa.BigInteger, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rejected_events_event_id", "rejected_events", ["event_id"])
    op.create_table(
        "state_snapshots",
        sa.Column("fingerprint", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "rulesets",
        sa.Column("version", sa.String(32), primary_key=True),
        sa.Column("first_loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rulesets")
    op.drop_table("state_snapshots")
    op.drop_index("ix_rejected_events_event_id", "rejected_events")
    op.drop_table("rejected_events")
    op.drop_index("ix_event_log_account_ts", "event_log")
    op.drop_index("ix_event_log_customer_ts", "event_log")
    op.drop_table("event_log")
