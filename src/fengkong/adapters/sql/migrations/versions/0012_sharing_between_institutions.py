"""Sharing between institutions: reports carry their id (a replay is refused), amount and number
of cards, who may be named (the reporter's consent) and where they came from; an outbox of
signed reports waiting for a peer, and how far reports were pulled from each peer. The sharing
ledger gets a change stamp: the decision path caches what it holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("shared_reports") as batch:
        batch.add_column(sa.Column("report_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("amount_fen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("card_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("disclosed_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="local"))
        batch.create_unique_constraint("uq_shared_reports_report_id", ["report_id"])
    op.create_table(
        "sharing_outbox",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("peer", sa.String(512), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(512), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sharing_outbox_peer_state", "sharing_outbox", ["peer", "state", "id"])
    op.create_table(
        "sharing_cursors",
        sa.Column("peer", sa.String(512), primary_key=True),
        sa.Column("after", sa.BigInteger(), nullable=False),
    )
    stamps = sa.table("change_stamps", sa.column("source", sa.String), sa.column("n", sa.BigInteger))
    op.bulk_insert(stamps, [{"source": "sharing", "n": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM change_stamps WHERE source = 'sharing'")
    op.drop_table("sharing_cursors")
    op.drop_index("ix_sharing_outbox_peer_state", table_name="sharing_outbox")
    op.drop_table("sharing_outbox")
    with op.batch_alter_table("shared_reports") as batch:
        batch.drop_constraint("uq_shared_reports_report_id", type_="unique")
        for name in ("origin", "disclosed_by", "card_count", "amount_fen", "report_id"):
            batch.drop_column(name)
