"""Lists, maker-checker requests, the hash-chained audit log, transfers for tracing and the
reciprocal-sharing tables, in the same SQL database as the event log."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from fengkong import jsonio
from fengkong.adapters.crypto.sm3 import sm3_hex
from fengkong.adapters.storage.sql import make_engine
from fengkong.adapters.storage.tables import (
    audit_log,
    change_requests,
    list_entries,
    shared_queries,
    shared_reports,
    transfers,
)
from fengkong.domain import audit as audit_chain
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.tracing import Transfer

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    id: int
    action: str
    payload: dict[str, Any]
    maker: str
    reason: str
    created_at: str
    status: str  # pending | approved | rejected
    checker: str | None
    checker_note: str | None


def _entry(row: Any) -> ListEntry:
    return ListEntry(row.id, row.list_type, row.match_key, row.display, row.source, row.reason, row.evidence,
                     row.added_by, row.starts_at, row.expires_at, row.amount_fen, row.case_number, row.authority)


class SqlControlStore:
    def __init__(self, url: str):
        self.engine = make_engine(url)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lists
    def add_entry(self, entry: ListEntry) -> ListEntry:
        values = {k: getattr(entry, k) for k in ("list_type", "match_key", "display", "source", "reason", "evidence",
                                                  "added_by", "starts_at", "expires_at", "amount_fen", "case_number",
                                                  "authority")}
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(list_entries).values(**values, added_at=datetime.now(UTC),
                                                              active=True).returning(list_entries.c.id)).scalar_one()
        return ListEntry(int(new_id), *[getattr(entry, k) for k in (
            "list_type", "match_key", "display", "source", "reason", "evidence", "added_by", "starts_at",
            "expires_at", "amount_fen", "case_number", "authority")])

    def deactivate(self, entry_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(list_entries).where(list_entries.c.id == entry_id).values(active=False))

    def entry(self, entry_id: int) -> ListEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(list_entries).where(list_entries.c.id == entry_id, list_entries.c.active)).first()
        return None if row is None else _entry(row)

    def active_entries(self) -> list[ListEntry]:
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(select(list_entries).where(list_entries.c.active))]

    def find(self, list_type: str, match_key: str) -> list[ListEntry]:
        stmt = select(list_entries).where(list_entries.c.list_type == list_type, list_entries.c.match_key == match_key,
                                          list_entries.c.active)
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(stmt)]

    # ------------------------------------------------------------------ maker-checker
    def create_request(self, action: str, payload: dict[str, Any], maker: str, reason: str) -> ChangeRequest:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(change_requests).values(
                action=action, payload=jsonio.dumps_str(payload), maker=maker, reason=reason, created_at=now,
                status="pending").returning(change_requests.c.id)).scalar_one()
        return ChangeRequest(int(new_id), action, payload, maker, reason, now.isoformat(), "pending", None, None)

    def request(self, request_id: int) -> ChangeRequest | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(change_requests).where(change_requests.c.id == request_id)).first()
        if r is None:
            return None
        return ChangeRequest(r.id, r.action, jsonio.loads(r.payload), r.maker, r.reason, r.created_at.isoformat(),
                             r.status, r.checker, r.checker_note)

    def pending(self) -> list[ChangeRequest]:
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(select(change_requests.c.id).where(change_requests.c.status == "pending"))]
        return [r for i in ids if (r := self.request(i)) is not None]

    def decide_request(self, request_id: int, status: str, checker: str, note: str) -> bool:
        """Atomically move a pending request to approved/rejected; False if it was not pending."""
        with self.engine.begin() as conn:
            done = conn.execute(update(change_requests).where(
                and_(change_requests.c.id == request_id, change_requests.c.status == "pending")
            ).values(status=status, checker=checker, checker_note=note, decided_at=datetime.now(UTC)))
            return bool(done.rowcount)

    # ------------------------------------------------------------------ audit chain
    def append_audit(self, actor: str, action: str, obj: str, reason: str, payload: object) -> audit_chain.AuditRecord:
        body = audit_chain.canonical(payload)
        at = datetime.now(UTC).isoformat()
        with self._lock, self.engine.begin() as conn:
            last = conn.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).first()
            seq, prev = (1, audit_chain.GENESIS) if last is None else (int(last.seq) + 1, last.hash)
            digest = audit_chain.digest(seq, at, actor, action, obj, reason, body, prev, sm3_hex)
            conn.execute(insert(audit_log).values(seq=seq, at=at, actor=actor, action=action, object=obj,
                                                  reason=reason, payload=body, prev_hash=prev, hash=digest))
        return audit_chain.AuditRecord(seq, at, actor, action, obj, reason, body, prev, digest)

    def audit_records(self, after: int = 0, limit: int | None = None) -> list[audit_chain.AuditRecord]:
        stmt = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [audit_chain.AuditRecord(r.seq, r.at, r.actor, r.action, r.object, r.reason, r.payload, r.prev_hash, r.hash)
                    for r in conn.execute(stmt)]

    def verify_audit(self) -> audit_chain.ChainCheck:
        return audit_chain.verify(self.audit_records(), sm3_hex)

    def stamp(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(audit_log.c.seq))).scalar() or 0)

    # ------------------------------------------------------------------ transfers for tracing
    def transfer(self, event_id: str) -> Transfer | None:
        stmt = select(transfers).where(transfers.c.event_id == event_id)
        with self.engine.connect() as conn:
            r = conn.execute(stmt).first()
        return None if r is None else Transfer(r.event_id, r.ts, r.from_account, r.to_account, int(r.amount_fen))

    def outgoing(self, accounts: Sequence[str], since: float, until: float) -> list[Transfer]:
        out: list[Transfer] = []
        with self.engine.connect() as conn:
            for i in range(0, len(accounts), _CHUNK):
                stmt = select(transfers.c.event_id, transfers.c.ts, transfers.c.from_account, transfers.c.to_account,
                              transfers.c.amount_fen).where(
                    transfers.c.from_account.in_(accounts[i : i + _CHUNK]), transfers.c.ts >= since,
                    transfers.c.ts <= until, transfers.c.decision == "approve")
                out.extend(Transfer(r[0], r[1], r[2], r[3], int(r[4])) for r in conn.execute(stmt))
        return out

    # ------------------------------------------------------------------ reciprocal sharing
    def add_report(self, institution_id: str, subject_type: str, subject_hash: str, risk_type: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(shared_reports).values(institution_id=institution_id, subject_type=subject_type,
                                                       subject_hash=subject_hash, risk_type=risk_type,
                                                       reported_at=datetime.now(UTC)))

    def has_reported(self, institution_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(shared_reports.c.id).where(shared_reports.c.institution_id == institution_id).limit(1)).first() is not None

    def reports_about(self, subject_type: str, subject_hash: str) -> list[tuple[str, str, datetime]]:
        stmt = select(shared_reports.c.institution_id, shared_reports.c.risk_type, shared_reports.c.reported_at).where(
            shared_reports.c.subject_type == subject_type, shared_reports.c.subject_hash == subject_hash)
        with self.engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(stmt)]

    def log_query(self, institution_id: str, subject_type: str, subject_hash: str, allowed: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(shared_queries).values(institution_id=institution_id, subject_type=subject_type,
                                                       subject_hash=subject_hash, allowed=allowed,
                                                       asked_at=datetime.now(UTC)))

    def query_log(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(shared_queries).order_by(shared_queries.c.id.desc()).limit(limit))
            return [{"institution_id": r.institution_id, "subject_type": r.subject_type, "allowed": r.allowed,
                     "asked_at": r.asked_at.isoformat()} for r in rows]

    def close(self) -> None:
        self.engine.dispose()
