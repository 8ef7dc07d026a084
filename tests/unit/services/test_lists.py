"""ListService on the memory adapters: adding entries, bulk import, lookup and maker-checker."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from fengkong import Outcome
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted
from fengkong.services.platform import Platform
from tests.unit.services.support import ID_NUMBER, PAN, audit_actions, iso_in, now_ts, purchase

WHO = {"actor": "alice", "reason": "reported by victim", "source": "police"}


# ---------------------------------------------------------------------------------------- add


def test_phone_is_matched_by_digits_and_shown_masked(platform: Platform) -> None:
    entry = platform.lists.add("phone", "139-0000-1111", **WHO)

    assert entry.list_type == "phone"
    assert entry.display == "139****1111"
    assert "13900001111" not in entry.match_key  # a keyed hash, never the number
    assert [e.id for e in platform.lists.lookup("phone", "13900001111")] == [entry.id]
    assert [e.id for e in platform.lists.lookup("phone", "139 0000 1111")] == [entry.id]
    assert platform.lists.lookup("phone", "13900002222") == []
    listed = platform.read_model.listed("phone", entry.match_key, now_ts())  # as an event carries it: hashed
    assert listed is not None and listed["id"] == entry.id and listed["reason"] == "reported by victim"


def test_card_number_is_matched_by_reference_and_shown_masked(platform: Platform) -> None:
    entry = platform.lists.add("card", PAN, **WHO)

    assert entry.display == "622202*********0128"
    assert entry.match_key != PAN and PAN not in entry.match_key
    assert [e.id for e in platform.lists.lookup("card", PAN)] == [entry.id]
    assert platform.read_model.listed("card", entry.match_key, now_ts()) is not None


def test_a_value_that_is_not_a_card_number_is_kept_as_a_token(platform: Platform) -> None:
    entry = platform.lists.add("card", "ctk_abc123", **WHO)

    assert (entry.match_key, entry.display) == ("ctk_abc123", "ctk_abc123")


def test_resident_id_number_is_validated_hashed_and_masked(platform: Platform) -> None:
    entry = platform.lists.add("id_number", ID_NUMBER.lower(), **WHO)

    assert entry.display == "110105********002X"
    assert ID_NUMBER not in entry.match_key
    assert [e.id for e in platform.lists.lookup("id_number", ID_NUMBER)] == [entry.id]
    with pytest.raises(InputError) as bad:
        platform.lists.add("id_number", "110105194912310021", **WHO)  # wrong check digit
    assert bad.value.field == "value"
    assert "identity number" in bad.value.message


def test_phone_with_too_few_digits_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.add("phone", "12-34", **WHO)
    assert bad.value.field == "value"
    assert "5 to 15 digits" in bad.value.message


def test_unknown_list_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.add("greylist", "x", **WHO)
    assert bad.value.field == "list_type"
    assert "unknown list; one of" in bad.value.message
    assert "greylist" not in bad.value.message  # a refused value is never echoed
    assert platform.audit.records() == []


@pytest.mark.parametrize("missing", ["actor", "reason", "source", "value"])
def test_missing_field_is_named(platform: Platform, missing: str) -> None:
    values = {"value": "dev-1", **WHO, missing: "  "}
    value = values.pop("value")

    with pytest.raises(InputError) as bad:
        platform.lists.add("device", value, **values)

    assert bad.value.field == missing
    assert bad.value.message == "is required"
    assert platform.lists.lookup("device", "dev-1") == []


def test_expiry_in_the_past_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.add("device", "dev-1", **WHO, expires_at=iso_in(-1))
    assert bad.value.field == "expires_at"


def test_expiry_without_offset_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.add("device", "dev-1", **WHO, expires_at="2099-01-01T00:00:00")
    assert bad.value.field == "expires_at"
    assert "UTC offset" in bad.value.message


def test_expiry_before_start_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.add("device", "dev-1", **WHO, starts_at=iso_in(48), expires_at=iso_in(24))
    assert bad.value.field == "expires_at"


def test_entry_with_a_future_start_is_not_in_force_yet(platform: Platform) -> None:
    entry = platform.lists.add("device", "dev-1", **WHO, starts_at=iso_in(24), expires_at=iso_in(48))

    assert platform.read_model.listed("device", "dev-1", now_ts()) is None
    later = platform.read_model.listed("device", "dev-1", now_ts() + 36 * 3600)
    assert later is not None and later["id"] == entry.id


def test_freezes_hold_amounts_that_add_up(platform: Platform) -> None:
    first = platform.lists.add("freeze", "acct-1", **WHO, amount="100", expires_at=iso_in(24))
    platform.lists.add("freeze", "acct-1", **WHO, amount="250.50", expires_at=iso_in(48))

    assert first.amount_fen == 10000
    assert first.to_dict()["amount"] == "100.00"
    listed = platform.read_model.listed("freeze", platform.lists.key_of("freeze", "acct-1"), now_ts())
    assert listed is not None
    assert listed["amount"] == Decimal("350.50")
    assert listed["count"] == 2


@pytest.mark.parametrize("amount", [None, "0", "-5", "1.234", "lots"])
def test_freeze_needs_a_valid_amount(platform: Platform, amount: object) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.add("freeze", "acct-1", **WHO, amount=amount, expires_at=iso_in(24))
    assert bad.value.field == "amount"
    assert platform.lists.lookup("freeze", "acct-1") == []


def test_amount_is_ignored_by_lists_without_amounts(platform: Platform) -> None:
    entry = platform.lists.add("device", "dev-1", **WHO, amount="100")
    assert entry.amount_fen is None


def test_each_add_writes_one_audit_row_without_the_clear_value(platform: Platform) -> None:
    platform.lists.add("device", "dev-1", **WHO)
    entry = platform.lists.add("phone", "13900001111", **WHO, evidence="call log")

    records = platform.audit.records()
    assert [r.action for r in records] == ["list.add.device", "list.add.phone"]
    last = records[-1]
    assert (last.actor, last.subject, last.reason) == ("alice", f"list_entry:{entry.id}", "reported by victim")
    payload = json.loads(last.payload)
    assert payload["display"] == "139****1111"
    assert payload["evidence"] == "call log"
    assert "13900001111" not in last.payload
    assert platform.audit.verify().ok


def test_refused_add_writes_no_audit_row(platform: Platform) -> None:
    with pytest.raises(InputError):
        platform.lists.add("phone", "1", **WHO)
    assert platform.audit.records() == []


def test_listed_card_is_rejected_by_the_built_in_rules(builtin: Platform) -> None:
    builtin.lists.add("card", PAN, **WHO)

    decision = builtin.engine.decide(purchase("e1", 0, card_id=PAN))

    assert decision.decision is Outcome.REJECT
    assert "BLACKLISTED_IDENTIFIER" in [r.code for r in decision.reasons]


# ---------------------------------------------------------------------------------------- import


def test_import_reports_every_row(platform: Platform) -> None:
    csv_text = (
        "value,reason,evidence,expires_at\n"
        "13900001111,scam calls,ticket 1,\n"
        "12,too short,,\n"
        "13900002222,,,\n"
        f"13900003333,old,,{iso_in(-2)}\n"
        "13900004444,scam sms,,\n"
    )

    rows = platform.lists.import_csv("phone", io.StringIO(csv_text), actor="bob", source="bulk")

    assert [(r.row, r.outcome) for r in rows] == [(1, "added"), (2, "error"), (3, "error"), (4, "error"), (5, "added")]
    assert rows[1].message.startswith("value: ")
    assert rows[2].message == "reason: is required"
    assert rows[3].message.startswith("expires_at: ")
    assert rows[0].value == "139000…"  # phones are not echoed in full
    assert len(platform.lists.lookup("phone", "13900001111")) == 1
    assert len(platform.lists.lookup("phone", "13900004444")) == 1
    assert platform.lists.lookup("phone", "13900002222") == []
    assert audit_actions(platform) == ["list.add.phone", "list.add.phone"]


def test_import_shows_plain_values_for_lists_of_non_personal_data(platform: Platform) -> None:
    rows = platform.lists.import_csv(
        "device", io.StringIO("value,reason\ndev-123456789,emulator\n"), actor="bob", source="s"
    )
    assert rows[0].value == "dev-123456789"
    assert rows[0].outcome == "added"


def test_import_into_an_unknown_list_reports_each_row(platform: Platform) -> None:
    rows = platform.lists.import_csv("greylist", io.StringIO("value,reason\na,r\nb,r\n"), actor="bob", source="s")
    assert [r.outcome for r in rows] == ["error", "error"]
    assert all(r.message.startswith("list_type: ") for r in rows)


@pytest.mark.parametrize("header", ["", "value\n", "reason,evidence\n", "phone,reason\n"])
def test_import_with_a_bad_header_is_refused(platform: Platform, header: str) -> None:
    with pytest.raises(InputError) as bad:
        platform.lists.import_csv("phone", io.StringIO(header + "13900001111,r\n"), actor="bob", source="s")
    assert bad.value.field == "(header)"
    assert platform.audit.records() == []


# ---------------------------------------------------------------------------------------- lookup


def test_lookup_and_entry(platform: Platform) -> None:
    entry = platform.lists.add("involved_account", "acct-9", **WHO)

    assert platform.lists.lookup("involved_account", "acct-9") == [entry]
    assert platform.lists.lookup("suspicious_account", "acct-9") == []
    assert platform.lists.entry(entry.id) == entry
    with pytest.raises(NotFound) as missing:
        platform.lists.entry(999)
    assert missing.value.field == "entry_id"
    with pytest.raises(InputError) as bad:
        platform.lists.lookup("greylist", "acct-9")
    assert bad.value.field == "list_type"


# ---------------------------------------------------------------------------------------- maker-checker


def test_removal_needs_a_second_person(platform: Platform) -> None:
    entry = platform.lists.add("involved_account", "acct-9", **WHO)

    request = platform.lists.request_removal(entry.id, maker="alice", reason="case closed")

    assert (request.action, request.status, request.maker) == ("remove_entry", "pending", "alice")
    assert request.payload == {"entry_id": entry.id, "list_type": "involved_account", "display": "****"}
    assert [r.id for r in platform.lists.pending()] == [request.id]
    # still in force until approved
    assert platform.lists.lookup("involved_account", "acct-9") == [entry]
    assert (
        platform.read_model.listed("involved_account", platform.lists.key_of("involved_account", "acct-9"), now_ts())
        is not None
    )

    approved = platform.lists.approve(request.id, checker="bob", note="checked the court letter")

    assert (approved.status, approved.checker, approved.checker_note) == ("approved", "bob", "checked the court letter")
    assert platform.lists.lookup("involved_account", "acct-9") == []
    assert (
        platform.read_model.listed("involved_account", platform.lists.key_of("involved_account", "acct-9"), now_ts())
        is None
    )
    assert platform.lists.pending() == []
    with pytest.raises(NotFound):
        platform.lists.entry(entry.id)
    assert audit_actions(platform) == ["list.add.involved_account", "request.remove_entry", "approve.remove_entry"]
    assert platform.audit.records()[-1].actor == "bob"


@pytest.mark.parametrize("checker", ["alice", " alice "])
def test_maker_cannot_approve_own_request(platform: Platform, checker: str) -> None:
    entry = platform.lists.add("involved_account", "acct-9", **WHO)
    request = platform.lists.request_removal(entry.id, maker="alice", reason="case closed")

    with pytest.raises(NotPermitted) as refused:
        platform.lists.approve(request.id, checker=checker)

    assert refused.value.field == "checker"
    last = platform.audit.records()[-1]
    assert (last.action, last.subject) == ("request.refused_same_person", f"change_request:{request.id}")
    assert json.loads(last.payload) == {"maker": "alice"}
    assert [r.id for r in platform.lists.pending()] == [request.id]
    assert platform.lists.lookup("involved_account", "acct-9") == [entry]


def test_approving_twice_is_a_conflict(platform: Platform) -> None:
    entry = platform.lists.add("device", "dev-1", **WHO)
    request = platform.lists.request_removal(entry.id, maker="alice", reason="false positive")
    platform.lists.approve(request.id, checker="bob")

    with pytest.raises(Conflict) as again:
        platform.lists.approve(request.id, checker="carol")

    assert again.value.field == "request_id"
    assert "approved" in again.value.message
    assert audit_actions(platform).count("approve.remove_entry") == 1


def test_unknown_request_is_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as missing:
        platform.lists.approve(42, checker="bob")
    assert missing.value.field == "request_id"
    with pytest.raises(NotFound):
        platform.lists.reject(42, checker="bob", note="n/a")


def test_removal_of_an_unknown_entry_is_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as missing:
        platform.lists.request_removal(7, maker="alice", reason="r")
    assert missing.value.field == "entry_id"
    assert platform.lists.pending() == []


@pytest.mark.parametrize("missing", ["maker", "reason"])
def test_removal_request_needs_maker_and_reason(platform: Platform, missing: str) -> None:
    entry = platform.lists.add("device", "dev-1", **WHO)
    values = {"maker": "alice", "reason": "r", missing: ""}
    with pytest.raises(InputError) as bad:
        platform.lists.request_removal(entry.id, **values)
    assert bad.value.field == missing


def test_rejected_request_leaves_the_entry(platform: Platform) -> None:
    entry = platform.lists.add("device", "dev-1", **WHO)
    request = platform.lists.request_removal(entry.id, maker="alice", reason="false positive")

    with pytest.raises(InputError) as no_note:
        platform.lists.reject(request.id, checker="bob", note="")
    assert no_note.value.field == "note"

    rejected = platform.lists.reject(request.id, checker="bob", note="still active fraud")

    assert (rejected.status, rejected.checker, rejected.checker_note) == ("rejected", "bob", "still active fraud")
    assert platform.lists.lookup("device", "dev-1") == [entry]
    assert platform.read_model.listed("device", "dev-1", now_ts()) is not None
    assert platform.lists.pending() == []
    assert audit_actions(platform)[-1] == "reject.remove_entry"
    with pytest.raises(Conflict):
        platform.lists.approve(request.id, checker="carol")


def test_penalty_change_replaces_the_entry_with_the_new_expiry(platform: Platform) -> None:
    original = platform.lists.add("penalty_account", "acct-7", **WHO, expires_at="2099-06-30T00:00:00+08:00")
    request = platform.lists.request_penalty_change(
        original.id, "2031-01-01T00:00:00+08:00", maker="alice", reason="appeal granted"
    )
    assert request.action == "change_penalty"
    # unchanged until approved
    before = platform.read_model.listed("penalty_account", platform.lists.key_of("penalty_account", "acct-7"), now_ts())
    assert before is not None and before["until"] == "2099-06-30"

    platform.lists.approve(request.id, checker="bob")

    (replacement,) = platform.lists.lookup("penalty_account", "acct-7")
    assert replacement.id != original.id
    assert replacement.to_dict()["expires_at"] == "2030-12-31T16:00:00+00:00"
    assert replacement.reason == "reported by victim (changed: appeal granted)"
    after = platform.read_model.listed("penalty_account", platform.lists.key_of("penalty_account", "acct-7"), now_ts())
    assert after is not None and after["id"] == replacement.id and after["until"] == "2031-01-01"
    with pytest.raises(NotFound):
        platform.lists.entry(original.id)
    assert audit_actions(platform)[-1] == "approve.change_penalty"


def test_penalty_change_only_for_penalties(platform: Platform) -> None:
    entry = platform.lists.add("device", "dev-1", **WHO)
    with pytest.raises(NotFound) as missing:
        platform.lists.request_penalty_change(entry.id, iso_in(24), maker="alice", reason="r")
    assert missing.value.field == "entry_id"
