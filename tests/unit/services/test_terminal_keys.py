"""Terminal master-key records (001 §1.8-7②): one key per terminal, changed periodically."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import fengkong
from fengkong.domain.errors import InputError
from fengkong.services.platform import Platform


@pytest.fixture
def platform() -> Iterator[Platform]:
    with fengkong.in_memory() as built:
        for terminal in ("T1", "T2", "T3"):
            built.merchants.register_terminal({"terminal_id": terminal, "certified": True}, actor="onboarding")
        yield built


def codes(report: dict[str, object]) -> set[tuple[str, str]]:
    return {(f["code"], f["terminal_id"]) for f in report["findings"]}  # type: ignore[attr-defined]


def test_one_key_in_two_terminals_is_found_when_recorded_and_audited(platform: Platform) -> None:
    platform.terminal_keys.record("T1", kcv="1a2b3c", version="k1", actor="custodian-1")
    second = platform.terminal_keys.record("T2", kcv="1A 2B 3C", version="k7", actor="custodian-2")
    assert [f["terminals"] for f in second["findings"]] == [["T1", "T2"]]
    alerts = [r for r in platform.audit.records() if r.action == "alert.terminal_key_shared"]
    assert [(a.actor, a.subject) for a in alerts] == [("custodian-2", "terminal:T2")]
    assert platform.merchants.terminal("T2")["key_version"] == "k7"


def test_a_rotation_ends_the_sharing_and_needs_a_new_version(platform: Platform) -> None:
    platform.terminal_keys.record("T1", kcv="AAAAAA", version="1", actor="c")
    platform.terminal_keys.record("T2", kcv="AAAAAA", version="1", actor="c")
    with pytest.raises(InputError, match="version"):
        platform.terminal_keys.record("T2", kcv="BBBBBB", version="1", actor="c")
    rotated = platform.terminal_keys.record("T2", kcv="BBBBBB", version="2", actor="c")
    assert rotated["rotation"] is True and rotated["findings"] == []
    assert ("TERMINAL_KEY_SHARED", "T1") not in codes(platform.terminal_keys.report())


def test_overdue_and_missing_keys_are_reported_at_the_policy_period(platform: Platform) -> None:
    platform.terminal_keys.record("T1", kcv="111111", version="1", actor="c", loaded_at="2025-01-01T09:00:00+08:00")
    platform.terminal_keys.record("T2", kcv="222222", version="1", actor="c", loaded_at="2025-12-01T09:00:00+08:00")
    report = platform.terminal_keys.report("2026-01-02T10:00:00+08:00")
    assert report["rotation_days"] == 365
    assert codes(report) == {("TERMINAL_KEY_OVERDUE", "T1"), ("TERMINAL_KEY_UNKNOWN", "T3")}
    assert codes(platform.terminal_keys.report("2025-12-31T09:00:00+08:00")) == {("TERMINAL_KEY_UNKNOWN", "T3")}


@pytest.mark.parametrize(
    ("kcv", "message"),
    [
        ("0123456789ABCDEF0123456789ABCDEF", "never the key"),
        ("12345", "6-16"),
        ("ZZZZZZ", "6-16"),
    ],
)
def test_what_is_not_a_check_value_is_refused_and_not_echoed(platform: Platform, kcv: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        platform.terminal_keys.record("T3", kcv=kcv, version="1", actor="c")
    assert kcv not in str(refused.value)
    assert kcv not in str([r.to_dict() for r in platform.audit.records()])


def test_an_unregistered_terminal_has_no_key_record(platform: Platform) -> None:
    with pytest.raises(InputError, match="not registered"):
        platform.terminal_keys.record("T404", kcv="123456", version="1", actor="c")
