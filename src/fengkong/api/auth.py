"""Authentication and permissions for the routes (contract v1.1, "Calling over HTTP").

Every operation but liveness, readiness, metrics, login and the docs asks for one permission:
`who: Principal = guard(Permission.X)` in its signature. No credential, or an unknown one, is
answered 401 with `WWW-Authenticate: Bearer`; a known one without the permission 403. The
principal is the actor of whatever the route does: no body field names who acted.

The check is one FastAPI security dependency (an HTTPBearer, so the OpenAPI description says
every such operation takes a bearer token) that reads the header straight from the ASGI scope:
about 20 µs a request, the credential itself a dictionary lookup once it has been verified.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission
from fengkong.domain.errors import NotPermitted
from fengkong.services.access import AccessService

DESCRIPTION = "An API key (`fk_…`), a session token from `POST /v1/sessions` (`fks_…`) or an OIDC access token."


def bearer_credential(scope: Any) -> str | None:
    """The credential of `Authorization: Bearer <credential>`, or None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1")
            return text[7:].strip() or None if text[:7].lower() == "bearer " else None
    return None


class _Check(HTTPBearer):
    """Authenticates the caller and, when given, checks one permission."""

    def __init__(self, access: AccessService, permission: Permission | None):
        super().__init__(auto_error=False, scheme_name="bearer", description=DESCRIPTION)
        self.access = access
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        who = self.access.authenticate(bearer_credential(request.scope))
        if self.permission is not None and not who.can(self.permission):
            if who.must_change_password:
                raise NotPermitted("(authorization)", "change the initial password first: POST /v1/me/password")
            raise NotPermitted("(authorization)", f"needs the permission {self.permission.value}")
        return who


class Guard:
    """Makes the per-route dependency: `guard(permission)`, or `guard.authenticated()` for what
    any known caller may do with their own account."""

    def __init__(self, access: AccessService):
        self.access = access

    def __call__(self, permission: Permission) -> Any:
        return Depends(_Check(self.access, permission))

    def authenticated(self) -> Any:
        return Depends(_Check(self.access, None))
