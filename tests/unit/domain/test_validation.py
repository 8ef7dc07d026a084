from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from fengkong.domain.decisions import EventError
from fengkong.domain.events import Event, EventType
from fengkong.domain.validation import EventValidator, parse_json_event, rejected_excerpt
from tests.fakes import FakeProtector, FakeSealer

V = EventValidator(FakeProtector(), FakeSealer())


def txn(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "e1",
        "type": "transaction",
        "occurred_at": "2019-12-12T03:23:00+08:00",
        "txn_type": "transfer",
        "channel": "quick_pay",
        "amount": "160.00",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def error_of(data: dict[str, Any]) -> tuple[str, str]:
    result = V.validate(data)
    assert isinstance(result, EventError), result
    return result.first.field, result.first.message


def test_valid_transaction_is_normalised() -> None:
    event = V.validate(
        txn(
            amount=Decimal("5000"),
            ip="2001:db8::1",
            location={"lat": 22.19, "lon": 113.54, "city": "Macau", "country": "MO"},
        )
    )
    assert isinstance(event, Event)
    assert event.type is EventType.TRANSACTION
    assert event.amount_fen == 500000
    assert event.fields["ip"] == "2001:db8::1"
    assert event.ts == 1576092180.0


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"amount": -5}, "amount", "greater than 0"),
        ({"amount": "abc"}, "amount", "not a decimal"),
        ({"amount": Decimal("1.234")}, "amount", "more than 2 decimals"),
        ({"occurred_at": "2019-12-12T03:23:00"}, "occurred_at", "no UTC offset"),
        ({"occurred_at": "yesterday"}, "occurred_at", "not an ISO-8601"),
        ({"type": "payment"}, "type", "not one of"),
        ({"event_id": None}, "event_id", "is required"),
        ({"event_id": ""}, "event_id", "must not be empty"),
        ({"merchant_id": "x" * 50_000_000}, "merchant_id", "50,000,000 characters"),
        ({"channel": "telepathy"}, "channel", "not one of"),
        ({"ip": "999.1.1.1"}, "ip", "not an IPv4 or IPv6"),
        ({"card_has_chip": "yes"}, "card_has_chip", "true or false"),
        ({"auth_factors": ["password", "retina"]}, "auth_factors", "item 2 is not one of"),
        ({"location": {"lat": 95, "lon": 0}}, "location", "outside"),
        ({"mcc": "54"}, "mcc", "4-digit"),
        ({"txn_type": None}, "txn_type", "is required for transaction"),
    ],
)
def test_bad_fields_are_named_with_a_reason(fields: dict[str, Any], field: str, fragment: str) -> None:
    got_field, message = error_of(txn(**fields))
    assert got_field == field
    assert fragment in message


def test_every_error_is_reported_not_only_the_first() -> None:
    result = V.validate(txn(amount="-1", channel="x", ip="nope"))
    assert isinstance(result, EventError)
    assert {e.field for e in result.errors} == {"amount", "channel", "ip"}
    assert result.event_id == "e1"


def test_unknown_fields_are_kept_and_secrets_removed() -> None:
    event = V.validate(txn(risk_hint={"score": 3, "cvv": "123"}, cvn2="999", track2="6222;1234", pin="1234"))
    assert isinstance(event, Event)
    assert event.fields["risk_hint"] == {"score": 3}
    for secret in ("cvn2", "track2", "pin"):
        assert secret not in event.fields
    assert set(event.redacted) == {"cvn2", "track2", "pin"}


def test_raw_card_number_is_tokenised_at_the_door() -> None:
    event = V.validate(txn(card_id="6222021234567890128"))
    assert isinstance(event, Event)
    assert event.fields["card_id"] == "tok-19"
    assert "6222021234567890128" not in json.dumps(event.to_record())
    assert event.fields["card_masked"] == "622202*********0128"


def test_id_number_is_only_kept_as_a_hash() -> None:
    event = V.validate(
        {
            "event_id": "o1",
            "type": "account_open",
            "occurred_at": "2024-01-01T00:00:00Z",
            "account_id": "a1",
            "id_number": "11010519491231002X",
        }
    )
    assert isinstance(event, Event)
    assert "id_number" not in event.fields
    assert event.fields["id_number_hash"] == "h-id_number"


@pytest.mark.parametrize("event_type", [t.value for t in EventType if t is not EventType.HOLD_RESOLUTION])
def test_every_event_type_of_the_contract_is_accepted(event_type: str) -> None:
    required = {
        "transaction": {"txn_type": "purchase", "channel": "pos", "amount": 1},
        "login": {"success": True, "method": "password", "username": "u", "user_agent": "Mozilla"},
        "account_open": {
            "account_id": "a",
            "account_kind": "payment",
            "account_class": "II",
            "verification_channels": 3,
            "face_to_face": False,
            "name": "秦",
            "phone": "13800000000",
        },
        "card_bind": {"card_id": "k", "account_id": "a", "bind_to": "app", "auth_factors": ["password", "sms_otp"]},
        "profile_change": {"field": "phone", "via": "sms_otp", "new_value_hash": "abc"},
        "repayment": {"card_id": "k", "amount": "100.50", "statement_due_date": "2024-02-01"},
        "feedback": {"target_event_id": "e1", "label": "fraud", "source": "chargeback"},
        "challenge_result": {
            "target_event_id": "e1",
            "challenge_id": "chl_1",
            "passed": True,
            "factors": ["biometric"],
        },
        "payment_outcome": {"target_event_id": "e1", "outcome": "completed"},
    }[event_type]
    event = V.validate({"event_id": "x", "type": event_type, "occurred_at": "2024-01-01T00:00:00+08:00", **required})
    assert isinstance(event, Event), event


def test_hold_resolutions_are_made_by_fengkong_only() -> None:
    """An analyst's release moves money: it is never accepted from outside, only read back from
    fengkong's own log."""
    data = {
        "event_id": "r1",
        "type": "hold_resolution",
        "occurred_at": "2024-01-01T00:00:00+08:00",
        "target_event_id": "e1",
        "resolution": "released",
        "actor": "analyst-1",
        "reason": "customer confirmed",
    }
    refused = V.validate(data)
    assert isinstance(refused, EventError) and refused.first.field == "type"
    assert "made by fengkong" in refused.first.message
    trusted = V.validate(data, trusted=True)
    assert isinstance(trusted, Event) and trusted.fields["resolution"] == "released"


def test_invalid_json_and_non_objects() -> None:
    data, error = parse_json_event(b'{"event_id": "e9", "amount": }')
    assert data is None and error is not None
    assert error.first.field == "(json)" and error.event_id == "e9"
    _, error = parse_json_event(b"[1, 2]")
    assert error is not None and "JSON object" in error.first.message
    data, error = parse_json_event('{"amount": 0.1}')
    assert error is None and data is not None and data["amount"] == Decimal("0.1")


def test_rejected_excerpt_never_keeps_secrets_or_card_numbers() -> None:
    raw = '{"event_id": "e1", "card_id": "6222021234567890128", "cvn2": "123", "amount": -1}'
    excerpt = rejected_excerpt(raw)
    assert "6222021234567890128" not in excerpt and '123"' not in excerpt
    broken = '{"event_id": "e1", "cvn2": "123", "card": "6222021234567890128"'
    excerpt = rejected_excerpt(broken)
    assert "6222021234567890128" not in excerpt and '"123"' not in excerpt
    assert len(rejected_excerpt("x" * 100_000)) < 2100


# ------------------------------------------------------------------ sensitive values anywhere

PAN = "6222021234567890128"
MASKED = "622202*********0128"
SECRETS = {
    "cvv_code": "7318",
    "cardCvc": "8524",
    "pin_code": "408153",
    "atm_pin": "592604",
    "pinBlock": "0412A7F3C9E81D26",
    "expiryDate": "11/29",
    "exp_month": "07",
    "card_exp": "0831",
    "track2Data": f"{PAN}=2911201",
    "iccData": "9F2608C2E1A3",
    "atm_password": "Orchid-5501!",
    "loginPwd": "TeaHouse#8842",
}


def test_secrets_named_in_any_spelling_are_dropped_at_any_depth() -> None:
    event = V.validate(txn(**SECRETS, payer={"card": {"cvv2": "321", "Expiry": "12/30", "holder": "x"}}, pinyin="qin"))
    assert isinstance(event, Event)
    assert set(event.redacted) == set(SECRETS)
    assert event.fields["payer"] == {"card": {"holder": "x"}}
    assert event.fields["pinyin"] == "qin"  # a near miss stays
    stored = json.dumps(event.to_record(), ensure_ascii=False)
    for value in SECRETS.values():
        assert value not in stored


@pytest.mark.parametrize(
    "written", [PAN, "6222 0212 3456 7890 128", "6222-0212-3456-7890-128", "6222.0212.3456.7890.128"]
)
def test_a_card_number_in_a_card_field_is_sealed_however_grouped(written: str) -> None:
    event = V.validate(txn(card_id=written, account_id=written, counterparty_account_id=written))
    assert isinstance(event, Event)
    assert event.fields["card_id"] == event.fields["account_id"] == event.fields["counterparty_account_id"] == "tok-19"
    assert event.fields["card_masked"] == MASKED


def test_card_numbers_elsewhere_are_masked() -> None:
    spaced = "6222 0212 3456 7890 128"
    event = V.validate(
        txn(
            customer_id=f"cust-{PAN}",
            device_id=f"dev_{spaced}",
            account_id=f"acct-{PAN}",
            user_agent=f"app card {spaced}",
            location={"city": f"Beijing {PAN}", "street": f"no. {PAN}"},
            note=f"refund to {spaced.replace(' ', '-')}",
            refs=[{"n": int(PAN)}, PAN],
            **{PAN: "a card number as a key"},
        )
    )
    assert isinstance(event, Event)
    stored = json.dumps(event.to_record(), ensure_ascii=False)
    assert PAN not in stored and spaced not in stored and spaced.replace(" ", "-") not in stored
    assert event.fields["customer_id"] == f"cust-{MASKED}"
    # an account number is kept as its reference (sealed for the vault) and its last four
    assert event.fields["account_id"] == f"acct-{len(PAN) + 5}" and event.fields["account_masked"] == "****0128"
    assert event.fields["refs"] == [{"n": MASKED}, MASKED]
    assert event.fields[MASKED] == "a card number as a key"


def test_a_phone_is_only_kept_as_a_hash() -> None:
    event = V.validate(txn(phone="139-7142-6085"))
    assert isinstance(event, Event)
    assert "phone" not in event.fields
    assert event.fields["phone_hash"] == "h-phone"


def test_our_own_records_are_not_scrubbed_again() -> None:
    """A hash or reference of ours may hold a long digit run by chance: replaying the log must
    not mask it (the state rebuilt would differ from the state the live engine had)."""
    digest = "ab" + "6222021234567890128" + "cd"  # a digest that happens to hold a Luhn-valid run
    record = {
        "event_id": "e1",
        "type": "account_open",
        "occurred_at": "2024-01-01T00:00:00+08:00",
        "account_id": "ctk_" + digest,
        "id_number_hash": digest,
        "phone_hash": digest,
    }
    event = V.validate(record, trusted=True)
    assert isinstance(event, Event)
    assert event.fields["account_id"] == "ctk_" + digest
    assert event.fields["id_number_hash"] == event.fields["phone_hash"] == digest


BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"channel": PAN}, "channel"),
    ({"txn_type": "6222 0212 3456 7890 128"}, "txn_type"),
    ({"occurred_at": PAN}, "occurred_at"),
    ({"occurred_at": f"2024-01-01T00:00:00 {PAN}"}, "occurred_at"),
    ({"amount": f"card {PAN}"}, "amount"),
    ({"amount": "Orchid-5501!"}, "amount"),
    ({"ip": PAN}, "ip"),
    ({"currency": PAN}, "currency"),
    ({"currency": "Orchid-5501!"}, "currency"),
    ({"auth_factors": ["password", PAN]}, "auth_factors"),
    ({"statement_due_date": PAN}, "statement_due_date"),
    ({"type": PAN}, "type"),
    ({"type": "Orchid-5501!"}, "type"),
    ({"mcc": PAN}, "mcc"),
    ({"label": "Orchid-5501!"}, "label"),
    ({"customer_id": 6222021234567890128}, "customer_id"),
    ({"location": {"lat": PAN}}, "location"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_VALUES)
def test_an_error_names_the_field_never_the_value(bad: dict[str, Any], field: str) -> None:
    result = V.validate(txn(**bad))
    assert isinstance(result, EventError)
    assert field in {e.field for e in result.errors}
    said = json.dumps(result.to_dict(), ensure_ascii=False)
    for secret in (PAN, "6222 0212 3456 7890 128", "Orchid-5501!"):
        assert secret not in said


def test_a_refused_id_number_is_not_echoed() -> None:
    result = V.validate(
        {
            "event_id": "o1",
            "type": "account_open",
            "occurred_at": "2024-01-01T00:00:00+08:00",
            "account_id": "a1",
            "id_number": "110105194912310021",  # wrong check digit
        }
    )
    assert isinstance(result, EventError) and result.first.field == "id_number"
    assert "check digit" in result.first.message
    assert "1949" not in result.first.message and "110105" not in result.first.message


def test_the_kept_excerpt_of_a_refused_event_holds_no_secret_and_no_person() -> None:
    event = txn(
        amount="-1",
        card_id="6222 0212 3456 7890 128",
        phone="13971426085",
        name="司马青衫",
        id_number="110105194912310021",
        meta={"pin": "408153", "note": f"card {PAN}"},
        **SECRETS,
    )
    for raw in (event, json.dumps(event, ensure_ascii=False), json.dumps(event, ensure_ascii=False)[:-1] + ", broken"):
        excerpt = rejected_excerpt(raw)
        for value in (PAN, "6222 0212 3456 7890 128", "13971426085", "司马青衫", "110105194912310021", "408153"):
            assert value not in excerpt, (value, excerpt)
        for value in SECRETS.values():
            assert value not in excerpt, (value, excerpt)
        assert "139****6085" in excerpt and "司***" in excerpt


def test_secret_pairs_in_text_that_is_not_json_are_removed() -> None:
    excerpt = rejected_excerpt("cvv2=123&pin=4444&amount=5&note=the password is: Orchid-5501!")
    assert "123" not in excerpt and "4444" not in excerpt and "Orchid-5501!" not in excerpt
    assert "amount=5" in excerpt
