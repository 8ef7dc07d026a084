"""The transaction-password policy, as a check (nothing is stored or logged)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, optional_text, read_object
from fengkong.api.schemas import ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.errors import InputError
from fengkong.domain.identity.passwords import check_password


def build(guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["passwords"])

    @router.post(
        "/passwords:check",
        summary="Check a transaction password against the policy (nothing is stored)",
        openapi_extra=request_body(ref("PasswordCheckIn")),
    )
    async def check(request: Request, who: Principal = guard(P.PASSWORDS_CHECK)) -> Response:
        d = await read_object(request)
        if not isinstance(d.get("password"), str):
            raise InputError("password", "is required")
        born = None
        if d.get("birth_date"):
            try:
                born = date.fromisoformat(str(d["birth_date"]))
            except ValueError:
                raise InputError("birth_date", "must be YYYY-MM-DD") from None
        result = check_password(
            d["password"],
            account_name=optional_text(d, "account_name"),
            phone=optional_text(d, "phone"),
            id_number=optional_text(d, "id_number"),
            birth_date=born,
            initial=bool(d.get("initial")),
        )
        return json_response(result.to_dict())

    return router
