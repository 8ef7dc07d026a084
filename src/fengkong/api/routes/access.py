"""Logging in and out, the caller's own account, and the administration of API keys and users.
A secret (a key, a session token, an initial password) is in exactly one answer: the one that
made it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import json_response, read_object, text
from fengkong.api.schemas import answers, ref, refusal, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.errors import InputError
from fengkong.services.access import AccessService, Issued
from fengkong.services.credentials import CredentialAdmin


def _roles(data: dict[str, Any]) -> list[str]:
    roles = data.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InputError("roles", "send a list of role names")
    return roles


def _issued(issued: Issued, secret_name: str) -> Response:
    body = dict(issued.record)
    if issued.secret:
        body[secret_name] = issued.secret
    return json_response(body, 201)


def build(access: AccessService, credentials: CredentialAdmin, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["access"])

    @router.post(
        "/sessions",
        summary="Log in with a user name, password and (if enrolled) a one-time code",
        responses={401: refusal(401, "Wrong user name, password or code; or locked after failed logins")},
        status_code=201,
        openapi_extra=request_body(ref("LoginIn")),
    )
    async def login(request: Request) -> Response:
        d = await read_object(request)
        return _issued(access.login(text(d, "username"), text(d, "password"), text(d, "code") or None), "token")

    @router.delete("/sessions/current", summary="Log out: the session token stops working")
    def logout(who: Principal = guard.authenticated()) -> Response:
        access.logout(who)
        return json_response({"ended": True})

    @router.get("/me", summary="Who the credential belongs to: name, roles, institution, permissions")
    def me(who: Principal = guard.authenticated()) -> Response:
        return json_response(who.to_dict())

    @router.post(
        "/me/password",
        summary="Change your password (required after an initial one)",
        openapi_extra=request_body(ref("PasswordChangeIn")),
    )
    async def change_password(request: Request, who: Principal = guard.authenticated()) -> Response:
        d = await read_object(request)
        return json_response(access.change_password(who, text(d, "current_password"), text(d, "new_password")))

    @router.post("/me/totp", summary="Enrol an authenticator app (TOTP): the otpauth URI to scan", status_code=201)
    def enrol_totp(who: Principal = guard.authenticated()) -> Response:
        return json_response(access.enrol_totp(who), 201)

    @router.post(
        "/me/totp:confirm",
        summary="Confirm the authenticator with a code; logins then ask for one",
        responses=answers(404, 409),
        openapi_extra=request_body(ref("TotpCodeIn")),
    )
    async def confirm_totp(request: Request, who: Principal = guard.authenticated()) -> Response:
        return json_response(access.confirm_totp(who, text(await read_object(request), "code")))

    @router.post(
        "/keys",
        summary="Create an API key for an institution's system (shown once)",
        status_code=201,
        openapi_extra=request_body(ref("ApiKeyIn")),
    )
    async def create_key(request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        d = await read_object(request)
        days = d.get("days", 365)
        if not isinstance(days, int) or isinstance(days, bool):
            raise InputError("days", "must be a whole number of days")
        issued = credentials.create_key(
            who.name, label=text(d, "label"), institution=text(d, "institution"), roles=_roles(d), days=days,
            reason=text(d, "reason"),
        )  # fmt: skip
        return _issued(issued, "api_key")

    @router.get("/keys", summary="API keys (never their secrets)")
    def list_keys(who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        return json_response(credentials.keys())

    @router.post(
        "/keys/{key_id}:rotate",
        summary="A new key for the same client; the old one works 24 h more",
        responses=answers(404, 409),
        status_code=201,
        openapi_extra=request_body(ref("ApiKeyRotationIn")),
    )
    async def rotate_key(key_id: str, request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        d = await read_object(request)
        hours = d.get("overlap_hours", 24)
        # JSON numbers arrive as int or Decimal (exact); one too large for a float is refused too.
        if isinstance(hours, bool) or not isinstance(hours, int | Decimal | float) or not -1e6 < hours < 1e6:
            raise InputError("overlap_hours", "must be a number of hours")
        return _issued(
            credentials.rotate_key(who.name, key_id, overlap_hours=float(hours), reason=text(d, "reason")), "api_key"
        )

    @router.post(
        "/keys/{key_id}:revoke",
        summary="Revoke an API key at once",
        responses=answers(404),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def revoke_key(key_id: str, request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        return json_response(
            credentials.revoke_key(who.name, key_id, reason=text(await read_object(request), "reason"))
        )

    @router.post(
        "/users",
        summary="Create a user; the initial password is shown once and must be changed",
        responses=answers(409),
        status_code=201,
        openapi_extra=request_body(ref("UserIn")),
    )
    async def create_user(request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        d = await read_object(request)
        issued = credentials.create_user(
            who.name, text(d, "username"), roles=_roles(d), institution=text(d, "institution") or None,
            reason=text(d, "reason"),
        )  # fmt: skip
        return _issued(issued, "initial_password")

    @router.get("/users", summary="Users (never their passwords or second factors)")
    def list_users(who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        return json_response(credentials.users())

    @router.put(
        "/users/{username}/roles",
        summary="Set a user's roles (not your own)",
        responses=answers(404),
        openapi_extra=request_body(ref("RolesIn")),
    )
    async def set_roles(username: str, request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        d = await read_object(request)
        return json_response(credentials.set_roles(who.name, username, _roles(d), reason=text(d, "reason")))

    @router.post(
        "/users/{username}:disable",
        summary="Disable a user: their sessions stop working",
        responses=answers(404),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def disable_user(username: str, request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        return json_response(
            credentials.disable_user(who.name, username, reason=text(await read_object(request), "reason"))
        )

    @router.post(
        "/users/{username}:enable",
        summary="Enable a disabled user",
        responses=answers(404),
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def enable_user(username: str, request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        reason = text(await read_object(request), "reason")
        return json_response(credentials.disable_user(who.name, username, reason=reason, disabled=False))

    @router.post(
        "/users/{username}:reset-password",
        summary="A new initial password (shown once); unlocks",
        responses=answers(404),
        status_code=201,
        openapi_extra=request_body(ref("ReasonIn")),
    )
    async def reset_password(username: str, request: Request, who: Principal = guard(P.ACCESS_ADMIN)) -> Response:
        reason = text(await read_object(request), "reason")
        return _issued(credentials.reset_password(who.name, username, reason=reason), "initial_password")

    return router
