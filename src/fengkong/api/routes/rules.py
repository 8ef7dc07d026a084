"""The active rule set, and reloading rule files without a restart."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response
from fengkong.api.schemas import json_answer
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.services.decide import Engine


def build(engine: Engine, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["rules"])

    @router.get("/rules", summary="The active rule set")
    def get_rules(who: Principal = guard(P.RULES_READ)) -> dict[str, Any]:
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

    @router.post(
        "/rules:reload",
        summary="Reload rule files; on an error the active rules stay",
        responses={
            422: json_answer("A rule file has errors (each with its file, line and column): the active rules stay")
        },
    )
    def reload_rules(who: Principal = guard(P.RULES_RELOAD)) -> Response:
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
