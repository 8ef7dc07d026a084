"""Tokens with domain controls, the vault's key rotation, detokenization rights, the password
policy, and a scan of everything a demo run leaves behind for card data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong import InputError, Outcome, Platform
from fengkong.adapters.crypto.vault import Sm4CardVault
from fengkong.domain.identity.passwords import check_password
from fengkong.domain.sensitive import luhn_valid
from tests.access import api_client, person

FRAUD_OPS = person("fraud-ops-1", "secops")
PAN = "6222021234567890128"
CST = timezone(timedelta(hours=8))
NOW = datetime.now(CST)
_n = iter(range(10**6))


def pay(
    token: str,
    amount: str,
    *,
    channel: str = "qr_code",
    merchant: str = "m-1",
    hours: float = 0,
    txn_type: str = "purchase",
) -> dict[str, Any]:
    return {
        "event_id": f"p{next(_n)}",
        "type": "transaction",
        "occurred_at": (NOW + timedelta(hours=hours)).isoformat(),
        "customer_id": "c1",
        "txn_type": txn_type,
        "channel": channel,
        "amount": amount,
        "card_id": token,
        "merchant_id": merchant,
    }


def test_tokens_used_outside_their_domain_are_refused_with_the_control(platform: Platform) -> None:
    vault, engine = platform.vault, platform.engine
    issued = vault.issue(
        actor="ops",
        reason="wallet provisioning",
        card_number=PAN,
        controls={
            "max_uses": 3,
            "per_use_max": "500",
            "total_max": "800",
            "channels": ["qr_code", "quick_pay"],
            "merchants": ["m-1", "m-2"],
            "valid_until": (NOW + timedelta(days=1)).isoformat(),
        },
    )
    token = issued["token"]
    assert issued["masked"] == "622202*********0128" and token.startswith("ptk_")

    def code(event: dict[str, Any]) -> str:
        d = engine.decide(event)
        return d.decision.value if d.decision is Outcome.APPROVE else d.reasons[0].code

    assert code(pay(token, "500.00")) == "approve"
    assert code(pay(token, "500.01")) == "TOKEN_AMOUNT_PER_USE"
    assert code(pay(token, "10.00", channel="pos")) == "TOKEN_CHANNEL"
    assert code(pay(token, "10.00", merchant="m-9")) == "TOKEN_MERCHANT"
    assert code(pay(token, "10.00", hours=25)) == "TOKEN_VALIDITY"
    assert code(pay(token, "300.01")) == "TOKEN_TOTAL"  # 500 used of 800
    assert code(pay(token, "100.00")) == "approve"  # use 2
    assert code(pay(token, "100.00")) == "approve"  # use 3
    assert code(pay(token, "1.00")) == "TOKEN_USES"
    vault.set_status(token, "suspended", actor="ops", reason="customer lost phone")
    assert code(pay(token, "1.00")) == "TOKEN_INACTIVE"
    vault.set_status(token, "deleted", actor="ops", reason="closed")
    with pytest.raises(InputError, match="deleted"):
        vault.set_status(token, "active", actor="ops", reason="oops")
    with pytest.raises(InputError, match="per_use_max"):
        vault.issue(actor="ops", reason="r", card_number=PAN, controls={"per_use_max": "1.234"})


def test_key_rotation_keeps_every_token_detokenizable(platform: Platform) -> None:
    vault, engine = platform.vault, platform.engine
    pans = ["6222020000000000001", "6222020000000000019", "6250000000000000003"]
    pans = [p[:-1] + next(d for d in "0123456789" if luhn_valid(p[:-1] + d)) for p in pans]
    for p in pans[:2]:  # arrive at the door in events
        engine.decide(pay(p, "10.00", channel="pos"))
    token = vault.issue(actor="ops", reason="r", card_number=pans[2])["token"]
    assert vault.rotate_master("v2", actor="key-custodian") == 1
    readable, bad = vault.check()
    assert (readable, bad) == (3, [])
    cards = vault.cards
    assert isinstance(cards, Sm4CardVault)
    cards.masters.retire("v1")
    cards.forget_keys()  # a restart: nothing cached
    assert vault.detokenize(token, principal=FRAUD_OPS, purpose="chargeback 77") == pans[2]
    vault.rotate_data_key(actor="key-custodian")
    late = "622202111111111111"
    engine.decide(pay(late + next(d for d in "0123456789" if luhn_valid(late + d)), "10.00", channel="pos"))
    assert vault.check() == (4, [])


def test_detokenization_is_permissioned_and_audited(platform: Platform) -> None:
    vault = platform.vault
    token = vault.issue(actor="ops", reason="r", card_number=PAN)["token"]
    with pytest.raises(InputError, match="secops"):
        vault.detokenize(token, principal=person("curious-intern", "analyst"), purpose="just looking")
    with pytest.raises(InputError, match="purpose"):
        vault.detokenize(token, principal=FRAUD_OPS, purpose=" ")
    assert vault.detokenize(token, principal=FRAUD_OPS, purpose="case 12") == PAN
    actions = [(r.actor, r.action) for r in platform.audit.records()]
    assert ("curious-intern", "token.detokenize_refused") in actions and ("fraud-ops-1", "token.detokenize") in actions
    assert platform.audit.verify().ok


def test_vault_and_password_api(platform: Platform) -> None:
    with api_client(platform, "client") as client, api_client(platform, "secops") as secops:
        made = client.post(
            "/v1/tokens", json={"card_number": PAN, "actor": "ops", "reason": "r", "controls": {"max_uses": 1}}
        )
        assert made.status_code == 201 and PAN not in made.text
        token = made.json()["token"]
        assert client.get(f"/v1/tokens/{token}").json()["masked"] == "622202*********0128"
        assert client.post(f"/v1/tokens/{token}:detokenize", json={"actor": "x", "purpose": "p"}).status_code == 403
        assert secops.post(f"/v1/tokens/{token}:detokenize", json={"purpose": "p"}).json() == {"card_number": PAN}
        assert (
            client.post(f"/v1/tokens/{token}:suspend", json={"actor": "ops", "reason": "r"}).json()["status"]
            == "suspended"
        )
        bad = client.post("/v1/tokens", json={"card_number": "1234", "actor": "ops", "reason": "r"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "card_number"
        checked = client.post("/v1/passwords:check", json={"password": "138000", "phone": "13800138000"}).json()
        assert checked["acceptable"] is False and checked["reasons"][0]["code"] == "CONTAINS_PHONE"


@pytest.mark.parametrize(
    ("password", "context", "codes"),
    [
        ("111111", {}, {"REPEATED"}),
        ("123456", {}, {"SEQUENTIAL"}),
        ("987654", {}, {"SEQUENTIAL"}),
        ("123123", {}, {"REPEATED"}),
        ("12345", {}, {"TOO_SHORT", "SEQUENTIAL"}),
        ("800101", {"id_number": "110105198001010011"}, {"BIRTHDAY", "CONTAINS_ID_NUMBER"}),
        ("560101", {"birth_date": "1956-01-01"}, {"BIRTHDAY"}),
        ("wangfang", {"account_name": "WangFang"}, {"EQUALS_ACCOUNT_NAME"}),
        ("385512", {"phone": "13985512000"}, {"CONTAINS_PHONE"}),
        ("739204", {}, set()),
        ("abcd9371", {}, {"CONSECUTIVE"}),
        ("zyxw5821", {}, {"CONSECUTIVE"}),
        ("qwer5821", {}, {"KEYBOARD_WALK"}),
        ("1qaz8462", {}, {"KEYBOARD_WALK"}),
        ("p@ssw0rd", {}, {"DICTIONARY_WORD"}),
        ("W0a1ni!58", {}, {"DICTIONARY_WORD"}),
        ("wangfang88", {"account_name": "WangFang"}, {"CONTAINS_ACCOUNT_NAME"}),
        ("Tr0ub4dor&3", {}, set()),
    ],
)
def test_password_policy(password: str, context: dict[str, str], codes: set[str]) -> None:
    from datetime import date

    born = date.fromisoformat(context["birth_date"]) if "birth_date" in context else None
    result = check_password(
        password,
        account_name=context.get("account_name"),
        phone=context.get("phone"),
        id_number=context.get("id_number"),
        birth_date=born,
    )
    assert {c for c, _, _ in result.reasons} == codes
    assert result.acceptable == (not codes)
    assert check_password("739204", initial=True).must_change


@given(st.integers(0, 9), st.integers(6, 8), st.integers(0, 4), st.booleans())
def test_repeated_and_sequential_digits_are_always_refused(digit: int, length: int, start: int, down: bool) -> None:
    assert not check_password(str(digit) * length).acceptable
    run = "".join(str((start + (-i if down else i)) % 10) for i in range(length))
    assert not check_password(run).acceptable


# A card number stands alone (between quotes, separators or binary); a run of digits inside a
# longer alphanumeric token is part of something else — the audit chain's SM3 hex digests
# contain 16+ digit runs by chance, about one in ten of them Luhn-valid.
_RUN = re.compile(rb"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")


def _card_numbers(blob: bytes) -> list[bytes]:
    return [m for m in _RUN.findall(blob) if luhn_valid(m.decode())]


@pytest.mark.slow
def test_no_card_data_after_a_demo_run(demo_run: tuple[dict[str, Any], Path, bytes]) -> None:
    """The demo sends raw card numbers, CVN2, expiry and track data; afterwards the database,
    the logs and the rejected events hold no card number and no CVN."""
    _, data, printed = demo_run
    bad_lines = (
        "\n".join(
            json.dumps(e)
            for e in [
                {
                    "event_id": "bad-1",
                    "type": "transaction",
                    "occurred_at": "2024-01-01T00:00:00+08:00",
                    "txn_type": "purchase",
                    "channel": "pos",
                    "amount": "-1",
                    "card_id": "6222021234567890128",
                    "cvn2": "321",
                    "track2": "6222021234567890128=2812",
                },
                {"event_id": "bad-2", "type": "nonsense", "note": "card 6250000000000000003 exp 2812", "pin": "123456"},
            ]
        )
        + '\n{"event_id": "bad-3", "cvn2": "999", "card_id": "6222021234567890128", broken'
    )
    score = subprocess.run(
        [sys.executable, "-m", "fengkong", "score", "--data-dir", str(data)],
        input=bad_lines.encode(),
        capture_output=True,
        timeout=120,
        check=True,
    )
    logs = printed + score.stdout + score.stderr
    # one file at a time: digits at the end of one file must not join those at the start of the next
    stored = b"\n".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert _card_numbers(stored) == [], "card numbers in storage"
    assert _card_numbers(logs) == [], "card numbers in logs or answers"
    for secret in (b'"cvn2"', b'"track2"', b'"pin"', b'"expiry"'):
        assert secret not in stored and secret not in logs
    assert b"=2812" not in stored
    # and the demo really did send card numbers: the vault holds them, encrypted
    import sqlite3

    with sqlite3.connect(data / "fengkong.db") as conn:
        assert conn.execute("SELECT count(*) FROM vault_cards").fetchone()[0] > 50
        assert conn.execute("SELECT count(*) FROM rejected_events").fetchone()[0] == 3
