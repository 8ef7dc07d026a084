"""The reciprocal-sharing ledger on SQL: reports and the log of every query."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import shared_queries, shared_reports
from fengkong.domain.ports import SharedQuery, SharedReport


class SqlSharingLedger:
    """SharingLedger over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def add_report(self, institution_id: str, subject_type: str, subject_hash: str, risk_type: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                insert(shared_reports).values(
                    institution_id=institution_id,
                    subject_type=subject_type,
                    subject_hash=subject_hash,
                    risk_type=risk_type,
                    reported_at=datetime.now(UTC),
                )
            )

    def has_reported(self, institution_id: str) -> bool:
        stmt = select(shared_reports.c.id).where(shared_reports.c.institution_id == institution_id).limit(1)
        with self._db.connect() as conn:
            return conn.execute(stmt).first() is not None

    def reports_about(self, subject_type: str, subject_hash: str) -> list[SharedReport]:
        stmt = (
            select(shared_reports.c.institution_id, shared_reports.c.risk_type, shared_reports.c.reported_at)
            .where(shared_reports.c.subject_type == subject_type, shared_reports.c.subject_hash == subject_hash)
            .order_by(shared_reports.c.id)
        )
        with self._db.connect() as conn:
            return [SharedReport(r[0], r[1], aware(r[2])) for r in conn.execute(stmt)]

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
