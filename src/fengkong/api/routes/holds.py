"""Held payments, as analysts work them: the open holds, and releasing or declining one. The
analyst is the authenticated caller; the payment's answer is the decision returned."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, read_object, text
from fengkong.api.schemas import answers, ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.services.holds import HoldService


def build(holds: HoldService, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["holds"])

    @router.get("/holds", summary="Payments held for review or waiting for a challenge, oldest first")
    def open_holds(who: Principal = guard(P.HOLDS_READ)) -> Response:
        return json_response([h.to_dict() for h in holds.open()])

    @router.get("/holds/{event_id}", summary="One held payment", responses=answers(404))
    def get_hold(event_id: str, who: Principal = guard(P.HOLDS_READ)) -> Response:
        return json_response(holds.get(event_id).to_dict())

    @router.post(
        "/holds/{event_id}:release",
        summary="Release a held payment (it is approved)",
        responses=answers(404, 409),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def release(event_id: str, request: Request, who: Principal = guard(P.HOLDS_WORK)) -> Response:
        reason = text(await read_object(request), "reason")
        return json_response(holds.release(event_id, actor=who.name, reason=reason).to_dict())

    @router.post(
        "/holds/{event_id}:decline",
        summary="Decline a held payment (it is rejected)",
        responses=answers(404, 409),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def decline(event_id: str, request: Request, who: Principal = guard(P.HOLDS_WORK)) -> Response:
        reason = text(await read_object(request), "reason")
        return json_response(holds.decline(event_id, actor=who.name, reason=reason).to_dict())

    return router
