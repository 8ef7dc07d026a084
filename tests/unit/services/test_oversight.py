"""Exports asked for, approved by a second person, made once and recorded; the sensitive-data
access report (003 篇四 ch.4, 001 §1.8-1③)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import fengkong
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted
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


def test_an_export_is_asked_for_approved_by_another_person_made_once(platform: Platform) -> None:
    oversight = platform.oversight
    with pytest.raises(InputError, match="one of"):
        oversight.request_export(actor="wang", what="everything", reason="curious")
    asked = oversight.request_export(actor="wang", what="penalty_report", reason="monthly credit report")
    with pytest.raises(Conflict, match="pending"):
        oversight.approval(actor="wang", what="penalty_report", request_id=asked.id)
    with pytest.raises(NotPermitted):
        platform.lists.approve(asked.id, checker="wang")  # the maker cannot approve their own
    platform.lists.approve(asked.id, checker="li", note="checked the schedule")
    with pytest.raises(NotPermitted):
        oversight.approval(actor="zhao", what="penalty_report", request_id=asked.id)  # not who asked
    with pytest.raises(Conflict, match="not of"):
        oversight.approval(actor="wang", what="cashout_register", request_id=asked.id)
    with pytest.raises(NotFound):
        oversight.approval(actor="wang", what="penalty_report", request_id=999)
    approved = oversight.approval(actor="wang", what="penalty_report", request_id=asked.id)
    oversight.record_export(actor="wang", rows=3, approval=approved, roles=("supervisor",))
    with pytest.raises(Conflict, match="used"):
        oversight.approval(actor="wang", what="penalty_report", request_id=asked.id)
    (export,) = [r for r in platform.audit.records() if r.action == "export.penalty_report"]
    assert (export.actor, export.reason) == ("wang", "monthly credit report")
    assert '"approved_by":"li"' in export.payload.replace(" ", "") and '"rows":3' in export.payload.replace(" ", "")


def test_the_access_report_names_who_saw_or_exported_what_and_under_which_role(platform: Platform) -> None:
    token = platform.vault.issue(actor="ops", reason="wallet", card_number=PAN)["token"]
    platform.vault.detokenize(token, principal=person("zhou", "secops"), purpose="chargeback 1")
    with pytest.raises(NotPermitted):
        platform.vault.detokenize(token, principal=person("intern", "analyst"), purpose="curious")
    asked = platform.oversight.request_export(actor="wang", what="penalty_report", reason="monthly")
    platform.lists.approve(asked.id, checker="li")
    approved = platform.oversight.approval(actor="wang", what="penalty_report", request_id=asked.id)
    platform.oversight.record_export(actor="wang", rows=7, approval=approved)
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
