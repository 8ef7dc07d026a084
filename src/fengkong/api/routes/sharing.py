"""Reciprocal risk-information sharing between member institutions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, read_object, text
from fengkong.api.schemas import ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.errors import NotPermitted
from fengkong.services.sharing import SharingService


def _institution(who: Principal, data: dict[str, object]) -> str:
    """The caller's own institution: a body naming another one is refused (reciprocity)."""
    named = text(data, "institution_id")
    if named and named != who.institution:
        raise NotPermitted("institution_id", "is not the institution of your credential")
    return who.institution


def build(sharing: SharingService, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["sharing"])

    @router.post(
        "/sharing/reports",
        summary="Report a risk event to the consortium",
        status_code=201,
        openapi_extra=request_body(ref("SharingReportIn")),
    )
    async def report(request: Request, who: Principal = guard(P.SHARING_USE)) -> Response:
        d = await read_object(request)
        sharing.report(_institution(who, d), text(d, "subject_type"), text(d, "value"), text(d, "risk_type"), who.name)
        return json_response({"reported": True}, 201)

    @router.post(
        "/sharing/queries",
        summary="Ask the consortium about a subject (reporting institutions only)",
        openapi_extra=request_body(ref("SharingQueryIn")),
    )
    async def query(request: Request, who: Principal = guard(P.SHARING_USE)) -> Response:
        d = await read_object(request)
        return json_response(sharing.query(_institution(who, d), text(d, "subject_type"), text(d, "value"), who.name))

    return router
