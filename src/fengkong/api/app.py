"""The HTTP API: one FastAPI application over a Platform, one router per noun.

Services raise InputError (and its kinds) or Unavailable; the handlers here turn the type into
the status code, so no route decides a status from a message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from fengkong.api.batcher import DecisionBatcher
from fengkong.api.http import error_response, json_response
from fengkong.api.routes import (
    audit,
    events,
    health,
    lists,
    merchants,
    orders,
    passwords,
    reference,
    rules,
    sharing,
    vault,
)
from fengkong.api.schemas import COMPONENTS
from fengkong.domain.errors import InputError, Unavailable
from fengkong.services.platform import Platform

VERSION = "0.1.0"


def create_app(platform: Platform) -> FastAPI:
    batcher = DecisionBatcher(platform.engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title="fengkong",
        version=VERSION,
        lifespan=lifespan,
        description="Real-time payment risk decisions (event contract v1, docs/event-contract.md).",
    )
    for router in (
        events.build(platform, batcher),
        reference.build(platform.reference),
        lists.build(platform.lists),
        orders.build(platform.orders, platform.lists, platform.requests),
        audit.build(platform.audit),
        sharing.build(platform.sharing),
        vault.build(platform.vault),
        passwords.build(),
        merchants.build(platform.merchants),
        rules.build(platform.engine),
        health.build(platform),
    ):
        app.include_router(router)

    @app.exception_handler(InputError)
    async def refused(_: Request, exc: InputError) -> Response:
        return error_response(exc)

    @app.exception_handler(Unavailable)
    async def unavailable(_: Request, exc: Unavailable) -> Response:
        return json_response({"error": {"field": "(server)", "message": str(exc)}}, 503)

    def openapi() -> dict[str, Any]:
        """FastAPI's description plus the schemas of bodies the routes read themselves."""
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            spec.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
