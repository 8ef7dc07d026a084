"""Payment tokens and detokenization. Card numbers in these bodies are never logged or stored
in clear."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.http import json_response, read_object, text
from fengkong.services.vault import VaultService


def build(vault: VaultService) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["tokens"])

    @router.post("/tokens", summary="Issue a payment token with domain controls", status_code=201)
    async def issue(request: Request) -> Response:
        d = await read_object(request)
        return json_response(
            vault.issue(
                actor=text(d, "actor"),
                reason=text(d, "reason"),
                card_number=d.get("card_number"),
                card_ref=d.get("card_ref"),
                controls=d.get("controls") or {},
            ),
            201,
        )

    @router.get("/tokens/{token}", summary="A payment token (masked card, status, controls)")
    def show(token: str) -> Response:
        return json_response(vault.show(token))

    @router.post("/tokens/{token}:suspend", summary="Suspend a token")
    async def suspend(token: str, request: Request) -> Response:
        d = await read_object(request)
        return json_response(vault.set_status(token, "suspended", actor=text(d, "actor"), reason=text(d, "reason")))

    @router.post("/tokens/{token}:resume", summary="Resume a suspended token")
    async def resume(token: str, request: Request) -> Response:
        d = await read_object(request)
        return json_response(vault.set_status(token, "active", actor=text(d, "actor"), reason=text(d, "reason")))

    @router.delete("/tokens/{token}", summary="Delete a token (final)")
    def delete(token: str, actor: str, reason: str) -> Response:
        return json_response(vault.set_status(token, "deleted", actor=actor, reason=reason))

    @router.post("/tokens/{token}:detokenize", summary="The card number behind a token (permitted actors; audited)")
    async def detokenize(token: str, request: Request) -> Response:
        d = await read_object(request)
        return json_response(
            {"card_number": vault.detokenize(token, actor=text(d, "actor"), purpose=text(d, "purpose"))}
        )

    return router
