"""The reciprocal-sharing ledger in memory."""

from __future__ import annotations

from datetime import UTC, datetime

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.ports import SharedQuery, SharedReport


class MemorySharingLedger:
    """SharingLedger in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._reports: list[tuple[str, str, SharedReport]] = []  # (subject type, subject hash, report)
        self._queries: list[SharedQuery] = []
        self._stamp = 0

    def add_report(self, institution_id: str, subject_type: str, subject_hash: str, risk_type: str) -> None:
        self.add(subject_type, subject_hash, SharedReport(institution_id, risk_type, datetime.now(UTC)))

    def add(self, subject_type: str, subject_hash: str, report: SharedReport) -> None:
        with self._uow.atomic():
            if report.report_id is not None and any(r.report_id == report.report_id for _, _, r in self._reports):
                raise ValueError(f"report {report.report_id} is kept already")  # the SQL unique constraint
            self._reports.append((subject_type, subject_hash, report))
            self._uow.journal(self._reports.pop)
            self._stamp += 1
            self._uow.journal(self._unstamp)

    def _unstamp(self) -> None:
        self._stamp -= 1

    def has_reported(self, institution_id: str) -> bool:
        with self._uow.reading():
            return any(r.institution_id == institution_id for _, _, r in self._reports)

    def has_report(self, report_id: str) -> bool:
        with self._uow.reading():
            return any(r.report_id == report_id for _, _, r in self._reports)

    def reports_about(self, subject_type: str, subject_hash: str) -> list[SharedReport]:
        with self._uow.reading():
            return [r for t, h, r in self._reports if t == subject_type and h == subject_hash]

    def all_reports(self) -> list[tuple[str, str, SharedReport]]:
        with self._uow.reading():
            return list(self._reports)

    def reports_after(self, after: int, limit: int) -> list[tuple[int, str, str, SharedReport]]:
        with self._uow.reading():
            return [(i + 1, t, h, r) for i, (t, h, r) in enumerate(self._reports) if i + 1 > after][:limit]

    def stamp(self) -> int:
        return self._stamp

    def log_query(self, institution_id: str, subject_type: str, subject_hash: str, allowed: bool) -> None:
        with self._uow.atomic():
            self._queries.append(SharedQuery(institution_id, subject_type, allowed, datetime.now(UTC)))
            self._uow.journal(self._queries.pop)

    def queries(self, limit: int = 100) -> list[SharedQuery]:
        with self._uow.reading():
            return list(reversed(self._queries[-limit:])) if limit > 0 else []
