"""SharingService on the memory adapters: reciprocity, anonymity of reporters, normalisation."""

from __future__ import annotations

import pytest

from fengkong.domain.errors import InputError, NotPermitted
from fengkong.services.platform import Platform
from tests.unit.services.support import ID_NUMBER, PAN, audit_actions


def test_an_institution_that_has_not_reported_may_not_query(platform: Platform) -> None:
    platform.sharing.report("bank-a", "phone", "13900001111", "telecom_fraud", "alice")

    with pytest.raises(NotPermitted) as refused:
        platform.sharing.query("bank-b", "phone", "13900001111", "bob")

    assert refused.value.field == "institution_id"
    (asked,) = platform.sharing.queries()
    assert (asked["institution_id"], asked["subject_type"], asked["allowed"]) == ("bank-b", "phone", False)
    last = platform.audit.records()[-1]
    assert (last.action, last.actor, last.reason) == ("sharing.query", "bob", "refused: has not reported")


def test_after_reporting_an_institution_may_query(platform: Platform) -> None:
    platform.sharing.report("bank-a", "phone", "13900001111", "telecom_fraud", "alice")
    platform.sharing.report("bank-b", "account", "6200-1", "account_rental", "bob")

    answer = platform.sharing.query("bank-b", "phone", "13900001111", "bob")

    assert answer["reports"] == 1
    assert answer["institutions"] == 1
    assert answer["risk_types"] == {"telecom_fraud": 1}


def test_answers_count_but_never_name_reporters(platform: Platform) -> None:
    platform.sharing.report("bank-a", "phone", "13900001111", "telecom_fraud", "alice")
    platform.sharing.report("bank-b", "phone", "13900001111", "account_rental", "bob")
    platform.sharing.report("bank-b", "phone", "13900001111", "telecom_fraud", "bob")
    platform.sharing.report("bank-c", "phone", "13700000000", "cash_out", "carol")

    answer = platform.sharing.query("bank-c", "phone", "13900001111", "carol")

    assert set(answer) == {
        "subject_type",
        "reports",
        "institutions",
        "risk_types",
        "amount_fen",
        "cards",
        "disclosed_institutions",
        "first_reported",
        "last_reported",
    }
    assert answer["disclosed_institutions"] == []  # nobody consented to be named
    assert (answer["subject_type"], answer["reports"], answer["institutions"]) == ("phone", 3, 2)
    assert answer["risk_types"] == {"telecom_fraud": 2, "account_rental": 1}
    assert answer["first_reported"] <= answer["last_reported"]
    text = repr(answer)
    assert "bank-a" not in text and "bank-b" not in text


def test_nothing_known_about_a_subject(platform: Platform) -> None:
    platform.sharing.report("bank-a", "device", "dev-1", "emulator_farm", "alice")

    answer = platform.sharing.query("bank-a", "device", "dev-2", "alice")

    assert answer == {"subject_type": "device", "reports": 0, "institutions": 0, "risk_types": {}}


def test_phone_numbers_are_normalised(platform: Platform) -> None:
    sharing = platform.sharing
    digest = sharing.subject_hash("phone", "13900001111")

    assert sharing.subject_hash("phone", "139-0000-1111") == digest
    assert sharing.subject_hash("phone", " 139 0000 1111 ") == digest
    assert sharing.subject_hash("phone", "13900001112") != digest
    assert sharing.subject_hash("account", "13900001111") != digest  # subject type is part of the hash
    assert "13900001111" not in digest

    sharing.report("bank-a", "phone", "139-0000-1111", "telecom_fraud", "alice")
    assert sharing.query("bank-a", "phone", "13900001111", "alice")["reports"] == 1


def test_id_numbers_are_case_insensitive(platform: Platform) -> None:
    sharing = platform.sharing
    assert sharing.subject_hash("id_number", ID_NUMBER.lower()) == sharing.subject_hash("id_number", ID_NUMBER)


def test_cards_are_shared_by_valid_card_number(platform: Platform) -> None:
    sharing = platform.sharing
    assert len(sharing.subject_hash("card", PAN)) >= 32
    with pytest.raises(InputError) as bad:
        sharing.subject_hash("card", "6222021234567890123")  # fails the Luhn check
    assert bad.value.field == "value"


def test_raw_subjects_never_reach_the_audit_log(platform: Platform) -> None:
    platform.sharing.report("bank-a", "phone", "13900001111", "telecom_fraud", "alice")
    platform.sharing.report("bank-a", "card", PAN, "skimming", "alice")
    platform.sharing.query("bank-a", "phone", "13900001111", "alice")

    assert audit_actions(platform) == ["sharing.report", "sharing.report", "sharing.query"]
    for record in platform.audit.records():
        assert "13900001111" not in record.subject + record.payload
        assert PAN not in record.subject + record.payload
    assert platform.audit.records()[0].subject.startswith("phone:")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "phone", "13900001111", "telecom_fraud"), "institution_id"),
        (("bank-a", "email", "x@example.com", "telecom_fraud"), "subject_type"),
        (("bank-a", "phone", "  ", "telecom_fraud"), "value"),
        (("bank-a", "phone", "13900001111", "Telecom Fraud"), "risk_type"),
        (("bank-a", "phone", "13900001111", "x"), "risk_type"),
    ],
)
def test_bad_reports_are_refused(platform: Platform, args: tuple[str, str, str, str], field: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.sharing.report(*args, "alice")
    assert bad.value.field == field
    assert audit_actions(platform) == []
    with pytest.raises(NotPermitted):  # a refused report does not earn the right to query
        platform.sharing.query("bank-a", "device", "dev-1", "alice")


def test_a_phone_without_digits_is_refused(platform: Platform) -> None:
    platform.sharing.report("bank-a", "phone", "13900001111", "telecom_fraud", "alice")
    with pytest.raises(InputError) as bad:
        platform.sharing.report("bank-b", "phone", "n/a", "telecom_fraud", "bob")
    assert bad.value.field == "value"


def test_queries_newest_first(platform: Platform) -> None:
    platform.sharing.report("bank-a", "phone", "13900001111", "telecom_fraud", "alice")
    platform.sharing.query("bank-a", "phone", "13900001111", "alice")
    with pytest.raises(NotPermitted):
        platform.sharing.query("bank-z", "device", "dev-1", "zed")
    platform.sharing.query("bank-a", "account", "6200-1", "alice")

    asked = platform.sharing.queries()

    assert [(q["institution_id"], q["subject_type"], q["allowed"]) for q in asked] == [
        ("bank-a", "account", True),
        ("bank-z", "device", False),
        ("bank-a", "phone", True),
    ]
    assert asked[0]["asked_at"] >= asked[1]["asked_at"] >= asked[2]["asked_at"]
    assert [q["subject_type"] for q in platform.sharing.queries(limit=2)] == ["account", "device"]
    assert platform.sharing.queries(limit=0) == []
