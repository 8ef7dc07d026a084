"""Liveness, readiness and metrics: the only operations that answer without a credential (the
probes tell nothing but up or down; metrics can ask for their own token)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from fengkong.api.http import json_response
from fengkong.api.schemas import answers, json_answer
from fengkong.domain.errors import Unauthenticated
from fengkong.services.platform import Platform


def build(platform: Platform, metrics_token: str | None) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/ready",
        summary="Readiness: the event log answers",
        responses={503: json_answer("The event log does not answer")},
    )
    def ready() -> Response:
        try:
            platform.events.last_seq()
        except Exception as exc:  # noqa: BLE001 - report, don't crash the probe
            return json_response({"status": "unavailable", "detail": type(exc).__name__}, 503)
        return json_response({"status": "ready", "ruleset_version": platform.engine.ruleset.version})

    @router.get(
        "/metrics",
        summary="Prometheus metrics (with FENGKONG_METRICS_TOKEN set, as a bearer token)",
        response_class=PlainTextResponse,
        responses={
            200: {"description": "The Prometheus text format"},
            404: {"description": "This process collects no metrics", "content": {"text/plain": {}}},
            **answers(401),
        },
    )
    def metrics(request: Request) -> Response:
        if metrics_token and not hmac.compare_digest(
            request.headers.get("authorization", ""), f"Bearer {metrics_token}"
        ):
            raise Unauthenticated("send Authorization: Bearer <FENGKONG_METRICS_TOKEN>")
        if platform.metrics is None:
            return Response("metrics are not collected by this process\n", status_code=404, media_type="text/plain")
        body, content_type = platform.metrics.exposition()
        return Response(body, media_type=content_type)

    return router
