"""The HTTP API: one FastAPI application over a Platform, one router per noun.

Services raise InputError (and its kinds) or Unavailable; the handlers here turn the type into
the status code, so no route decides a status from a message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.batcher import DecisionBatcher
from fengkong.api.docs import install_docs
from fengkong.api.http import error_response, json_response
from fengkong.api.limits import Limits, RateLimits
from fengkong.api.routes import (
    access,
    audit,
    events,
    exports,
    health,
    holds,
    lists,
    merchants,
    orders,
    passwords,
    reference,
    rules,
    sharing,
    vault,
)
from fengkong.api.schemas import describe
from fengkong.api.security import SecurityHeaders
from fengkong.domain.decisions import EventError, FieldError
from fengkong.domain.errors import InputError, Unauthenticated, Unavailable
from fengkong.services.platform import Platform

VERSION = "0.1.0"


def create_app(
    platform: Platform, *, metrics_token: str | None = None, rate_limits: RateLimits = RateLimits()
) -> FastAPI:
    """The API over a platform; `metrics_token`, when given, is the bearer token /metrics asks
    for; `rate_limits` are the requests per second allowed to a credential and to an address."""
    batcher = DecisionBatcher(platform.engine)
    guard = Guard(platform.access)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title="fengkong",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Real-time payment risk decisions (event contract v1, docs/event-contract.md).",
    )
    for router in (
        events.build(platform, batcher, guard),
        holds.build(platform.holds, guard),
        reference.build(platform.reference, guard),
        lists.build(platform.lists, platform.blacklists, guard),
        orders.build(platform.orders, platform.lists, platform.requests, platform.oversight, guard),
        audit.build(platform.audit, platform.oversight, guard),
        sharing.build(platform.sharing, platform.sharing_exchange, guard),
        vault.build(platform.vault, guard),
        passwords.build(guard),
        merchants.build(platform.merchants, platform.terminal_keys, platform.terminal_checks, guard),
        rules.build(platform.engine, guard),
        access.build(platform.access, platform.credentials, guard),
        exports.build(platform.oversight, guard),
        health.build(platform, metrics_token),
    ):
        app.include_router(router)

    install_docs(app)

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, exc: RequestValidationError) -> Response:
        """A path or query parameter FastAPI could not read, in the one error shape."""
        errors = tuple(
            FieldError(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), str(e["msg"])) for e in exc.errors()
        )
        return json_response(EventError(None, errors or (FieldError("(request)", "invalid"),)).to_dict(), 422)

    @app.exception_handler(InputError)
    async def refused(_: Request, exc: InputError) -> Response:
        answer = error_response(exc)
        if isinstance(exc, Unauthenticated):
            answer.headers["WWW-Authenticate"] = 'Bearer realm="fengkong"'
        return answer

    @app.exception_handler(Unavailable)
    async def unavailable(_: Request, exc: Unavailable) -> Response:
        return json_response({"error": {"field": "(server)", "message": str(exc)}}, 503)

    def openapi() -> dict[str, Any]:
        """FastAPI's description plus the schemas of bodies the routes read themselves."""
        if app.openapi_schema is None:
            app.openapi_schema = describe(
                get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(Limits, access=platform.access, limits=rate_limits)
    app.add_middleware(SecurityHeaders)
    return app
