"""Event log on SQLAlchemy Core: SQLite (embedded default) and PostgreSQL (production).

One open connection, one transaction per batch: an acknowledged batch is committed before the
engine returns its decisions. SQLite runs in WAL mode; `synchronous=NORMAL` survives a killed
process (what the contract requires), `FULL` also survives power loss at a cost per commit.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, delete, event, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from fengkong import jsonio
from fengkong.adapters.storage import migrate
from fengkong.adapters.storage.tables import event_log, rejected_events, rulesets, state_snapshots
from fengkong.domain.decisions import Decision
from fengkong.domain.events import Event
from fengkong.domain.ports import LoggedEvent, RejectedRecord

_CHUNK = 500
_APPEND_COLUMNS = (
    "event_id", "event_type", "occurred_at", "ts", "received_at", "customer_id", "account_id",
    "counterparty_account_id", "card_id", "amount_fen", "decision", "score", "ruleset_version",
    "record", "decision_record",
)


_dumps = jsonio.dumps_str


def make_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine:
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # Checkpoints run in a background thread (SqlEventLog), never inside a commit.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


class SqlEventLog:
    """EventLog over any SQLAlchemy database; migrates the schema to head when opened."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL", run_migrations: bool = True):
        self.url = url
        self.engine = make_engine(url, sqlite_synchronous)
        if run_migrations:
            migrate.upgrade(self.engine)
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._sqlite = self.engine.dialect.name == "sqlite"
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        columns = _APPEND_COLUMNS
        self._insert_sql = (
            f"INSERT INTO event_log ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
        )
        self._transfer_sql = (
            "INSERT INTO transfers (event_id, ts, from_account, to_account, amount_fen, decision) VALUES ("
            + ", ".join([marker] * 6) + ")"
        )
        self._closing = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if self._sqlite and ":memory:" not in url and url != "sqlite://":
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
            self._checkpointer.start()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect()
        return self._conn

    def _write(self, work: Any) -> Any:
        with self._lock:
            conn = self._connection()
            try:
                result = work(conn)
                conn.commit()
                return result
            except DBAPIError:
                conn.rollback()
                if conn.invalidated:
                    self._conn = None
                raise

    def _read(self, work: Any) -> Any:
        with self._lock:
            conn = self._connection()
            try:
                return work(conn)
            finally:
                conn.rollback()

    def append(
        self, entries: Sequence[tuple[Event, Decision]], rejected: Sequence[RejectedRecord] = ()
    ) -> int:
        now = self._timestamp(datetime.now(UTC))
        rows = []
        for ev, decision in entries:
            fields = ev.fields
            rows.append(
                (
                    ev.event_id, ev.type.value, self._timestamp(ev.occurred_at), ev.ts, now,
                    fields.get("customer_id"), fields.get("account_id"),
                    fields.get("counterparty_account_id"), fields.get("card_id"), ev.amount_fen,
                    decision.decision.value, decision.score, decision.ruleset_version,
                    _dumps(ev.to_record()), _dumps(decision.to_dict()),
                )
            )
        transfer_rows = [
            (ev.event_id, ev.ts, ev.fields["account_id"], ev.fields["counterparty_account_id"], ev.amount_fen,
             decision.decision.value)
            for ev, decision in entries
            if ev.fields.get("txn_type") == "transfer" and ev.fields.get("account_id")
            and ev.fields.get("counterparty_account_id") and ev.amount_fen
        ]
        rejected_rows = [
            {
                "event_id": r.event_id,
                "field": r.field[:256],
                "message": r.message,
                "raw_excerpt": r.raw_excerpt,
                "raw_size": r.raw_size,
                "received_at": datetime.fromisoformat(r.received_at),
            }
            for r in rejected
        ]

        def work(conn: Connection) -> int:
            last = 0
            if rows:
                # The driver's executemany with plain tuples: SQLAlchemy's per-row type handling
                # cost more than SQLite itself. One writer per log, so the newest seq after the
                # insert is the last of this batch.
                conn.exec_driver_sql(self._insert_sql, rows)
                last = int(conn.execute(select(func.max(event_log.c.seq))).scalar() or 0)
            if transfer_rows:
                conn.exec_driver_sql(self._transfer_sql, transfer_rows)
            if rejected_rows:
                conn.execute(insert(rejected_events), rejected_rows)
            return last

        result: int = self._write(work)
        return result

    def _timestamp(self, moment: datetime) -> Any:
        """UTC; as SQLAlchemy's SQLite DateTime text on SQLite, a datetime elsewhere."""
        utc = moment.astimezone(UTC)
        if self._sqlite:
            return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
        return utc

    def find_decisions(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(event_ids))

        def work(conn: Connection) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                stmt = select(event_log.c.event_id, event_log.c.decision_record).where(
                    event_log.c.event_id.in_(chunk)
                )
                for event_id, record in conn.execute(stmt):
                    found[event_id] = jsonio.loads(record)
            return found

        result: dict[str, dict[str, Any]] = self._read(work)
        return result

    def find_events(self, event_ids: Iterable[str]) -> dict[str, LoggedEvent]:
        ids = list(dict.fromkeys(event_ids))

        def work(conn: Connection) -> dict[str, LoggedEvent]:
            found: dict[str, LoggedEvent] = {}
            for i in range(0, len(ids), _CHUNK):
                stmt = select(event_log.c.seq, event_log.c.event_id, event_log.c.record, event_log.c.decision_record).where(
                    event_log.c.event_id.in_(ids[i : i + _CHUNK])
                )
                for seq, event_id, record, decision in conn.execute(stmt):
                    found[event_id] = LoggedEvent(seq, jsonio.loads(record), jsonio.loads(decision))
            return found

        result: dict[str, LoggedEvent] = self._read(work)
        return result

    def replay(self, after_seq: int) -> Iterator[LoggedEvent]:
        stmt = (
            select(event_log.c.seq, event_log.c.record, event_log.c.decision_record)
            .where(event_log.c.seq > after_seq)
            .order_by(event_log.c.seq)
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)
            for seq, record, decision in result:
                yield LoggedEvent(seq, jsonio.loads(record), jsonio.loads(decision))

    def last_seq(self) -> int:
        value = self._read(lambda c: c.execute(select(func.max(event_log.c.seq))).scalar())
        return int(value or 0)

    def count(self) -> int:
        return int(self._read(lambda c: c.execute(select(func.count()).select_from(event_log)).scalar()) or 0)

    def rejected(self, limit: int = 100) -> list[RejectedRecord]:
        stmt = select(rejected_events).order_by(rejected_events.c.id.desc()).limit(limit)
        rows = self._read(lambda c: list(c.execute(stmt)))
        return [
            RejectedRecord(
                r.event_id, r.field, r.message, r.raw_excerpt, r.raw_size,
                r.received_at.isoformat() if r.received_at else "",
            )
            for r in rows
        ]

    def decisions_by_outcome(self) -> dict[str, int]:
        stmt = select(event_log.c.decision, func.count()).group_by(event_log.c.decision)
        return {d: int(n) for d, n in self._read(lambda c: list(c.execute(stmt)))}

    def save_snapshot(self, fingerprint: str, seq: int, states: Mapping[str, Any]) -> None:
        payload = zlib.compress(jsonio.dumps(states), 3)

        def work(conn: Connection) -> None:
            conn.execute(delete(state_snapshots).where(state_snapshots.c.fingerprint == fingerprint))
            conn.execute(
                insert(state_snapshots).values(
                    fingerprint=fingerprint, seq=seq, created_at=datetime.now(UTC), payload=payload
                )
            )

        self._write(work)

    def load_snapshot(self, fingerprint: str) -> tuple[int, dict[str, Any]] | None:
        stmt = select(state_snapshots.c.seq, state_snapshots.c.payload).where(
            state_snapshots.c.fingerprint == fingerprint
        )
        row = self._read(lambda c: c.execute(stmt).first())
        if row is None:
            return None
        return int(row[0]), jsonio.loads(zlib.decompress(row[1]))

    def record_ruleset(self, version: str, files: Sequence[str]) -> None:
        def work(conn: Connection) -> None:
            exists = conn.execute(select(rulesets.c.version).where(rulesets.c.version == version)).first()
            if exists is None:
                conn.execute(
                    insert(rulesets).values(
                        version=version, first_loaded_at=datetime.now(UTC), files=_dumps(list(files))
                    )
                )

        self._write(work)

    def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database file off the request path (PASSIVE: never blocks writers)."""
        import sqlite3

        path = self.url.split("sqlite:///", 1)[1]
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        try:
            while not self._closing.wait(0.5):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    continue
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._closing.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        self.engine.dispose()
