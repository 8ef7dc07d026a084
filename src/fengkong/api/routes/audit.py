"""The hash-chained audit log: rows and a verification of the chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import MAX_ROW_ID, json_response
from fengkong.api.schemas import json_answer
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.ports import AuditLog
from fengkong.services.oversight import Oversight


def build(audit: AuditLog, oversight: Oversight, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["audit"])

    @router.get("/audit", summary="Audit log rows after a position")
    def rows(
        after: Annotated[int, Query(le=MAX_ROW_ID)] = 0, limit: int = 100, who: Principal = guard(P.AUDIT_READ)
    ) -> Response:
        return json_response([r.to_dict() for r in audit.records(max(after, 0), min(max(limit, 1), 1000))])

    @router.get(
        "/audit:verify",
        summary="Verify the audit hash chain (409 names the first bad row)",
        responses={409: json_answer("The chain is broken: the same check, naming the first bad row")},
    )
    def verify(who: Principal = guard(P.AUDIT_READ)) -> Response:
        check = audit.verify()
        return json_response(asdict(check), 200 if check.ok else 409)

    @router.get(
        "/audit/access-report",
        summary="Who saw or exported sensitive data, when, under which role and approval (internal audit)",
    )
    def access_report(since: str, until: str, who: Principal = guard(P.AUDIT_READ)) -> Response:
        """001 §1.8-1③: for the internal audit held at least twice a year; making it is recorded."""
        return json_response(oversight.access_report(actor=who.name, since=since, until=until))

    return router
