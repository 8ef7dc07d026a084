"""Asking to export personal data (003 篇四 ch.4): the request goes to the maker-checker queue,
a second person approves it (`POST /v1/changes/{id}:approve`), and the export itself names the
approval (`GET /v1/penalties/report?approval=…`). Each approval serves one export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, read_object, text
from fengkong.api.schemas import ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.services.oversight import Oversight


def build(oversight: Oversight, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["exports"])

    @router.post(
        "/exports",
        summary="Ask to export personal data; a second person approves (needs a reason)",
        status_code=202,
        openapi_extra=request_body(ref("ExportIn")),
    )
    async def request_export(request: Request, who: Principal = guard(P.EXPORTS_REQUEST)) -> Response:
        d = await read_object(request)
        made = oversight.request_export(actor=who.name, what=text(d, "what"), reason=text(d, "reason"))
        return json_response(made.to_dict(), 202)

    return router
