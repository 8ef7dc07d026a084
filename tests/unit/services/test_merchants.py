"""MerchantService on the memory adapters: onboarding findings, registries and bulk import."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest

from fengkong.domain.errors import InputError, NotFound
from fengkong.services.platform import Platform
from tests.unit.services.support import ID_NUMBER, audit_actions

NOODLES = {"merchant_id": "m1", "name": "Lanzhou Noodles", "mcc": "5812", "declared_category": "restaurant"}


def _codes(result: Any) -> list[str]:
    return [f.code for f in result.findings]


# ---------------------------------------------------------------------------------------- merchants


def test_clean_merchant_is_active(platform: Platform) -> None:
    result = platform.merchants.register_merchant(
        {**NOODLES, "single_limit": "5000", "onboarded_at": "2024-03-01"}, actor="alice"
    )

    assert (result.status, result.findings) == ("active", ())
    record = platform.merchants.merchant("m1")
    assert (record["status"], record["mcc"], record["name"]) == ("active", "5812", "Lanzhou Noodles")
    assert (record["single_limit"], record["daily_limit"], record["onboarded_at"]) == ("5000.00", None, "2024-03-01")
    assert record["findings"] == []
    assert list(platform.merchants.merchants()) == ["m1"]
    seen = platform.read_model.reference("merchant", "merchant|m1")
    assert seen is not None and seen["single_limit"] == Decimal("5000.00") and "findings" not in seen
    audit = platform.audit.records()[-1]
    assert (audit.action, audit.subject, audit.reason, audit.actor) == (
        "registry.merchant",
        "merchant:m1",
        "active",
        "alice",
    )


@pytest.mark.parametrize(
    ("values", "status", "codes"),
    [
        ({"declared_category": "grocery"}, "review", ["MCC_INCONSISTENT"]),
        ({"declared_category": "spaceport"}, "review", ["UNKNOWN_CATEGORY"]),
        ({"preauth_enabled": "yes"}, "rejected", ["PREAUTH_NOT_ALLOWED"]),
        ({"mcc": "7011", "declared_category": "hotel", "preauth_enabled": True}, "active", []),
        ({"settlement_personal": "1"}, "review", ["PERSONAL_SETTLEMENT_CREDIT"]),
        ({"settlement_personal": "1", "accepts_credit": "no"}, "active", []),
        (
            {"declared_category": "grocery", "preauth_enabled": True},
            "rejected",
            ["MCC_INCONSISTENT", "PREAUTH_NOT_ALLOWED"],
        ),
    ],
)
def test_onboarding_findings(platform: Platform, values: dict[str, Any], status: str, codes: list[str]) -> None:
    result = platform.merchants.register_merchant({**NOODLES, **values}, actor="alice")

    assert result.status == status
    assert sorted(_codes(result)) == codes
    record = platform.merchants.merchant("m1")
    assert record["status"] == status
    assert sorted(f["code"] for f in record["findings"]) == codes


def test_same_legal_representative_behind_several_merchants(platform: Platform) -> None:
    first = platform.merchants.register_merchant({**NOODLES, "legal_rep_id_number": ID_NUMBER.lower()}, actor="alice")
    second = platform.merchants.register_merchant(
        {**NOODLES, "merchant_id": "m2", "legal_rep_id_number": ID_NUMBER}, actor="alice"
    )
    again = platform.merchants.register_merchant({**NOODLES, "legal_rep_id_number": ID_NUMBER}, actor="alice")

    assert first.status == "active"
    assert (second.status, _codes(second)) == ("review", ["SAME_IDENTITY_SEVERAL_MERCHANTS"])
    assert "1 other merchant" in second.findings[0].message_en
    assert _codes(again) == ["SAME_IDENTITY_SEVERAL_MERCHANTS"]  # m2 exists now; m1 itself is not counted
    record = platform.merchants.merchant("m2")
    assert record["legal_rep_id_masked"] == "110105********002X"
    assert ID_NUMBER not in json.dumps(record)
    assert all(ID_NUMBER not in r.payload for r in platform.audit.records())


def test_listed_merchant_is_rejected_at_onboarding(platform: Platform) -> None:
    platform.lists.add(
        "illegal_merchant",
        "m1",
        actor="alice",
        reason="gambling front",
        source="card scheme",
        ground="scheme_notice",
        evidence="notice 2024-17",
    )

    result = platform.merchants.register_merchant(NOODLES, actor="bob")

    assert (result.status, _codes(result)) == ("rejected", ["MERCHANT_BLACKLISTED"])
    assert "gambling front" in result.findings[0].message_en
    assert platform.merchants.merchant("m1")["status"] == "rejected"


def test_cashout_listed_merchant_is_rejected_too(platform: Platform) -> None:
    platform.lists.add(
        "cashout_merchant",
        "m1",
        actor="alice",
        reason="cash-out ring",
        source="acquirer",
        ground="confirmed_cashout",
        evidence="investigation 17",
    )
    assert platform.merchants.register_merchant(NOODLES, actor="bob").status == "rejected"


def test_listed_representative_is_rejected(platform: Platform) -> None:
    platform.lists.add("penalty_person", ID_NUMBER, actor="alice", reason="sold accounts", source="PBoC")

    result = platform.merchants.register_merchant({**NOODLES, "legal_rep_id_number": ID_NUMBER}, actor="bob")

    assert (result.status, _codes(result)) == ("rejected", ["REPRESENTATIVE_BLACKLISTED"])
    assert "sold accounts" in result.findings[0].message_en


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"name": ""}, "name"),
        ({"merchant_id": " "}, "merchant_id"),
        ({"mcc": "58"}, "mcc"),
        ({"mcc": "58a2"}, "mcc"),
        ({"single_limit": "lots"}, "single_limit"),
        ({"daily_limit": "0"}, "daily_limit"),
        ({"onboarded_at": "yesterday"}, "onboarded_at"),
        ({"legal_rep_id_number": "110105194912310021"}, "legal_rep_id_number"),
    ],
)
def test_bad_merchant_fields_are_named(platform: Platform, values: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.merchants.register_merchant({**NOODLES, **values}, actor="alice")
    assert bad.value.field == field
    assert platform.merchants.merchants() == {}
    assert audit_actions(platform) == []


def test_unknown_merchant_and_terminal_are_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as merchant:
        platform.merchants.merchant("m404")
    assert merchant.value.field == "merchant_id"
    with pytest.raises(NotFound) as terminal:
        platform.merchants.terminal("t404")
    assert terminal.value.field == "terminal_id"


# ---------------------------------------------------------------------------------------- terminals


def test_certified_terminal_is_active(platform: Platform) -> None:
    platform.merchants.register_merchant(NOODLES, actor="alice")

    result = platform.merchants.register_terminal(
        {
            "terminal_id": "T1",
            "serial": "SN-1",
            "signature": "sig-1",
            "certified": "true",
            "merchants": "m1",
            "lat": "22.54",
            "lon": "114.05",
            "city": "Shenzhen",
            "deployed_at": "2020-05-01",
        },
        actor="alice",
    )

    assert (result.status, result.findings) == ("active", ())
    record = platform.merchants.terminal("T1")
    assert (record["status"], record["kind"], record["merchants"]) == ("active", "fixed", ["m1"])
    assert record["location"] == {"lat": 22.54, "lon": 114.05, "city": "Shenzhen"}
    assert record["deployed_at"] == "2020-05-01"
    assert record["deployed_ts"] == 1588262400.0  # midnight in Beijing
    assert record["tamper_state"] == "intact"
    assert audit_actions(platform)[-1] == "registry.terminal"


@pytest.mark.parametrize(
    ("values", "status", "codes"),
    [
        ({"certified": False, "merchants": ["m1"]}, "rejected", ["TERMINAL_UNCERTIFIED"]),
        ({"merchants": "m1; m2"}, "review", ["ONE_TERMINAL_SEVERAL_MERCHANTS"]),
        ({"kind": "mobile", "merchants": ["m2"]}, "rejected", ["MOBILE_POS_NOT_PERMITTED"]),
        ({"kind": "mobile", "merchants": ["m1"]}, "active", []),
        ({"kind": "mobile", "merchants": ["m-unknown"]}, "rejected", ["MOBILE_POS_NOT_PERMITTED"]),
    ],
)
def test_terminal_findings(platform: Platform, values: dict[str, Any], status: str, codes: list[str]) -> None:
    platform.merchants.register_merchant(NOODLES, actor="alice")  # restaurant: mobile POS allowed
    platform.merchants.register_merchant({"merchant_id": "m2", "name": "Corner Shop", "mcc": "5411"}, actor="alice")

    result = platform.merchants.register_terminal(
        {"terminal_id": "T1", "serial": "SN-1", "signature": "sig-1", "certified": True, **values}, actor="alice"
    )

    assert result.status == status
    assert sorted(_codes(result)) == codes
    assert platform.merchants.terminal("T1")["status"] == status


def test_terminal_merchant_list_from_text(platform: Platform) -> None:
    platform.merchants.register_terminal({"terminal_id": "T1", "certified": True, "merchants": "m1;m2, m3"}, actor="a")
    assert platform.merchants.terminal("T1")["merchants"] == ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"owner": "x"}, "owner"),
        ({"terminal_id": ""}, "terminal_id"),
        ({"kind": "drone"}, "kind"),
        ({"lat": "north"}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"deployed_at": "01/05/2020"}, "deployed_at"),
        ({"single_limit": "-1"}, "single_limit"),
    ],
)
def test_bad_terminal_fields_are_named(platform: Platform, values: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.merchants.register_terminal(
            {"terminal_id": "T1", "serial": "SN-1", "signature": "sig-1", "certified": True, **values}, actor="alice"
        )
    assert bad.value.field == field
    with pytest.raises(NotFound):
        platform.merchants.terminal("T1")


# ---------------------------------------------------------------------------------------- import


def test_import_merchants_reports_every_row(platform: Platform) -> None:
    csv_text = (
        "merchant_id,name,mcc,declared_category,preauth_enabled\n"
        "m1,Noodles,5812,restaurant,\n"
        "m2,Grocer,5812,grocery,\n"
        "m3,Bad Code,58,,\n"
        "m4,Bar,5813,restaurant,yes\n"
        ",Nameless,5812,,\n"
    )

    rows = platform.merchants.import_csv("merchant", io.StringIO(csv_text), actor="bulk")

    assert [(r.row, r.entity_id, r.outcome) for r in rows] == [
        (1, "m1", "active"),
        (2, "m2", "review"),
        (3, "m3", "error"),
        (4, "m4", "rejected"),
        (5, "", "error"),
    ]
    assert rows[0].message == ""
    assert rows[1].message == "MCC_INCONSISTENT"
    assert rows[2].message == "mcc: must be a 4-digit merchant category code"
    assert rows[3].message == "PREAUTH_NOT_ALLOWED"
    assert rows[4].message == "merchant_id: is required"
    assert sorted(platform.merchants.merchants()) == ["m1", "m2", "m4"]
    assert audit_actions(platform) == ["registry.merchant"] * 3


def test_import_terminals(platform: Platform) -> None:
    csv_text = (
        "terminal_id,serial,signature,certified,merchants,kind\n"
        "T1,S1,g1,yes,m1,fixed\nT2,S2,g2,no,m1,fixed\nT3,S3,g3,yes,m1,flying\n"
    )

    rows = platform.merchants.import_csv("terminal", io.StringIO(csv_text), actor="bulk")

    assert [(r.entity_id, r.outcome, r.message) for r in rows] == [
        ("T1", "active", ""),
        ("T2", "rejected", "TERMINAL_UNCERTIFIED"),
        ("T3", "error", "kind: one of fixed, mobile, atm"),
    ]
    assert platform.merchants.terminal("T2")["certified"] is False
