"""Orders on accounts: emergency stop-payment, quick freeze, penalties, fund tracing."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import MAX_ROW_ID, RowId, json_response, moment, read_object, text
from fengkong.api.schemas import answers, ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.errors import InputError
from fengkong.services.lists import ListService
from fengkong.services.orders import OrderService
from fengkong.services.oversight import Oversight
from fengkong.services.requests import RequestService


def _number(data: dict[str, Any], name: str, default: float) -> float:
    value = data.get(name)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(name, "must be a number") from None
    if not math.isfinite(number) or isinstance(value, bool):
        raise InputError(name, "must be a number")
    return number


def build(
    orders: OrderService, lists: ListService, requests: RequestService, oversight: Oversight, guard: Guard
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["orders"])

    @router.post(
        "/stop-payments",
        summary="Emergency stop-payment on an account",
        status_code=201,
        openapi_extra=request_body(ref("StopPaymentIn")),
    )
    async def stop_payment(request: Request, who: Principal = guard(P.ORDERS_WRITE)) -> Response:
        d = await read_object(request)
        entry = orders.stop_payment(
            text(d, "account_id"),
            case_number=text(d, "case_number"),
            authority=text(d, "authority"),
            reason=text(d, "reason"),
            actor=who.name,
            expires_at=moment(d, "expires_at"),
        )
        return json_response(entry.to_dict(), 201)

    @router.post(
        "/freezes",
        summary="Quick freeze of an amount on an account until an expiry",
        status_code=201,
        openapi_extra=request_body(ref("FreezeIn")),
    )
    async def freeze(request: Request, who: Principal = guard(P.ORDERS_WRITE)) -> Response:
        d = await read_object(request)
        entry = orders.freeze(
            text(d, "account_id"),
            d.get("amount"),
            case_number=text(d, "case_number"),
            authority=text(d, "authority"),
            reason=text(d, "reason"),
            actor=who.name,
            expires_at=moment(d, "expires_at") or "",
        )
        return json_response(entry.to_dict(), 201)

    @router.post(
        "/penalties/rented-accounts",
        summary="Confirm a rented or sold account: listing and penalties",
        status_code=201,
        openapi_extra=request_body(ref("RentedAccountIn")),
    )
    async def rented(request: Request, who: Principal = guard(P.ORDERS_WRITE)) -> Response:
        d = await read_object(request)
        entries = orders.confirm_rented_account(
            text(d, "account_id"),
            text(d, "owner_id_number"),
            actor=who.name,
            reason=text(d, "reason"),
            evidence=text(d, "evidence"),
            source=text(d, "source"),
        )
        return json_response([e.to_dict() for e in entries], 201)

    @router.post(
        "/penalties/{entry_id}:change",
        summary="Request a penalty change (needs a second person)",
        responses=answers(404),
        status_code=202,
        openapi_extra=request_body(ref("PenaltyChangeIn")),
    )
    async def change_penalty(entry_id: RowId, request: Request, who: Principal = guard(P.ORDERS_WRITE)) -> Response:
        d = await read_object(request)
        change = lists.request_penalty_change(
            entry_id, moment(d, "expires_at"), maker=who.name, reason=text(d, "reason")
        )
        return json_response(change.to_dict(), 202)

    @router.get(
        "/penalties/report",
        summary="Penalised persons for the credit information database (001 §1.4), under an approved export",
        responses=answers(404, 409),
    )
    def penalty_report(
        approval: Annotated[int, Query(ge=1, le=MAX_ROW_ID)],
        at: str | None = None,
        who: Principal = guard(P.ORDERS_READ),
    ) -> Response:
        """Identity numbers masked and hashed: fengkong keeps none in clear (`fengkong penalty
        report --identities` joins the bank's own numbers). An export of personal data: asked for
        with `POST /v1/exports`, approved by a second person, made once, recorded."""
        approved = oversight.approval(actor=who.name, what="penalty_report", request_id=approval)
        rows = lists.penalised_persons(at)
        oversight.record_export(actor=who.name, rows=len(rows), approval=approved, roles=tuple(sorted(who.roles)))
        return json_response(rows)

    @router.post(
        "/requests",
        summary="A stop-payment, freeze or quick query requested by electronic message",
        openapi_extra=request_body(ref("OrderRequestIn")),
    )
    async def request_message(request: Request, who: Principal = guard(P.REQUESTS_SUBMIT)) -> Response:
        """001 §1.5, 004 二(5): the authority, the case, the accounts, the amounts and the time limits
        in; what was done for each account out. The same request_id again changes nothing."""
        return json_response(requests.handle(await read_object(request), received_by=who.name))

    @router.post("/trace", summary="Follow a transfer's money hop by hop", openapi_extra=request_body(ref("TraceIn")))
    async def trace(request: Request, who: Principal = guard(P.ORDERS_READ)) -> Response:
        d = await read_object(request)
        result = orders.trace(text(d, "event_id"), _number(d, "window_hours", 72), int(_number(d, "max_hops", 6)))
        return json_response(result.to_dict())

    @router.post(
        "/trace:stop",
        summary="Trace and stop-payment every account still holding the money",
        openapi_extra=request_body(ref("TraceStopIn")),
    )
    async def trace_stop(request: Request, who: Principal = guard(P.ORDERS_WRITE)) -> Response:
        d = await read_object(request)
        result, stops = orders.trace_and_stop(
            text(d, "event_id"),
            case_number=text(d, "case_number"),
            authority=text(d, "authority"),
            actor=who.name,
            reason=text(d, "reason"),
            window_hours=_number(d, "window_hours", 72),
            max_hops=int(_number(d, "max_hops", 6)),
        )
        return json_response({"trace": result.to_dict(), "stop_payments": [e.to_dict() for e in stops]})

    return router
