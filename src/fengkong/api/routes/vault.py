"""Payment tokens and detokenization. Card numbers in these bodies are never logged or stored
in clear."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, optional_object, optional_text, read_object, text
from fengkong.api.schemas import answers, ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.services.vault import VaultService


def build(vault: VaultService, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["tokens"])

    @router.post(
        "/tokens",
        summary="Issue a payment token with domain controls",
        status_code=201,
        openapi_extra=request_body(ref("TokenIn")),
    )
    async def issue(request: Request, who: Principal = guard(P.TOKENS_MANAGE)) -> Response:
        d = await read_object(request)
        return json_response(
            vault.issue(
                actor=who.name,
                reason=text(d, "reason"),
                card_number=optional_text(d, "card_number"),
                card_ref=optional_text(d, "card_ref"),
                controls=optional_object(d, "controls") or {},
            ),
            201,
        )

    @router.get("/tokens/{token}", summary="A payment token (masked card, status, controls)", responses=answers(404))
    def show(token: str, who: Principal = guard(P.TOKENS_READ)) -> Response:
        return json_response(vault.show(token))

    @router.post(
        "/tokens/{token}:suspend",
        summary="Suspend a token",
        responses=answers(404),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def suspend(token: str, request: Request, who: Principal = guard(P.TOKENS_MANAGE)) -> Response:
        d = await read_object(request)
        return json_response(vault.set_status(token, "suspended", actor=who.name, reason=text(d, "reason")))

    @router.post(
        "/tokens/{token}:resume",
        summary="Resume a suspended token",
        responses=answers(404),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def resume(token: str, request: Request, who: Principal = guard(P.TOKENS_MANAGE)) -> Response:
        d = await read_object(request)
        return json_response(vault.set_status(token, "active", actor=who.name, reason=text(d, "reason")))

    @router.delete("/tokens/{token}", summary="Delete a token (final)", responses=answers(404))
    def delete(token: str, reason: str, who: Principal = guard(P.TOKENS_MANAGE)) -> Response:
        return json_response(vault.set_status(token, "deleted", actor=who.name, reason=reason))

    @router.post(
        "/tokens/{token}:detokenize",
        summary="The card number behind a token (secops, with a stated purpose; audited)",
        responses=answers(404),
        openapi_extra=request_body(ref("DetokenizeIn")),
    )
    async def detokenize(token: str, request: Request, who: Principal = guard.authenticated()) -> Response:
        d = await read_object(request)
        return json_response({"card_number": vault.detokenize(token, principal=who, purpose=text(d, "purpose"))})

    return router
