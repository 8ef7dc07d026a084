"""Customers' own limits and accounts' transfer agreements (reference data with history)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, read_object, text
from fengkong.api.schemas import answers, ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.errors import NotFound
from fengkong.services.reference import ReferenceData

LIMITS = request_body(ref("CustomerLimitsIn"))
AGREEMENT = request_body(ref("TransferAgreementIn"))


def build(reference: ReferenceData, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["reference data"])

    async def put(kind: str, entity_id: str, request: Request, actor: str) -> Response:
        data = await read_object(request)
        values = {k: v for k, v in data.items() if k not in ("actor", "reason")}
        change = reference.set(kind, entity_id, values, actor=actor, reason=text(data, "reason"))
        return json_response(
            {
                "kind": kind,
                "id": entity_id,
                "record": change.record,
                "version": change.version,
                "changed_by": change.changed_by,
                "changed_at": change.changed_at,
            }
        )

    def get(kind: str, entity_id: str) -> Response:
        record = reference.get(kind, entity_id)
        if record is None:
            raise NotFound("id", f"no {kind} for {entity_id}")
        return json_response(
            {
                "kind": kind,
                "id": entity_id,
                "record": record,
                "history": [asdict(h) for h in reference.history(kind, entity_id)],
            }
        )

    def delete(kind: str, entity_id: str, actor: str, reason: str) -> Response:
        change = reference.remove(kind, entity_id, actor=actor, reason=reason)
        return json_response({"kind": kind, "id": entity_id, "removed": True, "version": change.version})

    @router.put(
        "/customers/{customer_id}/limits", summary="Set a customer's own single and daily limits", openapi_extra=LIMITS
    )
    async def put_customer_limits(
        customer_id: str, request: Request, who: Principal = guard(P.REFERENCE_WRITE)
    ) -> Response:
        return await put("customer_limits", customer_id, request, who.name)

    @router.get(
        "/customers/{customer_id}/limits",
        summary="A customer's own limits with their history",
        responses=answers(404),
    )
    def get_customer_limits(customer_id: str, who: Principal = guard(P.REFERENCE_READ)) -> Response:
        return get("customer_limits", customer_id)

    @router.delete("/customers/{customer_id}/limits", summary="Remove a customer's own limits", responses=answers(404))
    def delete_customer_limits(customer_id: str, reason: str, who: Principal = guard(P.REFERENCE_WRITE)) -> Response:
        return delete("customer_limits", customer_id, who.name, reason)

    @router.put(
        "/accounts/{account_id}/transfer-agreement",
        summary="Set an account's transfer agreement",
        openapi_extra=AGREEMENT,
    )
    async def put_agreement(account_id: str, request: Request, who: Principal = guard(P.REFERENCE_WRITE)) -> Response:
        return await put("transfer_agreement", account_id, request, who.name)

    @router.get(
        "/accounts/{account_id}/transfer-agreement",
        summary="An account's transfer agreement with its history",
        responses=answers(404),
    )
    def get_agreement(account_id: str, who: Principal = guard(P.REFERENCE_READ)) -> Response:
        return get("transfer_agreement", account_id)

    @router.delete(
        "/accounts/{account_id}/transfer-agreement",
        summary="Remove an account's transfer agreement",
        responses=answers(404),
    )
    def delete_agreement(account_id: str, reason: str, who: Principal = guard(P.REFERENCE_WRITE)) -> Response:
        return delete("transfer_agreement", account_id, who.name, reason)

    return router
