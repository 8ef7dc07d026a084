"""FastAPI application: POST /v1/events, POST /v1/events:batch, rules, health, metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fengkong.adapters.metrics.prometheus import PrometheusObserver
from fengkong.api.batcher import DecisionBatcher
from fengkong.api.controls_routes import build_router
from fengkong.api.http import decode_json
from fengkong.api.http import json_response as _json
from fengkong.api.registry_routes import build_registry_router
from fengkong.api.schemas import BatchOut, DecisionOut, EventErrorOut, EventIn, request_body
from fengkong.api.vault_routes import build_vault_router
from fengkong.domain.decisions import EventError, FieldError
from fengkong.domain.limits.reference import InvalidReference
from fengkong.domain.validation import MAX_EVENT_BYTES, parse_json_event
from fengkong.services.controls import ControlsService
from fengkong.services.decide import Engine
from fengkong.services.registry import RegistryService
from fengkong.services.sharing import SharingService
from fengkong.services.vault import VaultService

log = logging.getLogger("fengkong.api")
MAX_BODY_BYTES = 64 * MAX_EVENT_BYTES
MAX_BATCH = 10_000


def create_app(
    engine: Engine,
    observer: PrometheusObserver | None = None,
    watch_rules_s: float = 0,
    controls: ControlsService | None = None,
    sharing: SharingService | None = None,
    vault: VaultService | None = None,
    registry: RegistryService | None = None,
) -> FastAPI:
    observer = observer or PrometheusObserver()
    batcher = DecisionBatcher(engine)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(watch_rules_s):
            try:
                engine.refresh_reference()  # limits changed through the CLI or another node
            except Exception:  # noqa: BLE001 - keep watching; the next round retries
                log.exception("reference data refresh failed")
            if engine.rules.changed_on_disk():
                errors = engine.reload_rules()
                for error in errors:
                    log.error("rule file refused, active rules kept: %s", error)
                if not errors:
                    log.info("rules reloaded: version %s", engine.ruleset.version)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = None
        if watch_rules_s > 0:
            watcher = threading.Thread(target=watch, name="rule-watcher", daemon=True)
            watcher.start()
        batcher.start()
        yield
        await batcher.stop()
        stop.set()
        if watcher is not None:
            watcher.join(timeout=5)

    app = FastAPI(
        title="fengkong",
        version="0.1.0",
        description="Real-time payment risk decisions (event contract v1, docs/event-contract.md).",
        lifespan=lifespan,
    )

    async def read_body(request: Request) -> bytes | Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _json({"event_id": None, "error": {"field": "(body)", "message": f"body over {MAX_BODY_BYTES:,} bytes"}}, 413)
        return await request.body()

    @app.post(
        "/v1/events",
        summary="Decide one event",
        responses={200: {"model": DecisionOut}, 422: {"model": EventErrorOut}},
        openapi_extra=request_body(EventIn.model_json_schema(ref_template="#/components/schemas/{model}")),
    )
    async def post_event(request: Request, explain: bool = False) -> Response:
        """`explain=true` adds a trace: the feature values the rules read for this event."""
        started = time.perf_counter()
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        try:
            if explain:
                (result,) = await asyncio.to_thread(engine.decide_many, [body], explain=True)
            else:
                (result,) = await batcher.submit([body])
        except Exception as exc:  # noqa: BLE001 - storage down: say so, never half-answer
            log.exception("decision failed")
            return _json({"event_id": None, "error": {"field": "(server)", "message": f"not decided: {type(exc).__name__}; retry with the same event_id"}}, 503)
        observer.request_latency.labels("/v1/events").observe(time.perf_counter() - started)
        if isinstance(result, EventError):
            return _json(result.to_dict(), 422)
        return _json(result.to_dict())

    @app.post(
        "/v1/events:batch",
        summary="Decide a batch of events in order (one commit)",
        responses={200: {"model": BatchOut}},
        openapi_extra=request_body({"type": "array", "items": {"$ref": "#/components/schemas/EventIn"}}),
    )
    async def post_batch(request: Request) -> Response:
        started = time.perf_counter()
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        data, error = parse_json_event(body) if body.lstrip()[:1] == b"{" else _parse_array(body)
        if error is not None:
            return _json(error.to_dict(), 422)
        items = data["events"] if isinstance(data, dict) and isinstance(data.get("events"), list) else data
        if not isinstance(items, list):
            return _json(EventError(None, (FieldError("(body)", "send a JSON array of events or {\"events\": [...]}"),)).to_dict(), 422)
        if len(items) > MAX_BATCH:
            return _json(EventError(None, (FieldError("(body)", f"at most {MAX_BATCH} events per batch"),)).to_dict(), 413)
        try:
            results = await batcher.submit(items)
        except Exception as exc:  # noqa: BLE001
            log.exception("decision failed")
            return _json({"event_id": None, "error": {"field": "(server)", "message": f"not decided: {type(exc).__name__}; retry with the same event_ids"}}, 503)
        observer.request_latency.labels("/v1/events:batch").observe(time.perf_counter() - started)
        return _json({"results": [r.to_dict() for r in results]})

    async def _reference_body(request: Request) -> dict[str, Any] | Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        data, error = _parse_array(body)
        if error is not None:
            return _json(error.to_dict(), 422)
        if not isinstance(data, dict):
            return _json({"error": {"field": "(body)", "message": "send a JSON object"}}, 422)
        return data

    def _put_reference(kind: str, entity_id: str, data: dict[str, Any]) -> Response:
        values = {k: v for k, v in data.items() if k not in ("actor", "reason")}
        try:
            change = engine.set_reference(kind, entity_id, values, str(data.get("actor") or ""), str(data.get("reason") or ""))
        except InvalidReference as exc:
            return _json({"error": {"field": exc.field, "message": exc.message}}, 422)
        return _json({"kind": kind, "id": entity_id, "record": change.record, "version": change.version,
                      "changed_by": change.changed_by, "changed_at": change.changed_at})

    def _delete_reference(kind: str, entity_id: str, actor: str, reason: str) -> Response:
        if engine.get_reference(kind, entity_id) is None:
            return _json({"error": {"field": "id", "message": f"no {kind} for {entity_id}"}}, 404)
        try:
            change = engine.set_reference(kind, entity_id, None, actor, reason)
        except InvalidReference as exc:
            return _json({"error": {"field": exc.field, "message": exc.message}}, 422)
        return _json({"kind": kind, "id": entity_id, "removed": True, "version": change.version})

    def _get_reference(kind: str, entity_id: str) -> Response:
        record = engine.get_reference(kind, entity_id)
        if record is None:
            return _json({"error": {"field": "id", "message": f"no {kind} for {entity_id}"}}, 404)
        history = engine.reference_store.history(kind, entity_id) if engine.reference_store else []
        return _json({"kind": kind, "id": entity_id, "record": record,
                      "history": [asdict(h) for h in history]})

    limits_body = request_body({"type": "object", "properties": {
        "single": {"type": "string", "description": "yuan"}, "daily": {"type": "string", "description": "yuan"},
        "actor": {"type": "string"}, "reason": {"type": "string"}}, "required": ["actor", "reason"]})
    agreement_body = request_body({"type": "object", "properties": {
        "to_account_daily_amount": {"type": "string"}, "to_account_daily_count": {"type": "integer"},
        "to_bank_daily_amount": {"type": "string"}, "to_bank_daily_count": {"type": "integer"},
        "actor": {"type": "string"}, "reason": {"type": "string"}}, "required": ["actor", "reason"]})

    @app.put("/v1/customers/{customer_id}/limits", summary="Set a customer's own single and daily limits", openapi_extra=limits_body)
    async def put_customer_limits(customer_id: str, request: Request) -> Response:
        data = await _reference_body(request)
        return data if isinstance(data, Response) else _put_reference("customer_limits", customer_id, data)

    @app.get("/v1/customers/{customer_id}/limits", summary="A customer's own limits with their history")
    def get_customer_limits(customer_id: str) -> Response:
        return _get_reference("customer_limits", customer_id)

    @app.delete("/v1/customers/{customer_id}/limits", summary="Remove a customer's own limits")
    def delete_customer_limits(customer_id: str, actor: str, reason: str) -> Response:
        return _delete_reference("customer_limits", customer_id, actor, reason)

    @app.put("/v1/accounts/{account_id}/transfer-agreement", summary="Set an account's transfer agreement", openapi_extra=agreement_body)
    async def put_agreement(account_id: str, request: Request) -> Response:
        data = await _reference_body(request)
        return data if isinstance(data, Response) else _put_reference("transfer_agreement", account_id, data)

    @app.get("/v1/accounts/{account_id}/transfer-agreement", summary="An account's transfer agreement with its history")
    def get_agreement(account_id: str) -> Response:
        return _get_reference("transfer_agreement", account_id)

    @app.delete("/v1/accounts/{account_id}/transfer-agreement", summary="Remove an account's transfer agreement")
    def delete_agreement(account_id: str, actor: str, reason: str) -> Response:
        return _delete_reference("transfer_agreement", account_id, actor, reason)

    @app.get("/v1/rules", summary="Active rule set")
    def get_rules() -> dict[str, Any]:
        rs = engine.ruleset
        return {
            "version": rs.version,
            "files": list(rs.files),
            "rules": [
                {
                    "id": r.id, "version": r.version, "mode": r.mode, "decision": r.outcome.value,
                    "reason": r.reason_code, "description_zh": r.description_zh,
                    "description_en": r.description_en, "event_types": sorted(r.event_types),
                    "source": r.source,
                }
                for r in rs.rules
            ],
            "features": sorted(rs.features.specs),
            "policy_version": rs.policy_version,
            "last_reload_errors": [str(e) for e in engine.rules.last_errors],
        }

    @app.post("/v1/rules:reload", summary="Reload rule files; on error the active rules stay")
    def reload_rules() -> Response:
        errors = engine.reload_rules()
        if errors:
            return _json({"reloaded": False, "version": engine.ruleset.version, "errors": [
                {"file": e.file, "line": e.line, "column": e.column, "message": e.message} for e in errors
            ]}, 422)
        return _json({"reloaded": True, "version": engine.ruleset.version})

    @app.get("/v1/rejected", summary="Most recent rejected events with their reasons")
    def rejected(limit: int = 100) -> list[dict[str, Any]]:
        return [asdict(r) for r in engine.log.rejected(min(max(limit, 1), 1000))]

    if controls is not None and sharing is not None:
        app.include_router(build_router(controls, sharing))
    if vault is not None:
        app.include_router(build_vault_router(vault))
    if registry is not None:
        app.include_router(build_registry_router(registry))

    @app.get("/health", summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Readiness: the event log answers")
    def ready() -> Response:
        try:
            engine.log.last_seq()
        except Exception as exc:  # noqa: BLE001 - report, don't crash the probe
            return _json({"status": "unavailable", "detail": type(exc).__name__}, 503)
        return _json({"status": "ready", "ruleset_version": engine.ruleset.version})

    @app.get("/metrics", summary="Prometheus metrics")
    def metrics() -> Response:
        return Response(generate_latest(observer.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _parse_array(body: bytes) -> tuple[Any, EventError | None]:
    try:
        return decode_json(body), None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, EventError(None, (FieldError("(json)", f"invalid JSON: {exc}"),))
    except RecursionError:
        return None, EventError(None, (FieldError("(json)", "invalid JSON: nested too deeply"),))
