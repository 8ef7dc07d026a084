"""Requests by electronic message from the police and other banks (001 §1.5, 004 二(5)): each one
is carried out account by account and answered with what was done, what had been done already
and what was refused and why. Sent again with the same request id, a request changes nothing
and gets the same answer; every request is in the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import InputError
from fengkong.domain.lifecycle import iso
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.ports import AuditLog, TransferLog
from fengkong.domain.requests import AccountOrder, OrderRequest, parse_request
from fengkong.services.orders import OrderService

ORDERS_SHOWN = ("stop_payment", "freeze", "involved_account", "suspicious_account", "penalty_account")
QUERY_WINDOW_S = 72 * 3600


class RequestService:
    def __init__(self, orders: OrderService, transfers: TransferLog, audit: AuditLog):
        self.orders = orders
        self.transfers = transfers
        self.audit = audit

    def handle(self, message: Any) -> dict[str, Any]:
        """Carry out one request message; its answer message."""
        request = parse_request(message)
        self.audit.append(
            request.officer,
            f"request.{request.kind}",
            f"request:{request.request_id}",
            request.reason,
            {"authority": request.authority, "case_number": request.case_number, "accounts": len(request.accounts)},
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
        return answer

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
        for entry in self.orders.lists.entries.active():
            if entry.list_type == request.kind and entry.match_key == account_id and entry.evidence == request.evidence:
                return entry
        return None

    def _query(self, account_id: str) -> dict[str, Any]:
        """Quick query: the orders in force on the account and its money out in the last 72 hours
        (transfers, cash withdrawn and payments made)."""
        now = clock.to_epoch_seconds(clock.utc_now())
        orders = [
            e.to_dict()
            for e in self.orders.lists.entries.active()
            if e.list_type in ORDERS_SHOWN
            and e.match_key == account_id
            and (e.expires_at is None or e.expires_at > now)
        ]
        moves = self.transfers.outgoing([account_id], now - QUERY_WINDOW_S, now)
        return {
            "account_id": account_id,
            "status": "answered",
            "orders": orders,
            "money_out": [
                {
                    "event_id": t.event_id,
                    "at": iso(t.ts),
                    "to": t.to_account,
                    "amount": str(Decimal(t.amount_fen).scaleb(-2)),
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
