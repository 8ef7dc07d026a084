"""Signed reports between member institutions on the memory adapters, with real certificates:
who reports is the certificate that signed, checked against the members' CA and against the
caller's credential; replays are refused; reciprocity holds for pulling; nobody is named without
consent; and what others reported changes this institution's decisions."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import fengkong
from fengkong.domain.decisions import Outcome
from fengkong.domain.errors import Conflict, InputError, NotPermitted
from fengkong.domain.sharing.report import ReportBody, SignedReport
from fengkong.services.platform import Platform
from tests.pki import issue, write

PAYEE = "6217 0000 1111 2222 333"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, tuple[str, str]]:
    ca = issue("members CA", None, ca=True)
    stranger_ca = issue("another CA", None, ca=True)
    return {
        "ca": write(tmp_path / "ca", *ca),
        "bank-a": write(tmp_path / "bank-a", *issue("bank-a gateway", ca, institution="bank-a")),
        "bank-b": write(tmp_path / "bank-b", *issue("bank-b gateway", ca, institution="bank-b")),
        "bank-c": write(tmp_path / "bank-c", *issue("bank-c gateway", ca, institution="bank-c")),
        "forged-b": write(tmp_path / "forged-b", *issue("bank-b gateway", stranger_ca, institution="bank-b")),
        "no-org": write(tmp_path / "no-org", *issue("nobody", ca)),
    }


@pytest.fixture
def hub(pki: dict[str, tuple[str, str]]) -> Iterator[Platform]:
    """Institution A's fengkong, taking signed reports of members."""
    cert, key = pki["bank-a"]
    with fengkong.in_memory(
        institution_id="bank-a",
        sharing_members_ca=Path(pki["ca"][0]),
        sharing_cert=Path(cert),
        sharing_key=Path(key),
    ) as platform:
        yield platform


def signed(
    pki: dict[str, tuple[str, str]], who: str, subject_hash: str, risk_type: str = "telecom_fraud", **more: Any
) -> dict[str, Any]:
    """A report signed with the member key of `who`, as its fengkong sends it."""
    body = ReportBody.from_dict(
        {
            "report_id": secrets.token_hex(16),
            "subject_type": more.pop("subject_type", "account"),
            "subject_hash": subject_hash,
            "risk_type": risk_type,
            "reported_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
            **more,
        },
        datetime.now(UTC),
    )
    cert, key = (Path(p) for p in pki[who])
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    signature = private.sign(body.signed_bytes(), ec.ECDSA(hashes.SHA256()))
    return SignedReport(body, signature, cert.read_text()).to_dict()


def transfer(platform: Platform, event_id: str, payee: str = PAYEE) -> Outcome:
    return platform.engine.decide(
        {
            "event_id": event_id,
            "type": "transaction",
            "occurred_at": datetime.now(UTC).isoformat(),
            "txn_type": "transfer",
            "channel": "mobile_banking",
            "amount": "100.00",
            "account_id": "6200000000000099",
            "counterparty_account_id": payee,
            "customer_id": "c-1",
        }
    ).decision


def test_a_members_signed_report_is_taken_and_changes_the_decision(
    hub: Platform, pki: dict[str, tuple[str, str]]
) -> None:
    assert transfer(hub, "t-1") is Outcome.APPROVE

    done = hub.sharing.receive(signed(pki, "bank-b", hub.sharing.subject_hash("account", PAYEE)), "bank-b", "key:b")

    assert done["accepted"]
    assert transfer(hub, "t-2") is Outcome.REVIEW  # the payee another member reported: checked first
    reasons = hub.engine.decide(
        {
            "event_id": "t-3",
            "type": "transaction",
            "occurred_at": datetime.now(UTC).isoformat(),
            "txn_type": "transfer",
            "channel": "mobile_banking",
            "amount": "100.00",
            "account_id": "6200000000000099",
            "counterparty_account_id": "6217000011112222333",  # the same account however written
            "customer_id": "c-1",
        }
    ).reasons
    assert "SHARED_PAYEE_REPORTED" in {r.code for r in reasons}
    assert "bank-b" not in repr(reasons)  # counts, never who
    assert [r.action for r in hub.audit.records()] == ["sharing.receive"]


@pytest.mark.parametrize(
    ("who", "credential", "field", "kind"),
    [
        ("bank-b", "bank-c", "certificate", NotPermitted),  # bank-c's system sends a report bank-b signed
        ("forged-b", "bank-b", "certificate", NotPermitted),  # a certificate of another CA naming bank-b
        ("no-org", "bank-b", "certificate", NotPermitted),  # a member certificate must name its institution
    ],
)
def test_a_report_not_signed_by_the_callers_member_certificate_is_refused_and_audited(
    hub: Platform, pki: dict[str, tuple[str, str]], who: str, credential: str, field: str, kind: type[InputError]
) -> None:
    with pytest.raises(kind) as refused:
        hub.sharing.receive(signed(pki, who, "a" * 64), credential, f"key:{credential}")

    assert refused.value.field == field
    last = hub.audit.records()[-1]
    assert (last.action, last.reason.split(":")[0]) == ("sharing.refused", field)
    assert hub.sharing.ledger.all_reports() == []


def test_a_report_changed_after_signing_is_refused(hub: Platform, pki: dict[str, tuple[str, str]]) -> None:
    envelope = signed(pki, "bank-b", "a" * 64, "telecom_fraud")
    envelope["report"]["risk_type"] = "cash_out"

    with pytest.raises(NotPermitted) as refused:
        hub.sharing.receive(envelope, "bank-b", "key:b")

    assert refused.value.field == "signature"


def test_a_replayed_report_is_refused(hub: Platform, pki: dict[str, tuple[str, str]]) -> None:
    envelope = signed(pki, "bank-b", "a" * 64)
    hub.sharing.receive(envelope, "bank-b", "key:b")

    with pytest.raises(Conflict) as refused:
        hub.sharing.receive(envelope, "bank-b", "key:b")

    assert refused.value.field == "report.report_id"
    assert len(hub.sharing.ledger.all_reports()) == 1


def test_without_the_members_ca_no_signed_report_is_taken(pki: dict[str, tuple[str, str]]) -> None:
    with fengkong.in_memory(institution_id="bank-a") as lone:
        with pytest.raises(NotPermitted) as refused:
            lone.sharing.receive(signed(pki, "bank-b", "a" * 64), "bank-b", "key:b")
    assert refused.value.field == "certificate"


def test_pulling_needs_a_report_first_and_names_only_who_consented(
    hub: Platform, pki: dict[str, tuple[str, str]]
) -> None:
    hub.sharing.report("bank-a", "account", PAYEE, "account_rental", "alice")  # A's own: not named
    hub.sharing.receive(
        signed(pki, "bank-c", "b" * 64, "cash_out", amount_fen=880_000, card_count=2, consent_to_disclose=True),
        "bank-c",
        "key:c",
    )
    hub.sharing.receive(signed(pki, "bank-c", "d" * 64, "card_fraud"), "bank-c", "key:c")  # without consent

    with pytest.raises(NotPermitted) as refused:
        hub.sharing.feed("bank-b", 0, 100, "key:b")  # bank-b has never reported
    assert refused.value.field == "institution_id"

    hub.sharing.receive(signed(pki, "bank-b", "c" * 64), "bank-b", "key:b")
    page = hub.sharing.feed("bank-b", 0, 100, "key:b")

    by_type = {r["risk_type"]: r for r in page["reports"]}
    assert set(by_type) == {"account_rental", "cash_out", "card_fraud"}  # not bank-b's own
    assert by_type["account_rental"]["disclosed_by"] is None
    assert by_type["account_rental"]["reporter"].startswith("anon:")
    assert "bank-a" not in repr(by_type["account_rental"])
    assert by_type["cash_out"]["disclosed_by"] == "bank-c"  # it consented
    assert by_type["cash_out"]["amount_fen"] == 880_000
    assert by_type["card_fraud"]["disclosed_by"] is None and "bank-c" not in repr(by_type["card_fraud"])
    assert by_type["card_fraud"]["reporter"] == by_type["cash_out"]["reporter"]  # one institution, counted once
    assert page["next"] == 4
    assert hub.sharing.feed("bank-b", page["next"], 100, "key:b")["reports"] == []


def test_a_cardholder_found_cashing_out_by_two_members_is_refused(
    hub: Platform, pki: dict[str, tuple[str, str]]
) -> None:
    now = datetime.now(UTC).isoformat()
    hub.engine.decide(
        {
            "event_id": "open-1",
            "type": "account_open",
            "occurred_at": now,
            "account_id": "6200000000000777",
            "customer_id": "c-7",
            "id_number": ID_NUMBER,
            "account_kind": "bank",
            "account_class": "I",
        }
    )
    person = hub.sharing.subject_hash("id_number", ID_NUMBER.lower())

    def purchase(event_id: str) -> Any:
        return hub.engine.decide(
            {
                "event_id": event_id,
                "type": "transaction",
                "occurred_at": datetime.now(UTC).isoformat(),
                "txn_type": "purchase",
                "channel": "pos",
                "amount": "50.00",
                "account_id": "6200000000000777",
                "customer_id": "c-7",
                "merchant_id": "m-1",
            }
        )

    assert purchase("p-0").decision is Outcome.APPROVE
    hub.sharing.receive(signed(pki, "bank-b", person, "cash_out", subject_type="id_number"), "bank-b", "key:b")
    assert purchase("p-1").decision is Outcome.REVIEW  # one member: a person checks
    hub.sharing.receive(signed(pki, "bank-c", person, "cash_out", subject_type="id_number"), "bank-c", "key:c")

    refused = purchase("p-2")
    assert refused.decision is Outcome.REJECT
    (control,) = [r for r in refused.reasons if r.code == "SHARED_CASHOUT_CARDHOLDER"]
    assert "2 家成员机构" in control.message_zh and "2 member institutions" in control.message_en


def test_a_report_waits_in_the_outbox_while_the_hub_is_down(pki: dict[str, tuple[str, str]]) -> None:
    cert, key = pki["bank-b"]
    with fengkong.in_memory(
        institution_id="bank-b",
        sharing_hub_url="https://127.0.0.1:9",  # nothing listens there
        sharing_hub_ca=Path(pki["ca"][0]),
        sharing_cert=Path(cert),
        sharing_key=Path(key),
        sharing_hub_credential="fk_not_used",
    ) as member:
        done = member.sharing.report("bank-b", "account", PAYEE, "telecom_fraud", "bob")
        outcome = member.sharing_exchange.flush()

        assert done["signed"] and done["queued"]
        assert outcome["sent"] == [] and outcome["waiting"] == 1 and "unavailable" in outcome["error"]
        (waiting,) = member.sharing_exchange.outbox()
        assert (waiting["report_id"], waiting["state"], waiting["attempts"]) == (done["report_id"], "pending", 1)
        assert waiting["sent_at"] is None


def test_a_member_certificate_of_another_institution_cannot_sign_for_this_one(
    pki: dict[str, tuple[str, str]],
) -> None:
    cert, key = pki["bank-b"]
    with fengkong.in_memory(institution_id="bank-a", sharing_cert=Path(cert), sharing_key=Path(key)) as platform:
        with pytest.raises(InputError) as refused:
            platform.sharing.report("bank-a", "account", PAYEE, "telecom_fraud", "alice")
    assert refused.value.field == "sharing_cert"
