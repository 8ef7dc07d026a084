"""HTTP routes for payment tokens, detokenization and the password policy. Card numbers and
passwords in these bodies are never logged or stored in clear."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.controls_routes import _body, _error, _s
from fengkong.api.http import json_response as _json
from fengkong.domain.identity.passwords import check_password
from fengkong.services.controls import ControlError
from fengkong.services.vault import VaultService


def build_vault_router(vault: VaultService) -> APIRouter:
    router = APIRouter(prefix="/v1")

    async def run(request: Request, action: Any, status: int = 200) -> Response:
        try:
            return _json(action(await _body(request)), status)
        except ControlError as exc:
            return _error(exc) if exc.field != "actor" or "permitted" not in exc.message else _json(
                {"error": {"field": exc.field, "message": exc.message}}, 403)

    @router.post("/tokens", summary="Issue a payment token with domain controls", status_code=201)
    async def issue(request: Request) -> Response:
        return await run(request, lambda d: vault.issue(
            actor=_s(d, "actor"), reason=_s(d, "reason"), card_number=d.get("card_number"),
            card_ref=d.get("card_ref"), controls=d.get("controls") or {}), 201)

    @router.get("/tokens/{token}", summary="A payment token (masked card, status, controls)")
    def show(token: str) -> Response:
        try:
            return _json(vault.show(token))
        except ControlError as exc:
            return _error(exc)

    for verb, status in (("suspend", "suspended"), ("resume", "active")):
        def make(target: str) -> Any:
            async def change(token: str, request: Request) -> Response:
                return await run(request, lambda d: vault.set_status(token, target, actor=_s(d, "actor"), reason=_s(d, "reason")))
            return change

        router.add_api_route(f"/tokens/{{token}}:{verb}", make(status), methods=["POST"], summary=f"{verb.title()} a token")

    @router.delete("/tokens/{token}", summary="Delete a token (final)")
    def delete(token: str, actor: str, reason: str) -> Response:
        try:
            return _json(vault.set_status(token, "deleted", actor=actor, reason=reason))
        except ControlError as exc:
            return _error(exc)

    @router.post("/tokens/{token}:detokenize", summary="The card number behind a token (permitted actors; audited)")
    async def detokenize(token: str, request: Request) -> Response:
        return await run(request, lambda d: {"card_number": vault.detokenize(token, actor=_s(d, "actor"), purpose=_s(d, "purpose"))})

    @router.post("/passwords:check", summary="Check a transaction password against the policy (nothing is stored)")
    async def password(request: Request) -> Response:
        def act(d: dict[str, Any]) -> dict[str, Any]:
            if not isinstance(d.get("password"), str):
                raise ControlError("password", "is required")
            born = None
            if d.get("birth_date"):
                try:
                    born = date.fromisoformat(str(d["birth_date"]))
                except ValueError:
                    raise ControlError("birth_date", "must be YYYY-MM-DD") from None
            return check_password(d["password"], account_name=d.get("account_name"), phone=d.get("phone"),
                                  id_number=d.get("id_number"), birth_date=born,
                                  initial=bool(d.get("initial"))).to_dict()

        return await run(request, act)

    return router
