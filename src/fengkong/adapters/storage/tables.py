"""Table definitions (SQLAlchemy Core). Migrations in migrations/versions create the same."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# BigInteger primary keys autoincrement on PostgreSQL; on SQLite they must be INTEGER to alias rowid.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

event_log = Table(
    "event_log",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("event_type", String(32), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("ts", Float, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("customer_id", String(256)),
    Column("account_id", String(256)),
    Column("counterparty_account_id", String(256)),
    Column("card_id", String(256)),
    Column("amount_fen", BigInteger),
    Column("decision", String(24), nullable=False),
    Column("score", Float, nullable=False),
    Column("ruleset_version", String(32), nullable=False),
    Column("record", Text, nullable=False),
    Column("decision_record", Text, nullable=False),
    Index("ix_event_log_customer_ts", "customer_id", "ts"),
    Index("ix_event_log_account_ts", "account_id", "ts"),
)

rejected_events = Table(
    "rejected_events",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("event_id", String(128)),
    Column("field", String(256), nullable=False),
    Column("message", Text, nullable=False),
    Column("raw_excerpt", Text, nullable=False),
    Column("raw_size", BigInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_rejected_events_event_id", "event_id"),
)

state_snapshots = Table(
    "state_snapshots",
    metadata,
    Column("fingerprint", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

rulesets = Table(
    "rulesets",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("first_loaded_at", DateTime(timezone=True), nullable=False),
    Column("files", Text, nullable=False),
)

reference_data = Table(
    "reference_data",
    metadata,
    Column("kind", String(64), primary_key=True),
    Column("entity_id", String(256), primary_key=True),
    Column("record", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(128), nullable=False),
    Column("reason", Text, nullable=False),
)

reference_history = Table(
    "reference_history",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("entity_id", String(256), nullable=False),
    Column("record", Text),
    Column("version", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_reference_history_entity", "kind", "entity_id"),
)
