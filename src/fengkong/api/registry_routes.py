"""HTTP routes for the merchant and terminal registries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.controls_routes import _body, _error, _s
from fengkong.api.http import json_response as _json
from fengkong.services.controls import ControlError
from fengkong.services.registry import RegistryService


def build_registry_router(registry: RegistryService) -> APIRouter:
    router = APIRouter(prefix="/v1")

    async def register(kind: str, request: Request) -> Response:
        try:
            data = await _body(request)
            actor = _s(data, "actor")
            if not actor:
                raise ControlError("actor", "is required")
            values = {k: v for k, v in data.items() if k != "actor"}
            result = (registry.register_merchant if kind == "merchant" else registry.register_terminal)(values, actor=actor)
            return _json(result.to_dict(), 201)
        except ControlError as exc:
            return _error(exc)

    @router.post("/merchants", summary="Register (onboard) a merchant; findings with reasons", status_code=201)
    async def merchants(request: Request) -> Response:
        return await register("merchant", request)

    @router.post("/terminals", summary="Register a terminal; findings with reasons", status_code=201)
    async def terminals(request: Request) -> Response:
        return await register("terminal", request)

    @router.get("/merchants/{merchant_id}", summary="A merchant's record")
    def merchant(merchant_id: str) -> Response:
        record: dict[str, Any] | None = registry.store.get("merchant", merchant_id)
        return _json(record) if record else _json({"error": {"field": "merchant_id", "message": "not registered"}}, 404)

    @router.get("/terminals/{terminal_id}", summary="A terminal's record")
    def terminal(terminal_id: str) -> Response:
        record: dict[str, Any] | None = registry.store.get("terminal", terminal_id)
        return _json(record) if record else _json({"error": {"field": "terminal_id", "message": "not registered"}}, 404)

    return router
