"""Table definitions (SQLAlchemy Core). Migrations in migrations/versions create the same."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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

list_entries = Table(
    "list_entries",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("list_type", String(64), nullable=False),
    Column("match_key", String(256), nullable=False),
    Column("display", String(256), nullable=False),
    Column("source", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("added_by", String(128), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("starts_at", Float, nullable=False),
    Column("expires_at", Float),
    Column("amount_fen", BigInteger),
    Column("case_number", String(128)),
    Column("authority", String(256)),
    Column("period_from", Float),
    Column("ended_at", Float),  # when a removal ended it (event time); expires_at stays as planned
    Column("active", Boolean, nullable=False),
    Index("ix_list_entries_match", "list_type", "match_key"),
)

change_requests = Table(
    "change_requests",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("action", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("maker", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("checker", String(128)),
    Column("decided_at", DateTime(timezone=True)),
    Column("checker_note", Text),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object", String(256), nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

transfers = Table(
    "transfers",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False),
    Column("ts", Float, nullable=False),
    Column("from_account", String(256), nullable=False),
    Column("to_account", String(256), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("decision", String(24), nullable=False),
    Index("ix_transfers_from_ts", "from_account", "ts"),
    Index("ix_transfers_event", "event_id"),
)

shared_reports = Table(
    "shared_reports",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("institution_id", String(128), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_hash", String(64), nullable=False),
    Column("risk_type", String(64), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    # 0012: signed reports between institutions
    Column("report_id", String(32), unique=True),
    Column("amount_fen", BigInteger),
    Column("card_count", Integer),
    Column("disclosed_by", String(128)),
    Column("origin", String(16), nullable=False, server_default="local"),
    Index("ix_shared_reports_subject", "subject_type", "subject_hash"),
    Index("ix_shared_reports_institution", "institution_id"),
)

# Signed reports waiting for a peer to take them, and how far reports were pulled from a peer.
sharing_outbox = Table(
    "sharing_outbox",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("peer", String(512), nullable=False),
    Column("report_id", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(512)),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_sharing_outbox_peer_state", "peer", "state", "id"),
)

sharing_cursors = Table(
    "sharing_cursors",
    metadata,
    Column("peer", String(512), primary_key=True),
    Column("after", BigInteger, nullable=False),
)

shared_queries = Table(
    "shared_queries",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("institution_id", String(128), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_hash", String(64), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("asked_at", DateTime(timezone=True), nullable=False),
)

vault_data_keys = Table(
    "vault_data_keys",
    metadata,
    Column("dek_id", String(40), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("master_version", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
)

vault_cards = Table(
    "vault_cards",
    metadata,
    Column("card_ref", String(64), primary_key=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("dek_id", String(40), nullable=False),
    Column("masked", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

payment_tokens = Table(
    "payment_tokens",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("card_ref", String(64), nullable=False),
    Column("masked", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("controls", Text, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_payment_tokens_card", "card_ref"),
)

registry = Table(
    "registry",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("entity_id", String(128), primary_key=True),
    Column("record", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("identity_hash", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_registry_identity", "kind", "identity_hash"),
)

# One counter per source the decision path caches (lists, tokens, merchants, reference data),
# raised in the same transaction as every write to it: the read model reloads when it moves.
change_stamps = Table(
    "change_stamps",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("label", String(128), nullable=False),
    Column("institution", String(64), nullable=False),
    Column("roles", String(256), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("replaced_by", String(32)),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("record", Text, nullable=False),  # JSON of the User (a password hash, a sealed TOTP seed)
)

login_sessions = Table(
    "login_sessions",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column("secret_hash", String(128), nullable=False),
    Column("username", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)
