"""Acquiring (issue 14, points 1-4): merchants cross-matched by identity, settlement account,
licence and terminal; the industry blacklists under their rules, refusing a listed merchant's
return under a new number; terminal admission against qualified samples and spot checks;
limits by scale and risk and per-card caps at given merchant types - each end to end."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

import fengkong
from fengkong import Platform
from fengkong.domain.errors import InputError, NotPermitted
from fengkong.domain.identity.resident_id import check_digit
from tests.scenarios.acquiring_helpers import BEIJING, chip_purchase

CST = timezone(timedelta(hours=8))
NOW = datetime.now(CST).replace(microsecond=0)


def person(serial: str) -> str:
    body = f"11010519800101{serial}"
    return body + check_digit(body)


def licence(body: str) -> str:
    return body + uscc.calc_check_digit(body)


BOSS, NOMINEE = person("123"), person("456")
LICENCE = licence("91110000600037341")
ACCOUNT_A, ACCOUNT_B = "6222021234567890123", "6222029876543210987"
FP_GOOD, FP_BAD = "9f2c4e1a7b3d5e60aa", "00112233445566778899"


def pay(
    merchant: str, terminal: str, amount: str, *, card: str = "k-1", hours: float = 0, mcc: str = ""
) -> dict[str, Any]:
    return chip_purchase(merchant, terminal, amount, NOW + timedelta(hours=hours), card, mcc)


def codes(result: Any) -> set[str]:
    return {f.code for f in result.findings}


def reasons(platform: Platform, event: dict[str, Any]) -> tuple[str, set[str]]:
    decision = platform.engine.decide(event)
    return decision.decision.value, {r.code for r in decision.reasons}


def terminal(tid: str, *merchants: str, **extra: Any) -> dict[str, Any]:
    return {
        "terminal_id": tid,
        "serial": f"SN-{tid}",
        "signature": f"sig-{tid}",
        "certified": True,
        "merchants": ",".join(merchants),
        "lat": BEIJING["lat"],
        "lon": BEIJING["lon"],
        **extra,
    }


def merchant(mid: str, **extra: Any) -> dict[str, Any]:
    return {"merchant_id": mid, "name": f"Shop {mid}", "mcc": "5411", **extra}


def blacklist(platform: Platform, list_type: str, value: str, ground: str) -> None:
    """An entry as people make it: proposed with evidence, approved by a second person."""
    request = platform.blacklists.propose(
        list_type, value, ground=ground, evidence="case file 2026-88", source="acquirer", maker="li", reason="found"
    )
    platform.lists.approve(request.id, checker="wang")


# ------------------------------------------------------------------------- 1. cross-matching


def test_merchants_are_clustered_by_what_they_share_and_shown_masked(platform: Platform) -> None:
    reg = platform.merchants
    assert (
        reg.register_merchant(
            merchant("m-a", legal_rep_id_number=BOSS, settlement_account=ACCOUNT_A, licence=LICENCE, acquirer="bank-1"),
            actor="ops",
        ).status
        == "active"
    )
    same_rep = reg.register_merchant(merchant("m-b", legal_rep_id_number=BOSS, acquirer="bank-2"), actor="ops")
    same_account = reg.register_merchant(
        merchant("m-c", legal_rep_id_number=NOMINEE, settlement_account=ACCOUNT_A), actor="ops"
    )
    same_licence = reg.register_merchant(merchant("m-d", licence=LICENCE.lower()), actor="ops")
    reg.register_merchant(merchant("m-e", settlement_account=ACCOUNT_B), actor="ops")
    reg.register_merchant(merchant("m-f"), actor="ops")
    reg.register_merchant(merchant("m-alone"), actor="ops")
    shared_till = reg.register_terminal(terminal("t-shared", "m-e", "m-f"), actor="ops")

    assert codes(same_rep) == {"SAME_IDENTITY_SEVERAL_MERCHANTS"}
    assert codes(same_account) == {"SHARED_SETTLEMENT_ACCOUNT"}
    assert codes(same_licence) == {"SHARED_LICENCE"}
    assert codes(shared_till) == {"ONE_TERMINAL_SEVERAL_MERCHANTS"}

    clusters = reg.clusters()
    assert [[m["merchant_id"] for m in c["merchants"]] for c in clusters] == [
        ["m-a", "m-b", "m-c", "m-d"],
        ["m-e", "m-f"],
    ]
    ring = clusters[0]
    assert {(link["attribute"], tuple(link["merchants"])) for link in ring["links"]} == {
        ("legal_rep", ("m-a", "m-b")),
        ("settlement_account", ("m-a", "m-c")),
        ("licence", ("m-a", "m-d")),
    }
    assert ring["acquirers"] == ["bank-1", "bank-2"]  # one identity across acquirers
    shown = json.dumps(clusters, ensure_ascii=False)
    assert BOSS not in shown and ACCOUNT_A not in shown and "110105********" in shown
    assert reg.clusters(min_size=3) == clusters[:1]


def test_a_terminal_taking_payments_for_a_merchant_it_is_not_registered_to_is_reviewed(platform: Platform) -> None:
    platform.merchants.register_merchant(merchant("m-1"), actor="ops")
    platform.merchants.register_merchant(merchant("m-2"), actor="ops")
    platform.merchants.register_terminal(terminal("t-1", "m-1"), actor="ops")

    assert reasons(platform, pay("m-1", "t-1", "80.00"))[0] == "approve"
    decision, found = reasons(platform, pay("m-2", "t-1", "80.00", card="k-2"))
    assert decision == "review" and "TERMINAL_FOREIGN_MERCHANT" in found


def test_without_a_registry_a_terminal_switching_merchant_numbers_is_reviewed(platform: Platform) -> None:
    assert reasons(platform, pay("m-1", "t-9", "50.00"))[0] == "approve"
    decision, found = reasons(platform, pay("m-2", "t-9", "50.00", card="k-2", hours=1))
    assert decision == "review" and "TERMINAL_SWITCHES_MERCHANT" in found
    # its own merchant number again after that: still one number at a time, nothing new to see
    assert "TERMINAL_SWITCHES_MERCHANT" not in reasons(platform, pay("m-2", "t-9", "50.00", card="k-3", hours=2))[1]


# ------------------------------------------------------------------------- 2. blacklists with rules


def test_a_blacklist_entry_needs_a_ground_evidence_and_a_second_person(platform: Platform) -> None:
    with pytest.raises(InputError) as no_ground:
        platform.lists.add("illegal_merchant", "m-x", actor="li", reason="r", source="s", evidence="e")
    assert no_ground.value.field == "ground"
    with pytest.raises(InputError) as bare:  # the list itself refuses an entry without evidence
        platform.lists.add("illegal_merchant", "m-x", actor="li", reason="r", source="s", ground="modified_terminal")
    assert bare.value.field == "evidence"
    with pytest.raises(InputError) as bad_ground:
        platform.blacklists.propose(
            "illegal_merchant", "m-x", ground="looked_odd", evidence="e", source="s", maker="li", reason="r"
        )
    assert bad_ground.value.field == "ground"
    with pytest.raises(InputError) as no_evidence:
        platform.blacklists.propose(
            "illegal_merchant", "m-x", ground="modified_terminal", evidence=" ", source="s", maker="li", reason="r"
        )
    assert no_evidence.value.field == "evidence"

    request = platform.blacklists.propose(
        "illegal_merchant", "m-x", ground="modified_terminal", evidence="seized POS #4", source="police", maker="li",
        reason="skimmer fitted inside the till",
    )  # fmt: skip
    assert platform.lists.lookup("illegal_merchant", "m-x") == []  # proposed, not listed
    with pytest.raises(NotPermitted):
        platform.lists.approve(request.id, checker="li")
    platform.lists.approve(request.id, checker="wang")
    [entry] = platform.lists.lookup("illegal_merchant", "m-x")
    assert entry.reason == "[modified_terminal] skimmer fitted inside the till"
    assert entry.evidence == "seized POS #4" and "wang" in entry.added_by


def test_a_listed_merchant_cannot_come_back_under_a_new_number(platform: Platform) -> None:
    reg = platform.merchants
    reg.register_merchant(
        merchant("m-old", legal_rep_id_number=BOSS, settlement_account=ACCOUNT_A, licence=LICENCE), actor="ops"
    )
    blacklist(platform, "cashout_merchant", "m-old", "confirmed_cashout")

    by_rep = reg.register_merchant(merchant("m-new1", legal_rep_id_number=BOSS), actor="ops")
    by_account = reg.register_merchant(merchant("m-new2", settlement_account=ACCOUNT_A), actor="ops")
    by_licence = reg.register_merchant(merchant("m-new3", licence=LICENCE), actor="ops")
    stranger = reg.register_merchant(merchant("m-new4", legal_rep_id_number=NOMINEE), actor="ops")

    for result, via in ((by_rep, "legal representative"), (by_account, "settlement account"), (by_licence, "licence")):
        assert result.status == "rejected" and "LINKED_TO_BLACKLISTED_MERCHANT" in codes(result)
        finding = next(f for f in result.findings if f.code == "LINKED_TO_BLACKLISTED_MERCHANT")
        assert "m-old" in finding.message_en and via in finding.message_en
    assert stranger.status == "active"


def test_a_merchant_linked_to_one_listed_later_has_its_settlement_held(platform: Platform) -> None:
    reg = platform.merchants
    reg.register_merchant(merchant("m-a", legal_rep_id_number=BOSS), actor="ops")
    reg.register_merchant(merchant("m-b", legal_rep_id_number=BOSS), actor="ops")
    reg.register_terminal(terminal("t-b", "m-b"), actor="ops")
    assert reasons(platform, pay("m-b", "t-b", "120.00"))[0] == "approve"

    blacklist(platform, "illegal_merchant", "m-a", "counterfeit_fraud")

    decision = platform.engine.decide(pay("m-b", "t-b", "120.00", card="k-2", hours=1))
    assert decision.decision.value == "delay_settlement"
    [linked] = [r for r in decision.reasons if r.code == "MERCHANT_LINKED_TO_BLACKLISTED"]
    assert "m-a" in linked.message_en and "legal_rep" in linked.message_en


def test_a_blacklisted_outsourcing_provider_is_refused_and_what_it_serves_is_held(platform: Platform) -> None:
    reg = platform.merchants
    reg.register_merchant(merchant("m-1", outsourcer="osp-7"), actor="ops")
    reg.register_terminal(terminal("t-1", "m-1"), actor="ops")
    assert reasons(platform, pay("m-1", "t-1", "60.00"))[0] == "approve"
    blacklist(platform, "outsourcing_provider", "osp-7", "kept_sensitive_data")

    assert "OUTSOURCER_BLACKLISTED" in codes(reg.register_merchant(merchant("m-2", outsourcer="osp-7"), actor="ops"))
    assert "OUTSOURCER_BLACKLISTED" in codes(
        reg.register_terminal(terminal("t-2", "m-1", outsourcer="osp-7"), actor="ops")
    )
    decision, found = reasons(platform, pay("m-1", "t-1", "60.00", card="k-2", hours=1))
    assert decision == "delay_settlement" and "OUTSOURCER_BLACKLISTED" in found


def test_removal_needs_a_removal_ground_and_the_term_to_have_passed(platform: Platform) -> None:
    platform.merchants.register_merchant(merchant("m-old", legal_rep_id_number=BOSS), actor="ops")
    blacklist(platform, "illegal_merchant", "m-old", "false_registration")
    [entry] = platform.lists.lookup("illegal_merchant", "m-old")
    with pytest.raises(InputError) as early:
        platform.blacklists.request_removal(entry.id, ground="term_served", maker="li", reason="five years on")
    assert early.value.field == "ground" and "5 years" in early.value.message
    with pytest.raises(InputError):
        platform.blacklists.request_removal(entry.id, ground="asked_nicely", maker="li", reason="please")

    request = platform.blacklists.request_removal(entry.id, ground="misidentified", maker="li", reason="wrong shop")
    platform.lists.approve(request.id, checker="wang")

    assert platform.lists.lookup("illegal_merchant", "m-old") == []
    again = platform.merchants.register_merchant(merchant("m-new", legal_rep_id_number=BOSS), actor="ops")
    assert "LINKED_TO_BLACKLISTED_MERCHANT" not in codes(again)


# ------------------------------------------------------------------------- 3. terminal admission


def test_a_terminal_needs_its_identifier_and_signature_and_one_of_its_own(platform: Platform) -> None:
    reg = platform.merchants
    reg.register_merchant(merchant("m-1"), actor="ops")
    assert reg.register_terminal(terminal("t-1", "m-1"), actor="ops").status == "active"
    assert codes(reg.register_terminal({**terminal("t-2", "m-1"), "serial": ""}, actor="ops")) == {
        "TERMINAL_NO_IDENTIFIER"
    }
    assert codes(reg.register_terminal({**terminal("t-3", "m-1"), "signature": ""}, actor="ops")) == {
        "TERMINAL_NO_SIGNATURE"
    }
    assert codes(reg.register_terminal({**terminal("t-4", "m-1"), "serial": "SN-t-1"}, actor="ops")) == {
        "TERMINAL_IDENTIFIER_TAKEN"
    }
    assert reasons(platform, pay("m-1", "t-2", "30.00"))[0] == "reject"


def _sample(platform: Platform, **extra: Any) -> None:
    platform.terminal_checks.register_sample(
        {"manufacturer": "Landi", "model": "A8", "certificate": "CUP-0113", "builds": {"3.2.1": FP_GOOD}, **extra},
        actor="secops",
    )


def test_terminals_are_compared_with_the_qualified_sample(platform: Platform) -> None:
    reg = platform.merchants
    reg.register_merchant(merchant("m-1"), actor="ops")
    _sample(platform)
    model = {"manufacturer": " landi", "model": "A8 ", "firmware": "3.2.1"}

    assert (
        reg.register_terminal(terminal("t-ok", "m-1", **model, fingerprint=FP_GOOD.upper()), actor="o").status
        == "active"
    )
    assert codes(reg.register_terminal(terminal("t-mod", "m-1", **model, fingerprint=FP_BAD), actor="o")) == {
        "TERMINAL_DIFFERS_FROM_SAMPLE"
    }
    assert codes(
        reg.register_terminal(terminal("t-fw", "m-1", **{**model, "firmware": "9.9"}, fingerprint=FP_GOOD), actor="o")
    ) == {"TERMINAL_FIRMWARE_NOT_QUALIFIED"}
    assert codes(
        reg.register_terminal(terminal("t-x", "m-1", manufacturer="Acme", model="Z1", fingerprint=FP_GOOD), actor="o")
    ) == {"TERMINAL_MODEL_NOT_QUALIFIED"}
    _sample(platform, valid_until="2020-01-01")
    expired = reg.register_terminal(terminal("t-late", "m-1", **model, fingerprint=FP_GOOD), actor="o")
    assert (expired.status, codes(expired)) == ("review", {"TERMINAL_SAMPLE_EXPIRED"})
    with pytest.raises(InputError) as bad:
        reg.register_terminal(terminal("t-bad", "m-1", **model, fingerprint="not hex"), actor="o")
    assert bad.value.field == "fingerprint"


def test_a_terminal_failing_a_spot_check_stops_until_one_passes(platform: Platform) -> None:
    platform.merchants.register_merchant(merchant("m-1"), actor="ops")
    _sample(platform)
    model = {"manufacturer": "Landi", "model": "A8", "firmware": "3.2.1", "fingerprint": FP_GOOD}
    platform.merchants.register_terminal(terminal("t-1", "m-1", **model), actor="ops")
    assert reasons(platform, pay("m-1", "t-1", "45.00"))[0] == "approve"

    failed = platform.terminal_checks.spot_check(
        "t-1", measured=FP_BAD, seal_intact=True, at_registered_place=True, note="reads differently", actor="zhao"
    )
    assert failed.result == "fail" and {f.code for f in failed.findings} == {"TERMINAL_DIFFERS_FROM_SAMPLE"}
    record = platform.merchants.terminal("t-1")
    assert record["status"] == "suspended" and record["checks"][-1]["inspector"] == "zhao"
    decision, found = reasons(platform, pay("m-1", "t-1", "45.00", card="k-2", hours=1))
    assert decision == "reject" and "TERMINAL_SUSPENDED" in found

    moved = platform.terminal_checks.spot_check(
        "t-1", measured=FP_GOOD, seal_intact=False, at_registered_place=False, actor="zhao"
    )
    assert {f.code for f in moved.findings} == {"TERMINAL_SEAL_BROKEN", "TERMINAL_NOT_AT_REGISTERED_PLACE"}

    passed = platform.terminal_checks.spot_check(
        "t-1", measured=FP_GOOD, seal_intact=True, at_registered_place=True, actor="zhao"
    )
    assert passed.result == "pass" and platform.merchants.terminal("t-1")["status"] == "active"
    assert reasons(platform, pay("m-1", "t-1", "45.00", card="k-3", hours=2))[0] == "approve"


def test_spot_checks_are_scheduled_and_overdue_ones_reported(platform: Platform) -> None:
    platform.merchants.register_merchant(merchant("m-1", mcc="5812"), actor="ops")
    platform.merchants.register_terminal(terminal("t-old", "m-1", deployed_at="2023-01-01"), actor="ops")
    platform.merchants.register_terminal(terminal("t-mob", "m-1", kind="mobile", deployed_at="2023-01-01"), actor="ops")
    platform.merchants.register_terminal({**terminal("t-refused", "m-1"), "signature": ""}, actor="ops")

    at = "2024-03-01T00:00:00+08:00"
    schedule = platform.terminal_checks.schedule(at)
    assert schedule["terminals"] == 2  # a refused terminal is not deployed
    overdue = {d["terminal_id"]: d["overdue_days"] for d in schedule["overdue"]}
    # due a year after deployment (2024-01-01), a mobile POS 180 days after (2023-06-30)
    assert overdue == {"t-old": 60, "t-mob": 245}

    platform.terminal_checks.spot_check(
        "t-old", measured=FP_GOOD, seal_intact=True, at_registered_place=True, at="2024-02-01T10:00:00+08:00", actor="z"
    )
    after = platform.terminal_checks.schedule(at)
    assert [d["terminal_id"] for d in after["overdue"]] == ["t-mob"]


# ------------------------------------------------------------------------- 4. limits


def test_limits_follow_scale_and_risk_and_a_mobile_pos_gets_less(platform: Platform) -> None:
    reg = platform.merchants
    reg.register_merchant(merchant("m-small", scale="small"), actor="ops")
    reg.register_merchant(merchant("m-jewel", mcc="5944", scale="small"), actor="ops")
    reg.register_merchant(merchant("m-personal", mcc="5812", settlement_personal=True), actor="ops")
    reg.register_merchant(merchant("m-none"), actor="ops")
    reg.register_terminal(terminal("t-mob", "m-personal", kind="mobile"), actor="ops")

    def limits(mid: str) -> tuple[str | None, str | None]:
        record = reg.merchant(mid)
        return record["single_limit"], record["daily_limit"]

    assert limits("m-small") == ("20000", "100000")
    assert limits("m-jewel") == ("10000.00", "50000.00")  # a high-risk type: half
    # a personal settlement account: micro, and reviewed at onboarding (medium risk x0.8)
    assert limits("m-personal") == ("4000.00", "16000.00")
    assert limits("m-none") == (None, None)
    assert reg.terminal("t-mob")["single_limit"] == "2000.00"
    with pytest.raises(InputError) as bad:
        reg.register_merchant(merchant("m-x", scale="huge"), actor="ops")
    assert bad.value.field == "scale"

    reg.register_terminal(terminal("t-j", "m-jewel"), actor="ops")
    decision, found = reasons(platform, pay("m-jewel", "t-j", "12000.00", mcc="5944"))
    assert decision == "reject" and "MERCHANT_LIMIT" in found


@pytest.fixture(scope="module")
def small_cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default policy with a cap of 500 a card: small payments, which nothing else stops."""
    text = (files("fengkong") / "policies" / "default.yaml").read_text(encoding="utf-8")
    assert "card_merchant_cap_30d: 50000" in text
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(text.replace("card_merchant_cap_30d: 50000", "card_merchant_cap_30d: 500"), encoding="utf-8")
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=30_000), min_size=6, max_size=10).filter(
        lambda a: sum(a) > 50_000
    )
)
def test_a_card_never_spends_more_than_its_cap_at_a_capped_merchant_type(small_cap: Path, amounts: list[int]) -> None:
    cap = Decimal(500)
    with fengkong.in_memory(policy_path=small_cap) as platform:
        spent = Decimal(0)
        for i, fen in enumerate(amounts):
            amount = Decimal(fen) / 100
            decision, found = reasons(platform, pay("m-j", "t-j", f"{amount:.2f}", hours=i * 30, mcc="5944"))
            capped = "CARD_MERCHANT_CAP" in found
            assert capped == (spent + amount > cap)
            if decision == "approve":
                spent += amount
        assert spent <= cap
        # another merchant type has no such cap
        assert "CARD_MERCHANT_CAP" not in reasons(platform, pay("m-g", "t-g", "499.00", hours=300, mcc="5411"))[1]


# ------------------------------------------------------------------------- across institutions


def test_a_merchant_blacklisted_by_another_member_is_refused_here(platform: Platform) -> None:
    """004 三(4)②: the members' shared blacklist stops a merchant whatever acquirer it goes to;
    a report of another kind about its owner is for review."""
    platform.sharing.report("bank-b", "id_number", BOSS, "cashout_merchant", "bank-b gateway")
    platform.sharing.report("bank-c", "id_number", NOMINEE, "telecom_fraud", "bank-c gateway")

    refused = platform.merchants.register_merchant(merchant("m-1", legal_rep_id_number=BOSS), actor="ops")
    reviewed = platform.merchants.register_merchant(merchant("m-2", legal_rep_id_number=NOMINEE), actor="ops")
    clean = platform.merchants.register_merchant(merchant("m-3", legal_rep_id_number=person("789")), actor="ops")

    assert (refused.status, codes(refused)) == ("rejected", {"SHARED_BLACKLIST"})
    assert "legal representative" in refused.findings[0].message_en and "bank-b" not in refused.findings[0].message_en
    assert (reviewed.status, codes(reviewed)) == ("review", {"REPORTED_BY_MEMBERS"})
    assert clean.status == "active"


def test_a_blacklist_entry_made_here_is_reported_to_the_members(platform: Platform) -> None:
    platform.merchants.register_merchant(
        merchant("m-old", legal_rep_id_number=BOSS, settlement_account=ACCOUNT_A, licence=LICENCE), actor="ops"
    )
    blacklist(platform, "illegal_merchant", "m-old", "telecom_fraud")

    now = datetime.now(CST).timestamp() + 1
    for subject_type, value in (
        ("id_number", BOSS),
        ("account", ACCOUNT_A),
        ("merchant", LICENCE),
        ("merchant", "m-old"),
    ):
        found = platform.read_model.shared(subject_type, platform.sharing.subject_hash(subject_type, value), None, now)
        assert found is not None and found["risk_types"] == {"illegal_merchant": 1}, (subject_type, found)
    # our own report does not refuse our own onboarding twice: the local list already does
    again = platform.merchants.register_merchant(merchant("m-new", legal_rep_id_number=BOSS), actor="ops")
    assert codes(again) >= {"LINKED_TO_BLACKLISTED_MERCHANT"} and "SHARED_BLACKLIST" not in codes(again)


def test_a_merchant_blacklisted_elsewhere_after_onboarding_has_its_settlement_held(platform: Platform) -> None:
    platform.merchants.register_merchant(merchant("m-1", legal_rep_id_number=BOSS, licence=LICENCE), actor="ops")
    platform.merchants.register_merchant(merchant("m-2", legal_rep_id_number=NOMINEE), actor="ops")
    platform.merchants.register_terminal(terminal("t-1", "m-1"), actor="ops")
    platform.merchants.register_terminal(terminal("t-2", "m-2"), actor="ops")
    assert reasons(platform, pay("m-1", "t-1", "70.00"))[0] == "approve"

    platform.sharing.report("bank-b", "merchant", LICENCE, "illegal_merchant", "bank-b gateway")
    platform.sharing.report("bank-c", "id_number", NOMINEE, "telecom_fraud", "bank-c gateway")

    held = platform.engine.decide(pay("m-1", "t-1", "70.00", card="k-2", hours=1))
    assert held.decision.value == "delay_settlement"
    [reason] = [r for r in held.reasons if r.code == "MERCHANT_BLACKLISTED_BY_MEMBERS"]
    assert "1 other member" in reason.message_en and "merchant" in reason.message_en
    assert "bank-b" not in reason.message_en
    # a report of another kind about the other owner does not hold its settlement
    assert "MERCHANT_BLACKLISTED_BY_MEMBERS" not in reasons(platform, pay("m-2", "t-2", "70.00", hours=1))[1]


def test_without_samples_a_spot_check_compares_the_build_registered_at_admission(platform: Platform) -> None:
    platform.merchants.register_merchant(merchant("m-1"), actor="ops")
    platform.merchants.register_terminal(terminal("t-1", "m-1", fingerprint=FP_GOOD), actor="ops")

    same = platform.terminal_checks.spot_check(
        "t-1", measured=FP_GOOD, seal_intact=True, at_registered_place=True, actor="z"
    )
    other = platform.terminal_checks.spot_check(
        "t-1", measured=FP_BAD, seal_intact=True, at_registered_place=True, actor="z"
    )

    assert same.result == "pass"
    assert [f.code for f in other.findings] == ["TERMINAL_DIFFERS_FROM_REGISTERED"]
    assert platform.merchants.terminal("t-1")["status"] == "suspended"
