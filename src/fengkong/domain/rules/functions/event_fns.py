"""Functions about the event itself beyond its contract fields, and about its decision."""

from __future__ import annotations

from typing import Any

from fengkong.domain.decisions import COUNTED
from fengkong.domain.events import Event
from fengkong.domain.rules.functions import ANY, BOOL, STRING, register


@register("extra", (STRING,), ANY, needs_event=True)
def extra(event: Event, name: Any) -> Any:
    """An extra (non-contract) field the sender added: extra("risk_flag")."""
    return event.fields.get(str(name))


@register("counted", (STRING,), BOOL)
def counted(decision: Any) -> bool:
    """Whether an outcome counts against limits: approve and delay_settlement spend, step_up
    and review reserve until answered (a released review stays counted, a declined one is taken
    back); reject, stop_payment and a resend given its open challenge again count nothing.
    In a feature's filter: `where: counted(decision) and ...`."""
    return decision in COUNTED


@register("balance_paid", (), BOOL, needs_event=True)
def balance_paid(event: Event) -> bool:
    """A payment from the account's own balance (余额付款, 001 §1.1.4), not one a bound bank card
    funds: the payment-account class caps count only these. balance_paid()."""
    return event.fields.get("card_id") is None


@register("own_bank_transfer", (), BOOL, needs_event=True)
def own_bank_transfer(event: Event) -> bool:
    """A transfer to the customer's own same-name bank account: outside the verification-strength
    caps of 43号 art. 24. own_bank_transfer()."""
    fields = event.fields
    return (
        fields.get("txn_type") == "transfer"
        and fields.get("same_name") is True
        and fields.get("counterparty_kind") == "bank"
    )
