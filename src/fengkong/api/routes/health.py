"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from fengkong.api.http import json_response
from fengkong.services.platform import Platform


def build(platform: Platform) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready", summary="Readiness: the event log answers")
    def ready() -> Response:
        try:
            platform.events.last_seq()
        except Exception as exc:  # noqa: BLE001 - report, don't crash the probe
            return json_response({"status": "unavailable", "detail": type(exc).__name__}, 503)
        return json_response({"status": "ready", "ruleset_version": platform.engine.ruleset.version})

    @router.get("/metrics", summary="Prometheus metrics")
    def metrics() -> Response:
        if platform.metrics is None:
            return Response("metrics are not collected by this process\n", status_code=404, media_type="text/plain")
        body, content_type = platform.metrics.exposition()
        return Response(body, media_type=content_type)

    return router
