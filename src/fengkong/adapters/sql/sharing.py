"""The reciprocal-sharing ledger on SQL: reports and the log of every query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import shared_queries, shared_reports
from fengkong.domain.ports import SharedQuery, SharedReport

_SOURCE = "sharing"  # the change stamp the read model follows


class SqlSharingLedger:
    """SharingLedger over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def add_report(self, institution_id: str, subject_type: str, subject_hash: str, risk_type: str) -> None:
        self.add(subject_type, subject_hash, SharedReport(institution_id, risk_type, datetime.now(UTC)))

    def add(self, subject_type: str, subject_hash: str, report: SharedReport) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                insert(shared_reports).values(
                    institution_id=report.institution_id,
                    subject_type=subject_type,
                    subject_hash=subject_hash,
                    risk_type=report.risk_type,
                    reported_at=report.reported_at,
                    report_id=report.report_id,
                    amount_fen=report.amount_fen,
                    card_count=report.card_count,
                    disclosed_by=report.disclosed_by,
                    origin=report.origin,
                )
            )
            stamps.bump(conn, _SOURCE)

    def has_reported(self, institution_id: str) -> bool:
        stmt = select(shared_reports.c.id).where(shared_reports.c.institution_id == institution_id).limit(1)
        with self._db.connect() as conn:
            return conn.execute(stmt).first() is not None

    def has_report(self, report_id: str) -> bool:
        stmt = select(shared_reports.c.id).where(shared_reports.c.report_id == report_id).limit(1)
        with self._db.connect() as conn:
            return conn.execute(stmt).first() is not None

    def reports_about(self, subject_type: str, subject_hash: str) -> list[SharedReport]:
        stmt = (
            select(shared_reports)
            .where(shared_reports.c.subject_type == subject_type, shared_reports.c.subject_hash == subject_hash)
            .order_by(shared_reports.c.id)
        )
        with self._db.connect() as conn:
            return [_report(r) for r in conn.execute(stmt)]

    def all_reports(self) -> list[tuple[str, str, SharedReport]]:
        stmt = select(shared_reports).order_by(shared_reports.c.id)
        with self._db.connect() as conn:
            return [(r.subject_type, r.subject_hash, _report(r)) for r in conn.execute(stmt)]

    def reports_after(self, after: int, limit: int) -> list[tuple[int, str, str, SharedReport]]:
        stmt = select(shared_reports).where(shared_reports.c.id > after).order_by(shared_reports.c.id).limit(limit)
        with self._db.connect() as conn:
            return [(int(r.id), r.subject_type, r.subject_hash, _report(r)) for r in conn.execute(stmt)]

    def stamp(self) -> int:
        with self._db.connect() as conn:
            return stamps.read(conn, _SOURCE)

    def log_query(self, institution_id: str, subject_type: str, subject_hash: str, allowed: bool) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                insert(shared_queries).values(
                    institution_id=institution_id,
                    subject_type=subject_type,
                    subject_hash=subject_hash,
                    allowed=allowed,
                    asked_at=datetime.now(UTC),
                )
            )

    def queries(self, limit: int = 100) -> list[SharedQuery]:
        stmt = select(shared_queries).order_by(shared_queries.c.id.desc()).limit(limit)
        with self._db.connect() as conn:
            return [
                SharedQuery(r.institution_id, r.subject_type, r.allowed, aware(r.asked_at)) for r in conn.execute(stmt)
            ]


def _report(row: Any) -> SharedReport:
    return SharedReport(
        row.institution_id,
        row.risk_type,
        aware(row.reported_at),
        row.report_id,
        row.amount_fen,
        row.card_count,
        row.disclosed_by,
        row.origin,
    )
