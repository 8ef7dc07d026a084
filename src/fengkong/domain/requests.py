"""Requests from the police and other banks by electronic message (001 §1.5, 004 二(5)): an
emergency stop-payment, a quick freeze or a quick query, with the requesting authority, the
case, the accounts, the amounts and the time limits. A request is checked whole before anything
is done, and each problem names its field.

>>> r = parse_request({"request_id": "GA-1", "kind": "stop_payment", "authority": "PSB Xuhui",
...                    "case_number": "C-9", "officer": "wang", "accounts": [{"account_id": "a1"}]})
>>> r.kind, [a.account_id for a in r.accounts]
('stop_payment', ['a1'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fengkong.domain.errors import InputError

KINDS = ("stop_payment", "freeze", "quick_query")
MAX_ACCOUNTS = 100


@dataclass(frozen=True, slots=True)
class AccountOrder:
    account_id: str
    amount: Any = None  # a freeze: the amount the account must keep (yuan)
    until: str | None = None  # the time limit the authority set (ISO-8601), else the policy's


@dataclass(frozen=True, slots=True)
class OrderRequest:
    request_id: str
    kind: str
    authority: str
    case_number: str
    officer: str
    reason: str
    accounts: tuple[AccountOrder, ...]
    event_id: str | None = None  # a quick query that follows a victim's transfer

    @property
    def evidence(self) -> str:
        """What the entries it makes carry, so that a repeated request is recognised."""
        return f"{self.case_number} / request {self.request_id}"


def _text(data: Mapping[str, Any], name: str, required: bool = True, limit: int = 256) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(name, "is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InputError(name, f"must be text of at most {limit} characters")
    return value.strip()


def parse_request(data: Any) -> OrderRequest:
    """The request, or InputError naming the first field that is wrong."""
    if not isinstance(data, Mapping):
        raise InputError("(body)", "a request is a JSON object")
    kind = _text(data, "kind")
    if kind not in KINDS:
        raise InputError("kind", f"is not one of {', '.join(KINDS)}")
    raw_accounts = data.get("accounts") or []
    if not isinstance(raw_accounts, list) or len(raw_accounts) > MAX_ACCOUNTS:
        raise InputError("accounts", f"a list of at most {MAX_ACCOUNTS} accounts")
    accounts = []
    for i, item in enumerate(raw_accounts):
        if not isinstance(item, Mapping):
            raise InputError(f"accounts[{i}]", 'each account is an object: {"account_id": ...}')
        account = _text(item, "account_id")
        assert account is not None
        if kind == "freeze" and item.get("amount") in (None, ""):
            raise InputError(f"accounts[{i}].amount", "a freeze names the amount to keep")
        if kind == "freeze" and item.get("until") in (None, ""):
            raise InputError(f"accounts[{i}].until", "a freeze names its time limit")
        accounts.append(AccountOrder(account, item.get("amount"), _text(item, "until", required=False)))
    event_id = _text(data, "event_id", required=False)
    if not accounts and not (kind == "quick_query" and event_id):
        raise InputError("accounts", "name at least one account (or, for a quick query, the victim's event_id)")
    return OrderRequest(
        request_id=str(_text(data, "request_id")),
        kind=kind,
        authority=str(_text(data, "authority")),
        case_number=str(_text(data, "case_number")),
        officer=str(_text(data, "officer")),
        reason=_text(data, "reason", required=False, limit=2048) or f"{kind} requested by {data.get('authority')}",
        accounts=tuple(accounts),
        event_id=event_id,
    )
