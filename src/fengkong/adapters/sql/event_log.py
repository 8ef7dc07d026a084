"""The event log on SQL (SQLite, PostgreSQL): events with their decisions, rejected inputs,
state snapshots and the archive of rule set versions.

Appends use the driver's `executemany` with plain tuples: SQLAlchemy's per-row type handling
cost more than SQLite itself. One writer per log, so the newest position after the insert is
the last of the batch.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from fengkong import jsonio
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import event_log, rejected_events, rulesets, state_snapshots
from fengkong.domain.decisions import Decision
from fengkong.domain.errors import Conflict
from fengkong.domain.events import Event
from fengkong.domain.ports import RECENT_EVENTS, LoggedEvent, RejectedRecord

_CHUNK = 500
REPLAY_PAGE = 2000
_APPEND_COLUMNS = (
    "event_id",
    "event_type",
    "occurred_at",
    "ts",
    "received_at",
    "customer_id",
    "account_id",
    "counterparty_account_id",
    "card_id",
    "amount_fen",
    "decision",
    "score",
    "ruleset_version",
    "record",
    "decision_record",
)
# EVENT_COLUMNS as stored: the event type is a column named event_type.
_STORED = "seq, event_id, ts, event_type, decision, amount_fen, customer_id, account_id, card_id"


class SqlEventLog:
    """EventLog over the shared Database."""

    def __init__(self, db: Database):
        self._db = db
        self._sqlite = db.dialect == "sqlite"
        marker = "?" if db.paramstyle == "qmark" else "%s"
        self._insert_sql = f"INSERT INTO event_log ({', '.join(_APPEND_COLUMNS)}) VALUES ({', '.join([marker] * len(_APPEND_COLUMNS))})"

    def append(self, entries: Sequence[tuple[Event, Decision]], rejected: Sequence[RejectedRecord] = ()) -> int:
        now = self._timestamp(datetime.now(UTC))
        rows = []
        dumps = jsonio.dumps_str
        for ev, decision in entries:
            fields = ev.fields
            rows.append(
                (
                    ev.event_id,
                    ev.type.value,
                    self._timestamp(ev.occurred_at),
                    ev.ts,
                    now,
                    fields.get("customer_id"),
                    fields.get("account_id"),
                    fields.get("counterparty_account_id"),
                    fields.get("card_id"),
                    ev.amount_fen,
                    decision.decision.value,
                    decision.score,
                    decision.ruleset_version,
                    dumps(ev.to_record()),
                    dumps(decision.to_dict()),
                )
            )
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
        last = 0
        with self._db.transaction() as conn:
            if rows:
                try:
                    conn.exec_driver_sql(self._insert_sql, rows)
                except IntegrityError:
                    raise Conflict("event_id", "an event with this id is stored already") from None
                last = int(conn.execute(select(func.max(event_log.c.seq))).scalar() or 0)
            if rejected_rows:
                conn.execute(insert(rejected_events), rejected_rows)
        return last

    def _timestamp(self, moment: datetime) -> Any:
        """UTC; as SQLAlchemy's SQLite DateTime text on SQLite, a datetime elsewhere."""
        utc = moment.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self._sqlite else utc

    def find_decisions(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, dict[str, Any]] = {}
        with self._db.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                stmt = select(event_log.c.event_id, event_log.c.decision_record).where(
                    event_log.c.event_id.in_(ids[i : i + _CHUNK])
                )
                for event_id, record in conn.execute(stmt):
                    found[event_id] = jsonio.loads(record)
        return found

    def find_events(self, event_ids: Iterable[str]) -> dict[str, LoggedEvent]:
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, LoggedEvent] = {}
        with self._db.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                stmt = select(
                    event_log.c.seq, event_log.c.event_id, event_log.c.record, event_log.c.decision_record
                ).where(event_log.c.event_id.in_(ids[i : i + _CHUNK]))
                for seq, event_id, record, decision in conn.execute(stmt):
                    found[event_id] = LoggedEvent(seq, jsonio.loads(record), jsonio.loads(decision))
        return found

    def replay(self, after_seq: int) -> Iterator[LoggedEvent]:
        """Page by page (keyset on the position): no cursor is held open between pages."""
        after = after_seq
        while True:
            stmt = (
                select(event_log.c.seq, event_log.c.record, event_log.c.decision_record)
                .where(event_log.c.seq > after)
                .order_by(event_log.c.seq)
                .limit(REPLAY_PAGE)
            )
            with self._db.connect() as conn:
                page = conn.execute(stmt).all()
            for seq, record, decision in page:
                yield LoggedEvent(seq, jsonio.loads(record), jsonio.loads(decision))
            if len(page) < REPLAY_PAGE:
                return
            after = page[-1][0]

    def last_seq(self) -> int:
        with self._db.connect() as conn:
            return int(conn.execute(select(func.max(event_log.c.seq))).scalar() or 0)

    def stream_time(self) -> float | None:
        recent = select(event_log.c.ts).order_by(event_log.c.seq.desc()).limit(RECENT_EVENTS).subquery()
        with self._db.connect() as conn:
            latest = conn.execute(select(func.max(recent.c.ts))).scalar()
        return None if latest is None else float(latest)

    def count(self) -> int:
        with self._db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(event_log)).scalar() or 0)

    def rejected(self, limit: int = 100) -> list[RejectedRecord]:
        stmt = select(rejected_events).order_by(rejected_events.c.id.desc()).limit(limit)
        with self._db.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            RejectedRecord(
                r.event_id,
                r.field,
                r.message,
                r.raw_excerpt,
                r.raw_size,
                r.received_at.isoformat() if r.received_at else "",
            )
            for r in rows
        ]

    def columns(self, after_seq: int, paths: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
        """The database pulls the paths out of the stored JSON itself (SQLite `json_extract`,
        PostgreSQL `#>>`): several times faster than decoding every record in Python."""

        def pull(path: str) -> str:
            if self._sqlite:
                return f"json_extract(record, '$.{path}')"
            return f"(record::json #>> '{{{path.replace('.', ',')}}}')"

        for path in paths:
            if not path.replace(".", "").replace("_", "").isalnum():
                raise ValueError(f"not a field path: {path!r}")
        extracted = "".join(f", {pull(p)}" for p in paths)
        sql = text(f"SELECT {_STORED}{extracted} FROM event_log WHERE seq > :after ORDER BY seq LIMIT :n")
        with self._db.connect() as conn:
            return [tuple(row) for row in conn.execute(sql, {"after": after_seq, "n": limit})]

    def save_snapshot(self, fingerprint: str, seq: int, states: Mapping[str, Any]) -> None:
        payload = zlib.compress(jsonio.dumps(states), 3)
        with self._db.transaction() as conn:
            conn.execute(delete(state_snapshots).where(state_snapshots.c.fingerprint == fingerprint))
            conn.execute(
                insert(state_snapshots).values(
                    fingerprint=fingerprint, seq=seq, created_at=datetime.now(UTC), payload=payload
                )
            )

    def load_snapshot(self, fingerprint: str) -> tuple[int, dict[str, Any]] | None:
        stmt = select(state_snapshots.c.seq, state_snapshots.c.payload).where(
            state_snapshots.c.fingerprint == fingerprint
        )
        with self._db.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else (int(row[0]), jsonio.loads(zlib.decompress(row[1])))

    def record_ruleset(self, version: str, files: Sequence[str]) -> None:
        with self._db.transaction() as conn:
            if conn.execute(select(rulesets.c.version).where(rulesets.c.version == version)).first() is None:
                conn.execute(
                    insert(rulesets).values(
                        version=version, first_loaded_at=datetime.now(UTC), files=jsonio.dumps_str(list(files))
                    )
                )

    def rulesets(self) -> list[tuple[str, list[str]]]:
        stmt = select(rulesets.c.version, rulesets.c.files).order_by(rulesets.c.first_loaded_at, rulesets.c.version)
        with self._db.connect() as conn:
            return [(version, jsonio.loads(files)) for version, files in conn.execute(stmt)]
