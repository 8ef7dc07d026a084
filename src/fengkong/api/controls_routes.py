"""HTTP routes for lists, maker-checker, stop-payment and freeze, penalties, fund tracing,
the audit chain and reciprocal sharing. Bodies are JSON; `actor`/`maker`/`checker` name the
person (in production the bank's gateway authenticates them)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.http import json_response as _json
from fengkong.domain.lists.index import ListEntry
from fengkong.services.controls import ControlError, ControlsService
from fengkong.services.sharing import SharingService


def _iso(ts: float | None) -> str | None:
    return None if not ts else datetime.fromtimestamp(ts, UTC).isoformat()


def entry_view(e: ListEntry) -> dict[str, Any]:
    return {"id": e.id, "list_type": e.list_type, "value": e.display, "source": e.source, "reason": e.reason,
            "evidence": e.evidence, "added_by": e.added_by, "starts_at": _iso(e.starts_at),
            "expires_at": _iso(e.expires_at), "case_number": e.case_number, "authority": e.authority,
            "amount": None if e.amount_fen is None else str(Decimal(e.amount_fen).scaleb(-2))}


def _error(exc: ControlError) -> Response:
    status = 403 if exc.field == "checker" else 404 if "no " in exc.message[:4] else 422
    return _json({"error": {"field": exc.field, "message": exc.message}}, status)


async def _body(request: Request) -> dict[str, Any]:
    import json
    from decimal import Decimal

    try:
        data = json.loads(await request.body() or b"{}", parse_float=Decimal)
    except (ValueError, RecursionError):
        raise ControlError("(body)", "invalid JSON") from None
    if not isinstance(data, dict):
        raise ControlError("(body)", "send a JSON object")
    return data


def _s(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value)


def build_router(controls: ControlsService, sharing: SharingService) -> APIRouter:
    router = APIRouter(prefix="/v1")

    async def run(request: Request, action: Callable[[dict[str, Any]], Any], status: int = 200) -> Response:
        try:
            data = await _body(request)
            return _json(action(data), status)
        except ControlError as exc:
            return _error(exc)

    @router.post("/lists/{list_type}/entries", summary="Add a list entry (takes effect on the next event)", status_code=201)
    async def add_entry(list_type: str, request: Request) -> Response:
        return await run(request, lambda d: entry_view(controls.add(
            list_type, _s(d, "value"), actor=_s(d, "actor"), reason=_s(d, "reason"), source=_s(d, "source"),
            evidence=_s(d, "evidence"), starts_at=d.get("starts_at"), expires_at=d.get("expires_at"))), 201)

    @router.get("/lists/{list_type}/entries", summary="Entries for a value (masked)")
    def find_entries(list_type: str, value: str) -> Response:
        try:
            return _json([entry_view(e) for e in controls.lookup(list_type, value)])
        except ControlError as exc:
            return _error(exc)

    @router.post("/lists/{list_type}/entries:import", summary="Bulk import (CSV body: value,reason[,evidence,starts_at,expires_at])")
    async def import_entries(list_type: str, request: Request, actor: str, source: str) -> Response:
        text = (await request.body()).decode("utf-8-sig", errors="replace")
        try:
            rows = controls.import_csv(list_type, io.StringIO(text), actor=actor, source=source)
        except ControlError as exc:
            return _error(exc)
        return _json({"added": sum(r.outcome == "added" for r in rows), "rows": [asdict(r) for r in rows]})

    @router.post("/list-entries/{entry_id}:remove", summary="Request removal or release (needs a second person)", status_code=202)
    async def remove_entry(entry_id: int, request: Request) -> Response:
        return await run(request, lambda d: asdict(controls.request_removal(entry_id, maker=_s(d, "maker"), reason=_s(d, "reason"))), 202)

    @router.get("/changes", summary="Pending maker-checker requests")
    def pending() -> Response:
        return _json([asdict(r) for r in controls.store.pending()])

    @router.post("/changes/{request_id}:approve", summary="Approve a request (checker must differ from maker)")
    async def approve(request_id: int, request: Request) -> Response:
        return await run(request, lambda d: asdict(controls.approve(request_id, checker=_s(d, "checker"), note=_s(d, "note"))))

    @router.post("/changes/{request_id}:reject", summary="Reject a request")
    async def reject(request_id: int, request: Request) -> Response:
        def act(d: dict[str, Any]) -> dict[str, Any]:
            controls.reject(request_id, checker=_s(d, "checker"), note=_s(d, "note"))
            return {"id": request_id, "status": "rejected"}

        return await run(request, act)

    @router.post("/stop-payments", summary="Emergency stop-payment on an account", status_code=201)
    async def stop_payment(request: Request) -> Response:
        return await run(request, lambda d: entry_view(controls.stop_payment(
            _s(d, "account_id"), case_number=_s(d, "case_number"), authority=_s(d, "authority"),
            reason=_s(d, "reason"), actor=_s(d, "actor"), expires_at=d.get("expires_at"))), 201)

    @router.post("/freezes", summary="Quick freeze of an amount on an account until an expiry", status_code=201)
    async def freeze(request: Request) -> Response:
        return await run(request, lambda d: entry_view(controls.freeze(
            _s(d, "account_id"), d.get("amount"), case_number=_s(d, "case_number"), authority=_s(d, "authority"),
            reason=_s(d, "reason"), actor=_s(d, "actor"), expires_at=d.get("expires_at") or "")), 201)

    @router.post("/penalties/rented-accounts", summary="Confirm a rented/sold account: listing and penalties", status_code=201)
    async def rented(request: Request) -> Response:
        return await run(request, lambda d: [entry_view(e) for e in controls.confirm_rented_account(
            _s(d, "account_id"), _s(d, "owner_id_number"), actor=_s(d, "actor"), reason=_s(d, "reason"),
            evidence=_s(d, "evidence"), source=_s(d, "source"))], 201)

    @router.post("/penalties/{entry_id}:change", summary="Request a penalty change (needs a second person)", status_code=202)
    async def change_penalty(entry_id: int, request: Request) -> Response:
        return await run(request, lambda d: asdict(controls.request_penalty_change(
            entry_id, _s(d, "expires_at"), maker=_s(d, "maker"), reason=_s(d, "reason"))), 202)

    @router.post("/trace", summary="Follow a transfer's money hop by hop")
    async def trace(request: Request) -> Response:
        return await run(request, lambda d: controls.trace(
            _s(d, "event_id"), float(d.get("window_hours") or 72), int(d.get("max_hops") or 6)).to_dict())

    @router.post("/trace:stop", summary="Trace and stop-payment every account still holding the money")
    async def trace_stop(request: Request) -> Response:
        def act(d: dict[str, Any]) -> dict[str, Any]:
            result, stops = controls.trace_and_stop(
                _s(d, "event_id"), case_number=_s(d, "case_number"), authority=_s(d, "authority"),
                actor=_s(d, "actor"), reason=_s(d, "reason"), window_hours=float(d.get("window_hours") or 72),
                max_hops=int(d.get("max_hops") or 6))
            return {"trace": result.to_dict(), "stop_payments": [entry_view(e) for e in stops]}

        return await run(request, act)

    @router.get("/audit", summary="Audit log rows")
    def audit_rows(after: int = 0, limit: int = 100) -> Response:
        return _json([r.to_dict() for r in controls.store.audit_records(after, min(max(limit, 1), 1000))])

    @router.get("/audit:verify", summary="Verify the audit hash chain")
    def audit_verify() -> Response:
        check = controls.store.verify_audit()
        return _json(asdict(check), 200 if check.ok else 409)

    @router.post("/sharing/reports", summary="Report a risk event to the consortium", status_code=201)
    async def share_report(request: Request) -> Response:
        def act(d: dict[str, Any]) -> dict[str, Any]:
            sharing.report(_s(d, "institution_id"), _s(d, "subject_type"), _s(d, "value"), _s(d, "risk_type"), _s(d, "actor"))
            return {"reported": True}

        return await run(request, act, 201)

    @router.post("/sharing/queries", summary="Ask the consortium about a subject (reporters only)")
    async def share_query(request: Request) -> Response:
        return await run(request, lambda d: sharing.query(_s(d, "institution_id"), _s(d, "subject_type"),
                                                          _s(d, "value"), _s(d, "actor")))

    return router
