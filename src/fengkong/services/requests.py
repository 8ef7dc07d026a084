"""Requests by electronic message from the police and other banks (001 §1.5, 004 二(5)): each one
is carried out account by account and answered with what was done, what had been done already
and what was refused and why. Sent again with the same request id, a request changes nothing
and gets the same answer; every request is in the audit log.

fengkong keeps account and card numbers only as references (sealed in the vault): an answer names
the accounts the money went to by their numbers, revealed for that answer alone, and the audit
log says how many were revealed for which request."""

from __future__ import annotations

from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import InputError, NotFound
from fengkong.domain.identity.accounts import is_reference
from fengkong.domain.lifecycle import iso
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.money import fen_to_yuan
from fengkong.domain.ports import AuditLog, CardVault, TransferLog
from fengkong.domain.requests import AccountOrder, OrderRequest, parse_request
from fengkong.services.orders import OrderService

ORDERS_SHOWN = ("stop_payment", "freeze", "involved_account", "suspicious_account", "penalty_account")
QUERY_WINDOW_S = 72 * 3600


class RequestService:
    def __init__(self, orders: OrderService, transfers: TransferLog, audit: AuditLog, cards: CardVault):
        self.orders = orders
        self.transfers = transfers
        self.audit = audit
        self.cards = cards

    def handle(self, message: Any, *, received_by: str) -> dict[str, Any]:
        """Carry out one request message; its answer message. `received_by` is the authenticated
        system or person that passed the message on (the officer is named in the message)."""
        try:
            request = parse_request(message)
        except InputError as exc:  # kept with its reason: a refused request is on record too
            said = message if isinstance(message, dict) else {}
            self.audit.append(
                str(said.get("officer") or "(unknown)")[:256],
                "request.refused",
                f"request:{str(said.get('request_id') or '(none)')[:256]}",
                f"{exc.field}: {exc.message}",
                {
                    "authority": str(said.get("authority") or "")[:256],
                    "kind": str(said.get("kind") or "")[:64],
                    "received_by": received_by,
                },
            )
            raise
        self.audit.append(
            request.officer,
            f"request.{request.kind}",
            f"request:{request.request_id}",
            request.reason,
            {
                "authority": request.authority,
                "case_number": request.case_number,
                "accounts": len(request.accounts),
                "received_by": received_by,
            },
        )
        if request.kind == "quick_query":
            results = [self._query(account.account_id) for account in request.accounts]
        else:
            results = [self._order(request, account) for account in request.accounts]
        answer: dict[str, Any] = {
            "request_id": request.request_id,
            "kind": request.kind,
            "authority": request.authority,
            "case_number": request.case_number,
            "answered_at": clock.utc_now().isoformat(),
            "results": results,
        }
        if request.kind == "quick_query" and request.event_id:
            answer["trace"] = self.orders.trace(request.event_id).to_dict()
        revealed: set[str] = set()
        answer = self._revealed(answer, revealed)
        if revealed:
            self.audit.append(
                request.officer,
                "request.numbers_revealed",
                f"request:{request.request_id}",
                "account and card numbers named in the answer to the request",
                {"count": len(revealed), "authority": request.authority, "received_by": received_by},
            )
        return answer

    def _revealed(self, value: Any, revealed: set[str]) -> Any:
        """The answer with every reference replaced by the number it stands for."""
        if isinstance(value, dict):
            return {k: self._revealed(v, revealed) for k, v in value.items()}
        if isinstance(value, list):
            return [self._revealed(v, revealed) for v in value]
        if isinstance(value, str) and is_reference(value):
            try:
                number = self.cards.reveal(value)
            except NotFound:
                return value  # not in the vault: the reference is all there is
            revealed.add(value)
            return number
        return value

    def _order(self, request: OrderRequest, account: AccountOrder) -> dict[str, Any]:
        """One account of a stop-payment or freeze: done, done before (same request), or refused."""
        earlier = self._made_by(request, account.account_id)
        if earlier is not None:
            return _result(account.account_id, "already_done", earlier)
        common = {
            "case_number": request.case_number,
            "authority": request.authority,
            "reason": request.reason,
            "actor": request.officer,
            "evidence": request.evidence,
        }
        try:
            if request.kind == "stop_payment":
                entry = self.orders.stop_payment(account.account_id, expires_at=account.until, **common)
            else:
                entry = self.orders.freeze(account.account_id, account.amount, expires_at=account.until, **common)
        except InputError as exc:
            return {"account_id": account.account_id, "status": "refused", "message": f"{exc.field}: {exc.message}"}
        return _result(account.account_id, "done", entry)

    def _made_by(self, request: OrderRequest, account_id: str) -> ListEntry | None:
        found = self.orders.lists.lookup(request.kind, account_id)
        return next((entry for entry in found if entry.evidence == request.evidence), None)

    def _query(self, account_id: str) -> dict[str, Any]:
        """Quick query: the orders in force on the account and its money out in the last 72 hours
        (transfers, cash withdrawn and payments made)."""
        now = clock.to_epoch_seconds(clock.utc_now())
        orders = [
            e.to_dict()
            for list_type in ORDERS_SHOWN
            for e in self.orders.lists.lookup(list_type, account_id)
            if e.expires_at is None or e.expires_at > now
        ]
        key = self.orders.lists.key_of("stop_payment", account_id)
        moves = self.transfers.outgoing([key], now - QUERY_WINDOW_S, now)
        return {
            "account_id": account_id,
            "status": "answered",
            "orders": orders,
            "money_out": [
                {
                    "event_id": t.event_id,
                    "at": iso(t.ts),
                    "to": t.to_account,
                    "amount": str(fen_to_yuan(t.amount_fen)),
                }
                for t in sorted(moves, key=lambda t: t.ts)
            ],
        }


def _result(account_id: str, status: str, entry: ListEntry) -> dict[str, Any]:
    shown = entry.to_dict()
    return {
        "account_id": account_id,
        "status": status,
        "entry_id": entry.id,
        "until": shown.get("expires_at"),
        "amount": shown.get("amount"),
    }
