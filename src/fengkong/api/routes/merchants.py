"""The merchant and terminal registries."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, read_object, text
from fengkong.api.schemas import answers, check_types, ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.acquiring.onboarding import OnboardingResult
from fengkong.services.merchants import MerchantService
from fengkong.services.terminal_checks import TerminalChecks
from fengkong.services.terminal_keys import TerminalKeys


def build(merchants: MerchantService, keys: TerminalKeys, checks: TerminalChecks, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["merchants"])

    async def register(request: Request, body: str, onboard: Callable[..., OnboardingResult], actor: str) -> Response:
        d = await read_object(request)
        check_types(body, d)
        result = onboard({k: v for k, v in d.items() if k != "actor"}, actor=actor)
        return json_response(result.to_dict(), 201)

    @router.post(
        "/merchants",
        summary="Register (onboard) a merchant; findings with reasons",
        status_code=201,
        openapi_extra=request_body(ref("MerchantIn")),
    )
    async def merchant(request: Request, who: Principal = guard(P.MERCHANTS_WRITE)) -> Response:
        return await register(request, "MerchantIn", merchants.register_merchant, who.name)

    @router.post(
        "/terminals",
        summary="Register a terminal; findings with reasons",
        status_code=201,
        openapi_extra=request_body(ref("TerminalIn")),
    )
    async def terminal(request: Request, who: Principal = guard(P.MERCHANTS_WRITE)) -> Response:
        return await register(request, "TerminalIn", merchants.register_terminal, who.name)

    @router.get("/merchants/{merchant_id}", summary="A merchant's record", responses=answers(404))
    def get_merchant(merchant_id: str, who: Principal = guard(P.MERCHANTS_READ)) -> Response:
        return json_response(merchants.merchant(merchant_id))

    @router.get("/terminals/{terminal_id}", summary="A terminal's record", responses=answers(404))
    def get_terminal(terminal_id: str, who: Principal = guard(P.MERCHANTS_READ)) -> Response:
        return json_response(merchants.terminal(terminal_id))

    @router.post(
        "/terminals/{terminal_id}/keys",
        summary="Record a master key loaded into a terminal (check value and version, never the key)",
        status_code=201,
        responses=answers(404),
        openapi_extra=request_body(ref("TerminalKeyIn")),
    )
    async def load_key(terminal_id: str, request: Request, who: Principal = guard(P.TERMINAL_KEYS_MANAGE)) -> Response:
        d = await read_object(request)
        check_types("TerminalKeyIn", d)
        loaded = keys.record(
            terminal_id,
            kcv=text(d, "kcv"),
            version=text(d, "version"),
            actor=who.name,
            loaded_at=text(d, "loaded_at") or None,
        )
        return json_response(loaded, 201)

    @router.get("/terminal-keys:report", summary="Terminals sharing a master key, overdue keys, terminals with none")
    def key_report(at: str | None = None, who: Principal = guard(P.TERMINAL_KEYS_READ)) -> Response:
        return json_response(keys.report(at))

    @router.get(
        "/merchants:clusters",
        summary="Merchants linked by legal representative, settlement account, licence or terminal, for review",
    )
    def clusters(min_size: int = 2, who: Principal = guard(P.MERCHANTS_READ)) -> Response:
        return json_response(merchants.clusters(max(2, min_size)))

    @router.post(
        "/terminal-samples",
        summary="Register a qualified terminal sample (model and certified firmware builds)",
        status_code=201,
        openapi_extra=request_body(ref("SampleIn")),
    )
    async def sample(request: Request, who: Principal = guard(P.TERMINAL_CHECKS)) -> Response:
        d = await read_object(request)
        check_types("SampleIn", d)
        return json_response(checks.register_sample(d, actor=who.name), 201)

    @router.get("/terminal-samples", summary="The qualified terminal samples")
    def samples(who: Principal = guard(P.MERCHANTS_READ)) -> Response:
        return json_response(checks.samples())

    @router.post(
        "/terminals/{terminal_id}/spot-checks",
        summary="Record a spot check: a failed one stops the terminal, a passed one reinstates it",
        status_code=201,
        responses=answers(404),
        openapi_extra=request_body(ref("SpotCheckIn")),
    )
    async def spot_check(terminal_id: str, request: Request, who: Principal = guard(P.TERMINAL_CHECKS)) -> Response:
        d = await read_object(request)
        check_types("SpotCheckIn", d)
        done = checks.spot_check(
            terminal_id,
            measured=text(d, "measured"),
            seal_intact=bool(d.get("seal_intact")),
            at_registered_place=bool(d.get("at_registered_place")),
            passes=bool(d.get("passes", True)),
            firmware=text(d, "firmware"),
            note=text(d, "note"),
            at=d.get("at"),
            actor=who.name,
        )
        return json_response(done.to_dict(), 201)

    @router.get("/terminal-checks:schedule", summary="Every terminal's next spot check; overdue and suspended ones")
    def schedule(at: str | None = None, who: Principal = guard(P.MERCHANTS_READ)) -> Response:
        return json_response(checks.schedule(at))

    return router
