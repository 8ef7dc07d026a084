"""Lists (incl. stop-payment, freezes, penalties), maker-checker change requests, the
hash-chained audit log, the narrow transfers table for fund tracing, reciprocal sharing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "list_entries",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("list_type", sa.String(64), nullable=False),
        sa.Column("match_key", sa.String(256), nullable=False),
        sa.Column("display", sa.String(256), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float),
        sa.Column("amount_fen", sa.BigInteger),
        sa.Column("case_number", sa.String(128)),
        sa.Column("authority", sa.String(256)),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_index("ix_list_entries_match", "list_entries", ["list_type", "match_key"])
    op.create_table(
        "change_requests",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("maker", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checker", sa.String(128)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("checker_note", sa.Text),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "transfers",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("from_account", sa.String(256), nullable=False),
        sa.Column("to_account", sa.String(256), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("decision", sa.String(24), nullable=False),
    )
    op.create_index("ix_transfers_from_ts", "transfers", ["from_account", "ts"])
    op.create_index("ix_transfers_event", "transfers", ["event_id"])
    op.create_table(
        "shared_reports",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("institution_id", sa.String(128), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("risk_type", sa.String(64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_shared_reports_subject", "shared_reports", ["subject_type", "subject_hash"])
    op.create_index("ix_shared_reports_institution", "shared_reports", ["institution_id"])
    op.create_table(
        "shared_queries",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("institution_id", sa.String(128), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in ("shared_queries", "shared_reports", "transfers", "audit_log", "change_requests", "list_entries"):
        op.drop_table(name)
