"""The SharingLedger contract, over every adapter (memory, SQLite file and in memory, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from fengkong.bootstrap import Stores

H1, H2 = "a" * 64, "b" * 64


def test_reports_are_found_by_subject(stores: Stores) -> None:
    ledger = stores.sharing
    ledger.add_report("bank-a", "card", H1, "fraud")
    ledger.add_report("bank-b", "card", H1, "cash_out")
    ledger.add_report("bank-c", "card", H2, "fraud")  # another subject
    ledger.add_report("bank-d", "phone", H1, "scam")  # the same hash as another type of subject
    about = ledger.reports_about("card", H1)
    assert sorted((r.institution_id, r.risk_type) for r in about) == [("bank-a", "fraud"), ("bank-b", "cash_out")]
    assert [(r.institution_id, r.risk_type) for r in ledger.reports_about("phone", H1)] == [("bank-d", "scam")]
    assert [r.institution_id for r in ledger.reports_about("card", H2)] == ["bank-c"]
    assert ledger.reports_about("card", "c" * 64) == [] and ledger.reports_about("id_number", H1) == []


def test_has_reported_counts_reports_not_queries(stores: Stores) -> None:
    ledger = stores.sharing
    assert ledger.has_reported("bank-a") is False
    ledger.log_query("bank-a", "card", H1, True)
    assert ledger.has_reported("bank-a") is False
    ledger.add_report("bank-a", "card", H1, "fraud")
    assert ledger.has_reported("bank-a") is True
    assert ledger.has_reported("bank-b") is False


def test_reported_at_is_timezone_aware(stores: Stores) -> None:
    before = datetime.now(UTC)
    stores.sharing.add_report("bank-a", "card", H1, "fraud")
    after = datetime.now(UTC)
    (report,) = stores.sharing.reports_about("card", H1)
    assert report.reported_at.utcoffset() is not None
    assert before <= report.reported_at <= after


def test_queries_newest_first_with_a_limit(stores: Stores) -> None:
    ledger = stores.sharing
    before = datetime.now(UTC)
    for i in range(5):
        ledger.log_query(f"bank-{i}", "card" if i % 2 else "phone", H1, i != 3)
    after = datetime.now(UTC)
    everything = ledger.queries()
    assert [q.institution_id for q in everything] == ["bank-4", "bank-3", "bank-2", "bank-1", "bank-0"]
    assert [(q.subject_type, q.allowed) for q in everything[:3]] == [("phone", True), ("card", False), ("phone", True)]
    assert all(q.asked_at.utcoffset() is not None and before <= q.asked_at <= after for q in everything)
    assert [q.asked_at for q in everything] == sorted((q.asked_at for q in everything), reverse=True)
    assert all(isinstance(q.allowed, bool) for q in everything)
    assert [q.institution_id for q in ledger.queries(2)] == ["bank-4", "bank-3"]
    assert ledger.queries(1) == everything[:1] and ledger.queries(0) == []
    assert ledger.queries(50) == everything
    assert ledger.reports_about("card", H1) == []  # queries are not reports
