"""VaultService on the memory adapters: payment tokens, detokenization rights, key rotation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import fengkong
from fengkong.domain.errors import FengkongError, InputError, NotFound, NotPermitted
from fengkong.services.platform import Platform
from tests.access import person
from tests.unit.services.support import PAN, PAN_2, audit_actions, purchase

WHO = {"actor": "alice", "reason": "wallet provisioning"}
OPS = person("ops", "secops")


@pytest.fixture
def vaulted(rules_file: Path) -> Iterator[Platform]:
    """A platform with a card vault (OPS, with the secops role, may reveal card numbers)."""
    with fengkong.in_memory(rule_paths=(rules_file,)) as built:
        yield built


def _card_ref(platform: Platform, pan: str, event_id: str = "e-card") -> str:
    """The reference the vault keeps a card under, as the door assigns it to an event."""
    platform.engine.decide(purchase(event_id, 0, card_id=pan))
    record = platform.events.find_events([event_id])[event_id].record
    return str(record["card_id"])


# ---------------------------------------------------------------------------------------- issue


def test_issue_by_card_number(platform: Platform) -> None:
    issued = platform.vault.issue(card_number=PAN, controls={"max_uses": 3, "per_use_max": "500"}, **WHO)

    assert issued["token"].startswith("ptk_") and len(issued["token"]) == 28
    assert issued["masked"] == "622202*********0128"
    assert issued["status"] == "active"
    assert issued["controls"] == {"max_uses": 3, "per_use_max": "500.00"}
    assert PAN not in json.dumps(issued)
    seen = platform.read_model.reference("payment_token", "payment_token|" + issued["token"])
    assert seen is not None and seen["status"] == "active" and str(seen["per_use_max"]) == "500.00"
    record = platform.audit.records()[-1]
    assert (record.action, record.subject, record.actor) == ("token.issue", f"token:{issued['token']}", "alice")
    assert PAN not in record.payload


def test_issue_by_card_reference(platform: Platform) -> None:
    ref = _card_ref(platform, PAN)

    issued = platform.vault.issue(card_ref=ref, **WHO)

    assert issued["masked"] == "622202*********0128"
    assert issued["controls"] == {}
    assert ref not in json.dumps(issued)


def test_two_tokens_for_one_card_are_different(platform: Platform) -> None:
    first = platform.vault.issue(card_number=PAN, **WHO)
    second = platform.vault.issue(card_number=PAN, **WHO)
    assert first["token"] != second["token"]
    assert first["masked"] == second["masked"]


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({"card_number": "6222021234567890123"}, "card_number"),  # fails the Luhn check
        ({"card_ref": "ctk_unknown"}, "card_ref"),
        ({}, "card_number"),
    ],
)
def test_issue_needs_a_card_the_vault_knows(platform: Platform, card: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.vault.issue(**card, **WHO)
    assert bad.value.field == field
    assert "token.issue" not in audit_actions(platform)


@pytest.mark.parametrize(
    ("controls", "field"),
    [
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": True}, "max_uses"),
        ({"per_use_max": "1.001"}, "per_use_max"),
        ({"total_max": "free"}, "total_max"),
        ({"valid_until": "2030-01-01T00:00:00"}, "valid_until"),
        ({"valid_from": "2030-01-02T00:00:00+08:00", "valid_until": "2030-01-01T00:00:00+08:00"}, "valid_until"),
        ({"channels": ["teleport"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"merchants": "m1"}, "merchants"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_controls_are_validated(platform: Platform, controls: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.vault.issue(card_number=PAN, controls=controls, **WHO)
    assert bad.value.field == field
    assert audit_actions(platform) == []


def test_valid_controls_are_normalised(platform: Platform) -> None:
    issued = platform.vault.issue(
        card_number=PAN,
        controls={
            "total_max": 1000,
            "valid_from": "2030-01-01T00:00:00+08:00",
            "valid_until": "2030-01-02T00:00:00+08:00",
            "channels": ["quick_pay", "qr_code"],
            "merchants": ["m1"],
        },
        **WHO,
    )
    assert issued["controls"] == {
        "total_max": "1000.00",
        "valid_from": 1893427200.0,
        "valid_until": 1893513600.0,
        "channels": ["quick_pay", "qr_code"],
        "merchants": ["m1"],
    }


@pytest.mark.parametrize("missing", ["actor", "reason"])
def test_issue_needs_who_and_why(platform: Platform, missing: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.vault.issue(card_number=PAN, **{**WHO, missing: ""})
    assert bad.value.field == missing


# ---------------------------------------------------------------------------------------- status


def test_status_changes_until_deleted(platform: Platform) -> None:
    token = platform.vault.issue(card_number=PAN, **WHO)["token"]
    key = "payment_token|" + token

    suspended = platform.vault.set_status(token, "suspended", actor="bob", reason="lost phone")
    assert suspended == {"token": token, "masked": "622202*********0128", "status": "suspended"}
    assert platform.vault.show(token)["status"] == "suspended"
    assert (platform.read_model.reference("payment_token", key) or {})["status"] == "suspended"

    platform.vault.set_status(token, "active", actor="bob", reason="phone found")
    platform.vault.set_status(token, "deleted", actor="bob", reason="wallet removed")
    assert (platform.read_model.reference("payment_token", key) or {})["status"] == "deleted"

    with pytest.raises(InputError) as final:
        platform.vault.set_status(token, "active", actor="bob", reason="undo")
    assert final.value.field == "status"
    assert "deleted" in final.value.message
    assert platform.vault.show(token)["status"] == "deleted"
    assert audit_actions(platform) == ["token.issue", "token.suspended", "token.active", "token.deleted"]
    assert json.loads(platform.audit.records()[1].payload) == {"from": "active"}


def test_unknown_status_and_token(platform: Platform) -> None:
    token = platform.vault.issue(card_number=PAN, **WHO)["token"]
    with pytest.raises(InputError) as bad:
        platform.vault.set_status(token, "paused", actor="bob", reason="r")
    assert bad.value.field == "status"
    with pytest.raises(NotFound) as missing:
        platform.vault.set_status("ptk_nope", "suspended", actor="bob", reason="r")
    assert missing.value.field == "token"
    with pytest.raises(NotFound):
        platform.vault.show("ptk_nope")
    with pytest.raises(InputError) as no_reason:
        platform.vault.set_status(token, "suspended", actor="bob", reason="")
    assert no_reason.value.field == "reason"
    assert platform.vault.show(token)["status"] == "active"


def test_show_never_contains_the_card_reference(platform: Platform) -> None:
    ref = _card_ref(platform, PAN)
    token = platform.vault.issue(card_ref=ref, controls={"max_uses": 1}, **WHO)["token"]

    shown = platform.vault.show(token)

    assert set(shown) == {"token", "masked", "status", "controls", "created_by", "created_at"}
    assert (shown["token"], shown["masked"], shown["created_by"]) == (token, "622202*********0128", "alice")
    assert shown["created_at"] != ""
    text = json.dumps(shown)
    assert ref not in text and PAN not in text


# ---------------------------------------------------------------------------------------- detokenize


def test_permitted_actor_reveals_the_card_number(vaulted: Platform) -> None:
    token = vaulted.vault.issue(card_number=PAN, **WHO)["token"]
    ref = _card_ref(vaulted, PAN_2)

    assert vaulted.vault.detokenize(token, principal=OPS, purpose="chargeback 123") == PAN
    assert vaulted.vault.detokenize(ref, principal=OPS, purpose="police request") == PAN_2
    records = vaulted.audit.records()[-2:]
    assert [(r.action, r.actor, r.reason) for r in records] == [
        ("token.detokenize", "ops", "chargeback 123"),
        ("token.detokenize", "ops", "police request"),
    ]
    assert json.loads(records[0].payload) == {"allowed": True, "roles": ["secops"]}
    assert all(PAN not in r.payload and PAN_2 not in r.payload for r in vaulted.audit.records())


def test_detokenize_refused_to_others_and_audited(vaulted: Platform) -> None:
    token = vaulted.vault.issue(card_number=PAN, **WHO)["token"]

    with pytest.raises(NotPermitted) as refused:
        vaulted.vault.detokenize(token, principal=person("alice", "analyst"), purpose="curious")
    assert refused.value.field == "(authorization)"
    with pytest.raises(NotPermitted):
        vaulted.vault.detokenize(token, principal=person("bob", "supervisor", "list_manager"), purpose="curious")

    last_two = vaulted.audit.records()[-2:]
    assert [(r.action, r.actor, r.subject) for r in last_two] == [
        ("token.detokenize_refused", "alice", f"token:{token}"),
        ("token.detokenize_refused", "bob", f"token:{token}"),
    ]
    assert json.loads(last_two[0].payload) == {"allowed": False, "roles": ["analyst"]}


def test_detokenize_needs_a_purpose(vaulted: Platform) -> None:
    token = vaulted.vault.issue(card_number=PAN, **WHO)["token"]
    with pytest.raises(InputError) as bad:
        vaulted.vault.detokenize(token, principal=OPS, purpose=" ")
    assert bad.value.field == "purpose"
    assert audit_actions(vaulted)[-1] == "token.detokenize_refused"


def test_only_secops_may_detokenize(platform: Platform) -> None:
    token = platform.vault.issue(card_number=PAN, **WHO)["token"]
    everyone_else = ("client", "analyst", "supervisor", "list_manager", "auditor", "admin")
    for role in everyone_else:
        with pytest.raises(NotPermitted):
            platform.vault.detokenize(token, principal=person("x", role), purpose="chargeback")
    assert audit_actions(platform)[-1] == "token.detokenize_refused"


def test_detokenize_of_an_unknown_token_is_not_found(vaulted: Platform) -> None:
    with pytest.raises(NotFound) as missing:
        vaulted.vault.detokenize("ptk_nope", principal=OPS, purpose="chargeback")
    assert missing.value.field == "token"


# ---------------------------------------------------------------------------------------- keys


def test_rotate_master_keeps_every_card_readable(vaulted: Platform) -> None:
    token = vaulted.vault.issue(card_number=PAN, **WHO)["token"]
    _card_ref(vaulted, PAN_2)
    assert vaulted.vault.check() == (2, [])

    rewrapped = vaulted.vault.rotate_master("v2", actor="keyadmin")

    assert rewrapped == 1  # one data key so far
    vaulted.vault.cards.forget_keys()  # as after a restart: data keys are unwrapped again
    assert vaulted.vault.check() == (2, [])
    assert vaulted.vault.detokenize(token, principal=OPS, purpose="after rotation") == PAN
    rotation = next(r for r in vaulted.audit.records() if r.action == "vault.rotate_master")
    assert (rotation.actor, rotation.subject) == ("keyadmin", "master:v2")
    assert json.loads(rotation.payload) == {"rewrapped": 1}


def test_rotate_master_to_an_existing_version_is_refused(vaulted: Platform) -> None:
    vaulted.vault.issue(card_number=PAN, **WHO)
    with pytest.raises(FengkongError):
        vaulted.vault.rotate_master("v1", actor="keyadmin")
    assert "vault.rotate_master" not in audit_actions(vaulted)
    assert vaulted.vault.check() == (1, [])


def test_rotate_data_key_seals_new_cards_under_the_new_key(vaulted: Platform) -> None:
    first = vaulted.vault.issue(card_number=PAN, **WHO)["token"]

    dek_id = vaulted.vault.rotate_data_key(actor="keyadmin")

    assert dek_id.startswith("dek_")
    second = vaulted.vault.issue(card_number=PAN_2, **WHO)["token"]
    assert vaulted.vault.rotate_master("v2", actor="keyadmin") == 2  # both data keys re-wrapped
    assert vaulted.vault.check() == (2, [])
    assert vaulted.vault.detokenize(first, principal=OPS, purpose="p") == PAN
    assert vaulted.vault.detokenize(second, principal=OPS, purpose="p") == PAN_2
    record = next(r for r in vaulted.audit.records() if r.action == "vault.rotate_data_key")
    assert record.subject == f"dek:{dek_id}"


def test_key_operations_need_an_actor(vaulted: Platform) -> None:
    with pytest.raises(InputError) as bad:
        vaulted.vault.rotate_data_key(actor="")
    assert bad.value.field == "actor"
    with pytest.raises(InputError):
        vaulted.vault.rotate_master("v2", actor=" ")
    assert audit_actions(vaulted) == []
