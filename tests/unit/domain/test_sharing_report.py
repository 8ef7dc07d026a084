"""The shared report's canonical form and what a received one must be."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fengkong.domain.errors import InputError
from fengkong.domain.sharing.report import ReportBody, SignedReport
from fengkong.domain.sharing.summary import SharedFact, summarize

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _fields(**changes: Any) -> dict[str, Any]:
    return {
        "report_id": "ab" * 16,
        "subject_type": "id_number",
        "subject_hash": "c" * 64,
        "risk_type": "cash_out",
        "reported_at": "2026-12-01T07:59:00+00:00",
        "amount_fen": 1_250_000,
        "card_count": 3,
        "consent_to_disclose": False,
        **changes,
    }


def test_the_signed_bytes_are_one_text_per_report_however_it_was_written() -> None:
    one = ReportBody.from_dict(_fields(), NOW)
    other = ReportBody.from_dict(_fields(reported_at="2026-12-01T15:59:00+08:00"), NOW)

    assert one.signed_bytes() == other.signed_bytes()
    assert b'"format":"fengkong-shared-report/1"' in one.signed_bytes()
    assert ReportBody.from_dict(one.to_dict(), NOW) == one  # the round trip the peer makes


def test_every_field_is_covered_by_the_signature() -> None:
    base = ReportBody.from_dict(_fields(), NOW).signed_bytes()
    for name, value in [
        ("risk_type", "fraud"),
        ("amount_fen", 1),
        ("card_count", 4),
        ("consent_to_disclose", True),
        ("subject_hash", "d" * 64),
    ]:
        assert ReportBody.from_dict(_fields(**{name: value}), NOW).signed_bytes() != base, name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"report_id": "short"}, "report.report_id"),
        ({"subject_type": "email"}, "report.subject_type"),
        ({"subject_hash": "6222021234567890128"}, "report.subject_hash"),  # never a clear value
        ({"risk_type": "Cash Out"}, "report.risk_type"),
        ({"reported_at": "2026-12-01T09:00:00+00:00"}, "report.reported_at"),  # an hour in the future
        ({"reported_at": "2026-12-01T07:59:00"}, "report.reported_at"),  # no offset
        ({"amount_fen": "12.50"}, "report.amount_fen"),  # money is integer fen
        ({"card_count": -1}, "report.card_count"),
        ({"consent_to_disclose": "yes"}, "report.consent_to_disclose"),
        ({"reporter": "bank-b"}, "report.reporter"),  # who reported is proven by the signature, never stated
    ],
)
def test_a_bad_report_is_refused_naming_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as refused:
        ReportBody.from_dict(_fields(**changes), NOW)
    assert refused.value.field == field


def test_a_signed_report_needs_its_signature_and_certificate() -> None:
    good = {"report": _fields(), "signature": "AAAA", "certificate": "-----BEGIN CERTIFICATE-----\n..."}
    assert SignedReport.from_dict(good, NOW).signature == b"\0\0\0"
    for name, value, field in [
        ("signature", "not base64!", "signature"),
        ("signature", None, "signature"),
        ("certificate", "bank-b", "certificate"),
    ]:
        with pytest.raises(InputError) as refused:
            SignedReport.from_dict({**good, name: value}, NOW)
        assert refused.value.field == field


def test_the_summary_counts_institutions_by_event_time_and_names_only_who_consented() -> None:
    t = NOW.timestamp()
    facts = [
        SharedFact("bank-b", "cash_out", t, 100_00, 2, disclosed_by="bank-b"),
        SharedFact("bank-b", "cash_out", t + 10, 50_00),
        SharedFact("anon:7e1f", "cash_out", t + 20, None, 5),
        SharedFact("bank-a", "telecom_fraud", t + 30),
    ]

    found = summarize(facts, t + 60, "cash_out", "bank-a")
    assert found is not None
    assert (found["institutions"], found["reports"], found["cards"]) == (2, 3, 5)
    assert str(found["amount"]) == "150.00"
    assert found["disclosed"] == ["bank-b"]
    earlier = summarize(facts, t + 15, "cash_out", "bank-a")
    assert earlier is not None and earlier["institutions"] == 1  # the third report came later
    everything = summarize(facts, t + 60, None, "bank-a")
    assert everything is not None and (everything["institutions"], everything["others"]) == (3, 2)
    assert summarize(facts, t - 1, None, "bank-a") is None
