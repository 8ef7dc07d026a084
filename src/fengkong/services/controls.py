"""Lists, penalties, emergency stop-payment and quick freeze, maker-checker and fund tracing.

Adding to a list or placing an order takes effect on the next event. Taking anything away —
removing an entry, releasing a freeze or a stop, changing a penalty — is a request that a
second person must approve. Every step is written to the hash-chained audit log.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from fengkong.adapters.storage.controls import ChangeRequest, SqlControlStore
from fengkong.domain import clock
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.lists.types import LIST_TYPES, ListValueError, match_key
from fengkong.domain.money import MoneyError, parse_yuan
from fengkong.domain.tracing import TraceResult, trace_funds
from fengkong.services.decide import Engine


class ControlError(ValueError):
    """A control request that cannot be carried out; `field` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ImportRow:
    row: int
    value: str
    outcome: str  # added | error
    message: str = ""


def _required(**values: str) -> None:
    for name, value in values.items():
        if not value or not str(value).strip():
            raise ControlError(name, "is required")


def _instant(value: str | float | datetime | None, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ControlError(name, f"{value!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise ControlError(name, "needs a UTC offset, e.g. 2024-03-01T00:00:00+08:00")
    return clock.to_epoch_seconds(moment)


class ControlsService:
    def __init__(self, engine: Engine, store: SqlControlStore):
        self.engine = engine
        self.store = store

    def _policy(self, name: str) -> Any:
        return self.engine.rules.policy_value(name)

    def _publish(self, entry: ListEntry | None = None, removed: int | None = None) -> None:
        if entry is not None:
            self.engine.controls.lists.add(entry)
        if removed is not None:
            self.engine.controls.lists.remove(removed)
        self.engine.source_changed("lists", self.store.stamp())

    # ------------------------------------------------------------------ lists
    def add(self, list_type: str, value: str, *, actor: str, reason: str, source: str, evidence: str = "",
            starts_at: str | float | None = None, expires_at: str | float | None = None, amount: Any = None,
            case_number: str | None = None, authority: str | None = None) -> ListEntry:
        _required(actor=actor, reason=reason, source=source, value=value)
        kind = LIST_TYPES.get(list_type)
        if kind is None:
            raise ControlError("list_type", f"unknown list {list_type!r}; one of {', '.join(LIST_TYPES)}")
        now = clock.to_epoch_seconds(clock.utc_now())
        try:
            key, display = match_key(list_type, value, self.engine.controls.protector, clock.business_date(now))
        except ListValueError as exc:
            raise ControlError("value", str(exc)) from None
        amount_fen = None
        if kind.needs_amount:
            try:
                amount_fen = parse_yuan(amount)
            except MoneyError as exc:
                raise ControlError("amount", str(exc)) from None
        # Without an explicit start an entry applies to every event processed from now on,
        # whatever time the event states (senders' clocks lag; late events arrive).
        start = _instant(starts_at, "starts_at") or 0.0
        end = _instant(expires_at, "expires_at")
        if end is not None and end <= max(start, now):
            raise ControlError("expires_at", "must be in the future and after the start")
        entry = self.store.add_entry(ListEntry(0, list_type, key, display, source, reason, evidence, actor, start,
                                               end, amount_fen, case_number, authority))
        self.store.append_audit(actor, f"list.add.{list_type}", f"list_entry:{entry.id}", reason,
                         {"display": display, "source": source, "evidence": evidence, "starts_at": start,
                          "expires_at": end, "amount_fen": amount_fen, "case_number": case_number,
                          "authority": authority})
        self._publish(entry)
        return entry

    def import_csv(self, list_type: str, handle: TextIO, *, actor: str, source: str) -> list[ImportRow]:
        """Rows: value, reason[, evidence, starts_at, expires_at]; each row reported."""
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "value" not in reader.fieldnames or "reason" not in reader.fieldnames:
            raise ControlError("(header)", "the CSV needs the columns value, reason (evidence, starts_at, expires_at optional)")
        results: list[ImportRow] = []
        for i, row in enumerate(reader, start=1):
            shown = (row.get("value") or "")[:6] + "…" if LIST_TYPES.get(list_type) and LIST_TYPES[list_type].entity in ("person", "card", "phone") else row.get("value") or ""
            try:
                self.add(list_type, row.get("value") or "", actor=actor, reason=row.get("reason") or "",
                         source=source, evidence=row.get("evidence") or "", starts_at=row.get("starts_at") or None,
                         expires_at=row.get("expires_at") or None)
                results.append(ImportRow(i, shown, "added"))
            except ControlError as exc:
                results.append(ImportRow(i, shown, "error", f"{exc.field}: {exc.message}"))
        return results

    def lookup(self, list_type: str, value: str) -> list[ListEntry]:
        try:
            key, _ = match_key(list_type, value, self.engine.controls.protector, clock.business_date(clock.to_epoch_seconds(clock.utc_now())))
        except ListValueError as exc:
            raise ControlError("value", str(exc)) from None
        return self.store.find(list_type, key)

    # ------------------------------------------------------------------ maker-checker
    def request_removal(self, entry_id: int, *, maker: str, reason: str) -> ChangeRequest:
        """Remove a list entry, release a stop-payment or a freeze: needs a second person."""
        _required(maker=maker, reason=reason)
        entry = self.store.entry(entry_id)
        if entry is None:
            raise ControlError("entry_id", f"no active entry {entry_id}")
        request = self.store.create_request("remove_entry", {"entry_id": entry_id, "list_type": entry.list_type,
                                                             "display": entry.display}, maker, reason)
        self.store.append_audit(maker, "request.remove_entry", f"change_request:{request.id}", reason, request.payload)
        return request

    def request_penalty_change(self, entry_id: int, expires_at: str, *, maker: str, reason: str) -> ChangeRequest:
        _required(maker=maker, reason=reason)
        entry = self.store.entry(entry_id)
        if entry is None or not entry.list_type.startswith("penalty_"):
            raise ControlError("entry_id", f"no active penalty {entry_id}")
        end = _instant(expires_at, "expires_at")
        request = self.store.create_request("change_penalty", {"entry_id": entry_id, "expires_at": end}, maker, reason)
        self.store.append_audit(maker, "request.change_penalty", f"change_request:{request.id}", reason, request.payload)
        return request

    def approve(self, request_id: int, *, checker: str, note: str = "") -> ChangeRequest:
        _required(checker=checker)
        request = self.store.request(request_id)
        if request is None:
            raise ControlError("request_id", f"no request {request_id}")
        if request.status != "pending":
            raise ControlError("request_id", f"request {request_id} is already {request.status}")
        if checker.strip() == request.maker.strip():
            self.store.append_audit(checker, "request.refused_same_person", f"change_request:{request_id}", note,
                             {"maker": request.maker})
            raise ControlError("checker", "the checker must be a different person from the maker (four-eyes rule)")
        if not self.store.decide_request(request_id, "approved", checker, note):
            raise ControlError("request_id", f"request {request_id} is no longer pending")
        entry_id = int(request.payload["entry_id"])
        entry = self.store.entry(entry_id)
        changed: ListEntry | None = None
        if request.action in ("remove_entry", "change_penalty"):
            self.store.deactivate(entry_id)
        if request.action == "change_penalty" and entry is not None:
            changed = self.store.add_entry(replace(entry, id=0, expires_at=request.payload["expires_at"],
                                                   reason=f"{entry.reason} (changed: {request.reason})"))
        self.store.append_audit(checker, f"approve.{request.action}", f"change_request:{request_id}", note,
                                {"maker": request.maker, **request.payload})
        # after the audit row, so the stamp the cache records is the latest
        self._publish(changed, removed=entry_id if request.action in ("remove_entry", "change_penalty") else None)
        return replace(request, status="approved", checker=checker, checker_note=note)

    def reject(self, request_id: int, *, checker: str, note: str) -> None:
        _required(checker=checker, note=note)
        request = self.store.request(request_id)
        if request is None or not self.store.decide_request(request_id, "rejected", checker, note):
            raise ControlError("request_id", f"no pending request {request_id}")
        self.store.append_audit(checker, f"reject.{request.action}", f"change_request:{request_id}", note, request.payload)

    # ------------------------------------------------------------------ stop-payment and freeze
    def stop_payment(self, account_id: str, *, case_number: str, authority: str, reason: str, actor: str,
                     expires_at: str | float | None = None) -> ListEntry:
        """Emergency stop-payment: every debit from the account is answered stop_payment."""
        _required(case_number=case_number, authority=authority)
        end = _instant(expires_at, "expires_at")
        if end is None:
            end = clock.to_epoch_seconds(clock.utc_now()) + float(self._policy("stop_payment_hours")) * 3600
        return self.add("stop_payment", account_id, actor=actor, reason=reason, source=authority,
                        evidence=case_number, expires_at=end, case_number=case_number, authority=authority)

    def freeze(self, account_id: str, amount: Any, *, case_number: str, authority: str, reason: str, actor: str,
               expires_at: str | float) -> ListEntry:
        """Quick freeze: the account must keep `amount` until the expiry (debits below it stop)."""
        _required(case_number=case_number, authority=authority)
        if expires_at in (None, ""):
            raise ControlError("expires_at", "a freeze needs an expiry")
        return self.add("freeze", account_id, actor=actor, reason=reason, source=authority, evidence=case_number,
                        expires_at=expires_at, amount=amount, case_number=case_number, authority=authority)

    # ------------------------------------------------------------------ penalties
    def confirm_rented_account(self, account_id: str, owner_id_number: str, *, actor: str, reason: str,
                               evidence: str, source: str) -> list[ListEntry]:
        """An account confirmed as rented, lent or sold: involved-account listing, 5 years without
        non-counter / payment-account business for the account, 3 years without new accounts
        for its owner (policy values)."""
        now = clock.utc_now()
        account_end = clock.to_epoch_seconds(now.replace(year=now.year + int(self._policy("penalty_account_years"))))
        person_end = clock.to_epoch_seconds(now.replace(year=now.year + int(self._policy("penalty_person_years"))))
        return [
            self.add("involved_account", account_id, actor=actor, reason=reason, source=source, evidence=evidence),
            self.add("penalty_account", account_id, actor=actor, reason=reason, source=source, evidence=evidence,
                     expires_at=account_end),
            self.add("penalty_person", owner_id_number, actor=actor, reason=reason, source=source, evidence=evidence,
                     expires_at=person_end),
        ]

    # ------------------------------------------------------------------ tracing
    def trace(self, event_id: str, window_hours: float = 72, max_hops: int = 6, min_amount: Any = "100") -> TraceResult:
        """Follow the money; flows under `min_amount` yuan (default 100) are not followed."""
        origin = self.store.transfer(event_id)
        if origin is None:
            raise ControlError("event_id", f"{event_id!r} is not a stored transfer")
        try:
            min_fen = parse_yuan(min_amount, allow_zero=True)
        except MoneyError as exc:
            raise ControlError("min_amount", str(exc)) from None
        return trace_funds(origin, self.store.outgoing, window_hours * 3600, max_hops, min_fen=min_fen)

    def trace_and_stop(self, event_id: str, *, case_number: str, authority: str, actor: str, reason: str,
                       window_hours: float = 72, max_hops: int = 6) -> tuple[TraceResult, list[ListEntry]]:
        """Trace the money and put a stop-payment on every account that still holds some of it."""
        result = self.trace(event_id, window_hours, max_hops)
        stops = [
            self.stop_payment(node.account, case_number=case_number, authority=authority, actor=actor,
                              reason=f"{reason} (traced from {event_id}: {Decimal(node.remaining_fen).scaleb(-2)} yuan held)")
            for node in result.stoppable()
        ]
        return result, stops

