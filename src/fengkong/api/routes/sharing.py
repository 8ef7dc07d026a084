"""Reciprocal risk-information sharing between member institutions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.http import json_response, read_object, text
from fengkong.services.sharing import SharingService


def build(sharing: SharingService) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["sharing"])

    @router.post("/sharing/reports", summary="Report a risk event to the consortium", status_code=201)
    async def report(request: Request) -> Response:
        d = await read_object(request)
        sharing.report(
            text(d, "institution_id"), text(d, "subject_type"), text(d, "value"), text(d, "risk_type"), text(d, "actor")
        )
        return json_response({"reported": True}, 201)

    @router.post("/sharing/queries", summary="Ask the consortium about a subject (reporting institutions only)")
    async def query(request: Request) -> Response:
        d = await read_object(request)
        return json_response(
            sharing.query(text(d, "institution_id"), text(d, "subject_type"), text(d, "value"), text(d, "actor"))
        )

    return router
