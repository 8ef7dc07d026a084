"""The merchant and terminal registries."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.http import json_response, read_object, text
from fengkong.domain.errors import required
from fengkong.domain.merchants import OnboardingResult
from fengkong.services.merchants import MerchantService


def build(merchants: MerchantService) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["merchants"])

    async def register(request: Request, onboard: Callable[..., OnboardingResult]) -> Response:
        d = await read_object(request)
        required(actor=text(d, "actor"))
        result = onboard({k: v for k, v in d.items() if k != "actor"}, actor=text(d, "actor"))
        return json_response(result.to_dict(), 201)

    @router.post("/merchants", summary="Register (onboard) a merchant; findings with reasons", status_code=201)
    async def merchant(request: Request) -> Response:
        return await register(request, merchants.register_merchant)

    @router.post("/terminals", summary="Register a terminal; findings with reasons", status_code=201)
    async def terminal(request: Request) -> Response:
        return await register(request, merchants.register_terminal)

    @router.get("/merchants/{merchant_id}", summary="A merchant's record")
    def get_merchant(merchant_id: str) -> Response:
        return json_response(merchants.merchant(merchant_id))

    @router.get("/terminals/{terminal_id}", summary="A terminal's record")
    def get_terminal(terminal_id: str) -> Response:
        return json_response(merchants.terminal(terminal_id))

    return router
