"""Orders on accounts (R6, 001 §1.4-1.5): emergency stop-payment, quick freeze, penalties for a
rented, lent or sold account, and fund tracing to find where a victim's money went.

Orders are list entries (they reach the decision path the same way, and taking one away needs a
second person); durations come from the policy file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import InputError, required
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.money import MoneyError, parse_yuan
from fengkong.domain.ports import TransferLog, UnitOfWork
from fengkong.domain.tracing import TraceResult, is_exit, trace_funds
from fengkong.services.lists import Instant, ListService, instant

Policy = Callable[[str], Any]


class OrderService:
    def __init__(self, lists: ListService, transfers: TransferLog, policy: Policy, uow: UnitOfWork):
        self.lists = lists
        self.transfers = transfers
        self.policy = policy
        self.uow = uow

    def stop_payment(
        self,
        account_id: str,
        *,
        case_number: str,
        authority: str,
        reason: str,
        actor: str,
        expires_at: Instant = None,
        evidence: str | None = None,
    ) -> ListEntry:
        """Emergency stop-payment: every debit from the account is answered stop_payment."""
        required(case_number=case_number, authority=authority)
        end = instant(expires_at, "expires_at")
        if end is None:  # by event time, as the order's start
            end = self.lists.event_now() + float(self.policy("stop_payment_hours")) * 3600
        return self.lists.add(
            "stop_payment",
            account_id,
            actor=actor,
            reason=reason,
            source=authority,
            evidence=evidence or case_number,
            expires_at=end,
            case_number=case_number,
            authority=authority,
        )

    def freeze(
        self,
        account_id: str,
        amount: Any,
        *,
        case_number: str,
        authority: str,
        reason: str,
        actor: str,
        expires_at: Instant,
        evidence: str | None = None,
    ) -> ListEntry:
        """Quick freeze: the account must keep `amount` until the expiry (debits below it stop)."""
        required(case_number=case_number, authority=authority)
        if expires_at in (None, ""):
            raise InputError("expires_at", "a freeze needs an expiry")
        return self.lists.add(
            "freeze",
            account_id,
            actor=actor,
            reason=reason,
            source=authority,
            evidence=evidence or case_number,
            expires_at=expires_at,
            amount=amount,
            case_number=case_number,
            authority=authority,
        )

    def confirm_rented_account(
        self, account_id: str, owner_id_number: str, *, actor: str, reason: str, evidence: str, source: str
    ) -> list[ListEntry]:
        """An account confirmed as rented, lent or sold (001 §1.4): involved-account listing;
        for the account and for every account of its owner, by identity, years without
        non-counter bank business and without payment-account business; years without new
        accounts for the owner (policy values). All four entries or none."""
        now = datetime.fromtimestamp(self.lists.event_now(), UTC)  # by event time, as the entries' start
        account_end = clock.to_epoch_seconds(clock.add_years(now, int(self.policy("penalty_account_years"))))
        person_end = clock.to_epoch_seconds(clock.add_years(now, int(self.policy("penalty_person_years"))))
        with self.uow.atomic():
            entries = [
                self.lists.add(
                    "involved_account", account_id, actor=actor, reason=reason, source=source, evidence=evidence
                )
            ]
            for list_type, value, until in (
                ("penalty_account", account_id, account_end),
                ("penalty_person_business", owner_id_number, account_end),
                ("penalty_person", owner_id_number, person_end),
            ):
                entries.append(
                    self.lists.add(
                        list_type, value, actor=actor, reason=reason, source=source, evidence=evidence, expires_at=until
                    )
                )
            return entries

    def trace(self, event_id: str, window_hours: float = 72, max_hops: int = 6, min_amount: Any = "100") -> TraceResult:
        """Follow the money; flows under `min_amount` yuan (default 100) are not followed."""
        origin = self.transfers.get(event_id)
        if origin is None or is_exit(origin.to_account):
            raise InputError("event_id", "is not a stored transfer between accounts")
        try:
            min_fen = parse_yuan(min_amount, allow_zero=True)
        except MoneyError as exc:
            raise InputError("min_amount", str(exc)) from None
        return trace_funds(origin, self.transfers.outgoing, window_hours * 3600, max_hops, min_fen=min_fen)

    def trace_and_stop(
        self,
        event_id: str,
        *,
        case_number: str,
        authority: str,
        actor: str,
        reason: str,
        window_hours: float = 72,
        max_hops: int = 6,
    ) -> tuple[TraceResult, list[ListEntry]]:
        """Trace the money and put a stop-payment on every account that still holds some of it."""
        result = self.trace(event_id, window_hours, max_hops)
        with self.uow.atomic():
            stops = [
                self.stop_payment(
                    node.account,
                    case_number=case_number,
                    authority=authority,
                    actor=actor,
                    reason=f"{reason} (traced from {event_id}: {Decimal(node.remaining_fen).scaleb(-2)} yuan held)",
                )
                for node in result.stoppable()
            ]
        return result, stops
