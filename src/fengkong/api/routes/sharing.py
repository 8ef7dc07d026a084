"""Reciprocal risk-information sharing between member institutions: people and systems of an
institution report and ask; another member's fengkong sends signed reports and pulls the reports
it may see (`/v1/sharing/peer/...`, over mutual TLS). The institution is always the caller's
credential's - and for a signed report the signing certificate's, which must be the same."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, optional_text, read_object, text
from fengkong.api.schemas import ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.errors import InputError, NotPermitted
from fengkong.services.sharing import FEED_PAGE, SharingService
from fengkong.services.sharing_exchange import SharingExchange


def _institution(who: Principal, data: dict[str, object]) -> str:
    """The caller's own institution: a body naming another one is refused (reciprocity)."""
    named = text(data, "institution_id")
    if named and named != who.institution:
        raise NotPermitted("institution_id", "is not the institution of your credential")
    return who.institution


def _count(data: dict[str, object], name: str) -> int | None:
    value = data.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise InputError(name, "must be a whole number")


def build(sharing: SharingService, exchange: SharingExchange, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["sharing"])

    @router.post(
        "/sharing/reports",
        summary="Report a risk event to the consortium",
        status_code=201,
        openapi_extra=request_body(ref("SharingReportIn")),
    )
    async def report(request: Request, who: Principal = guard(P.SHARING_USE)) -> Response:
        d = await read_object(request)
        consent = d.get("consent_to_disclose", False)
        if not isinstance(consent, bool):
            raise InputError("consent_to_disclose", "must be true or false")
        done = sharing.report(
            _institution(who, d),
            text(d, "subject_type"),
            text(d, "value"),
            text(d, "risk_type"),
            who.name,
            amount_fen=_count(d, "amount_fen"),
            card_count=_count(d, "card_count"),
            consent_to_disclose=consent,
        )
        sent = False
        if done["queued"]:  # kept and queued already: a hub that is down only delays it
            outcome = await run_in_threadpool(exchange.flush)
            sent = done["report_id"] in outcome["sent"]
        return json_response({**done, "sent": sent}, 201)

    @router.post(
        "/sharing/queries",
        summary="Ask the consortium about a subject (reporting institutions only)",
        openapi_extra=request_body(ref("SharingQueryIn")),
    )
    async def query(request: Request, who: Principal = guard(P.SHARING_USE)) -> Response:
        d = await read_object(request)
        hashed = optional_text(d, "subject_hash")
        answer = sharing.query(_institution(who, d), text(d, "subject_type"), text(d, "value"), who.name, hashed=hashed)
        return json_response(answer)

    @router.post(
        "/sharing/peer/reports",
        summary="Take a report signed by another member institution (its credential's institution)",
        status_code=201,
        openapi_extra=request_body(ref("SignedReportIn")),
    )
    async def receive(request: Request, who: Principal = guard(P.SHARING_USE)) -> Response:
        return json_response(sharing.receive(await read_object(request), who.institution, who.name), 201)

    @router.get("/sharing/peer/feed", summary="The reports a member may pull (reporting institutions only)")
    async def feed(
        who: Principal = guard(P.SHARING_USE),
        after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=FEED_PAGE)] = FEED_PAGE,
    ) -> Response:
        return json_response(sharing.feed(who.institution, after, limit, who.name))

    return router
