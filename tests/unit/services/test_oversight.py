"""Exports recorded with their approval, and the sensitive-data access report (003 篇四 ch.4,
001 §1.8-1③)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import fengkong
from fengkong.domain.errors import InputError, NotPermitted
from fengkong.services.platform import Platform
from tests.access import person

PAN = "6222021234567890128"


@pytest.fixture
def platform() -> Iterator[Platform]:
    with fengkong.in_memory() as built:
        yield built


def window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()}


def test_an_export_needs_a_reason_and_an_approver_who_is_someone_else(platform: Platform) -> None:
    with pytest.raises(InputError, match="reason"):
        platform.oversight.record_export(actor="wang", what="penalty_report", rows=3, reason="", approved_by="li")
    with pytest.raises(NotPermitted):
        platform.oversight.record_export(
            actor="wang", what="penalty_report", rows=3, reason="monthly", approved_by="wang"
        )
    platform.oversight.record_export(actor="wang", what="penalty_report", rows=3, reason="monthly", approved_by="li")
    assert [r.action for r in platform.audit.records()] == ["export.penalty_report"]


def test_the_access_report_names_who_saw_or_exported_what_and_under_which_role(platform: Platform) -> None:
    token = platform.vault.issue(actor="ops", reason="wallet", card_number=PAN)["token"]
    platform.vault.detokenize(token, principal=person("zhou", "secops"), purpose="chargeback 1")
    with pytest.raises(NotPermitted):
        platform.vault.detokenize(token, principal=person("intern", "analyst"), purpose="curious")
    platform.oversight.record_export(actor="wang", what="penalty_report", rows=7, reason="monthly", approved_by="li")
    platform.lists.add("device", "dev-1", actor="wang", reason="fraud", source="case")  # not a sensitive access

    report = platform.oversight.access_report(actor="auditor-1", **window())
    seen = {(r["actor"], r["action"], tuple(r["roles"]), r["approved_by"], r["rows"]) for r in report["rows"]}
    assert seen == {
        ("zhou", "token.detokenize", ("secops",), None, None),
        ("intern", "token.detokenize_refused", ("analyst",), None, None),
        ("wang", "export.penalty_report", (), "li", 7),
    }
    assert {"actor": "zhou", "action": "token.detokenize", "count": 1} in report["totals"]
    assert report["previous_report_at"] is None and report["previous_report_overdue"] is True
    assert PAN not in str(report)

    again = platform.oversight.access_report(actor="auditor-1", **window())
    assert again["previous_report_at"] is not None and again["previous_report_overdue"] is False


def test_the_report_window_is_checked(platform: Platform) -> None:
    with pytest.raises(InputError, match="until"):
        platform.oversight.access_report(
            actor="a", since="2026-06-01T00:00:00+08:00", until="2026-01-01T00:00:00+08:00"
        )
    with pytest.raises(InputError, match="since"):
        platform.oversight.access_report(actor="a", since="June", until="2026-01-01T00:00:00+08:00")
