"""POST /v1/events and /v1/events:batch (decisions, durable before the answer), and the
rejected-events store."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.batcher import DecisionBatcher
from fengkong.api.http import decode_json, json_response, read_body, status_of
from fengkong.api.schemas import EVENT_REF, BatchOut, DecisionOut, EventErrorOut, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.decisions import EventError, FieldError
from fengkong.domain.errors import InputError, TooLarge
from fengkong.services.platform import Platform

log = logging.getLogger("fengkong.api")
MAX_BATCH = 10_000


def _refused(error: InputError) -> Response:
    """A request refused before any event was read, in the contract's error shape."""
    return json_response(EventError(None, (FieldError(error.field, error.message),)).to_dict(), status_of(error))


def _not_decided(exc: Exception, what: str) -> Response:
    log.exception("decision failed")
    return json_response(
        {
            "event_id": None,
            "error": {"field": "(server)", "message": f"not decided: {type(exc).__name__}; retry with the same {what}"},
        },
        503,
    )


def build(platform: Platform, batcher: DecisionBatcher, guard: Guard) -> APIRouter:
    router = APIRouter(tags=["events"])
    engine, metrics = platform.engine, platform.metrics

    def timed(route: str, started: float) -> None:
        if metrics is not None:
            metrics.request_seconds(route, time.perf_counter() - started)

    @router.post(
        "/v1/events",
        summary="Decide one event",
        responses={200: {"model": DecisionOut}, 422: {"model": EventErrorOut}},
        openapi_extra=request_body(EVENT_REF),
    )
    async def post_event(request: Request, explain: bool = False, who: Principal = guard(P.EVENTS_SEND)) -> Response:
        """`explain=true` adds a trace: the feature values the rules read for this event."""
        started = time.perf_counter()
        try:
            body = await read_body(request)
        except TooLarge as exc:
            return _refused(exc)
        try:
            if explain:
                (result,) = await asyncio.to_thread(engine.decide_many, [body], explain=True)
            else:
                (result,) = await batcher.submit([body])
        except Exception as exc:  # noqa: BLE001 - storage down: say so, never half-answer
            return _not_decided(exc, "event_id")
        timed("/v1/events", started)
        if isinstance(result, EventError):
            return json_response(result.to_dict(), 422)
        return json_response(result.to_dict())

    @router.post(
        "/v1/events:batch",
        summary="Decide a batch of events in order (one commit)",
        responses={200: {"model": BatchOut}},
        openapi_extra=request_body(
            {
                "oneOf": [
                    {"type": "array", "items": EVENT_REF},
                    {
                        "type": "object",
                        "properties": {"events": {"type": "array", "items": EVENT_REF}},
                        "required": ["events"],
                    },
                ]
            }
        ),
    )
    async def post_batch(request: Request, who: Principal = guard(P.EVENTS_SEND)) -> Response:
        started = time.perf_counter()
        try:
            body = await read_body(request)
            items = _batch_items(body)
        except InputError as exc:
            return _refused(exc)
        try:
            results = await batcher.submit(items)
        except Exception as exc:  # noqa: BLE001
            return _not_decided(exc, "event_ids")
        timed("/v1/events:batch", started)
        return json_response({"results": [r.to_dict() for r in results]})

    @router.get("/v1/rejected", summary="Most recent rejected events with their reasons")
    def rejected(limit: int = 100, who: Principal = guard(P.EVENTS_READ)) -> list[dict[str, Any]]:
        return [asdict(r) for r in platform.events.rejected(min(max(limit, 1), 1000))]

    return router


def _batch_items(body: bytes) -> list[Any]:
    """A JSON array of events, or {"events": [...]}."""
    data = decode_json(body)
    items = data["events"] if isinstance(data, dict) and isinstance(data.get("events"), list) else data
    if not isinstance(items, list):
        raise InputError("(body)", 'send a JSON array of events or {"events": [...]}')
    if len(items) > MAX_BATCH:
        raise TooLarge("(body)", f"at most {MAX_BATCH} events per batch")
    return items
