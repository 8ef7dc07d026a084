"""The active rule set, and reloading rule files without a restart."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from fengkong.api.http import json_response
from fengkong.services.decide import Engine


def build(engine: Engine) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["rules"])

    @router.get("/rules", summary="The active rule set")
    def get_rules() -> dict[str, Any]:
        rs = engine.ruleset
        return {
            "version": rs.version,
            "files": list(rs.files),
            "rules": [
                {
                    "id": r.id,
                    "version": r.version,
                    "mode": r.mode,
                    "decision": r.outcome.value,
                    "reason": r.reason_code,
                    "description_zh": r.description_zh,
                    "description_en": r.description_en,
                    "event_types": sorted(r.event_types),
                    "source": r.source,
                }
                for r in rs.rules
            ],
            "features": sorted(rs.features.specs),
            "policy_version": rs.policy_version,
            "last_reload_errors": [str(e) for e in engine.rules.last_errors],
        }

    @router.post("/rules:reload", summary="Reload rule files; on an error the active rules stay")
    def reload_rules() -> Response:
        errors = engine.reload_rules()
        if errors:
            return json_response(
                {
                    "reloaded": False,
                    "version": engine.ruleset.version,
                    "errors": [
                        {"file": e.file, "line": e.line, "column": e.column, "message": e.message} for e in errors
                    ],
                },
                422,
            )
        return json_response({"reloaded": True, "version": engine.ruleset.version})

    return router
