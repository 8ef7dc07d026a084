"""Credentials for tests of the HTTP API: every call needs one (contract v1.1)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from fengkong.api.app import create_app
from fengkong.domain.access.principal import Principal
from fengkong.services.platform import Platform

# Every business duty but the two that must be held alone (admin, auditor).
OPERATOR_ROLES = ("client", "analyst", "supervisor", "list_manager", "secops")


def bearer(platform: Platform, *roles: str, institution: str = "home", label: str = "tests") -> dict[str, str]:
    """The Authorization header of a new API key with these roles (default: OPERATOR_ROLES)."""
    issued = platform.credentials.create_key(
        "tests", label=label, institution=institution, roles=roles or OPERATOR_ROLES, days=30
    )
    return {"Authorization": f"Bearer {issued.secret}"}


def api_client(platform: Platform, *roles: str, institution: str = "home") -> TestClient:
    """A TestClient whose every request carries a key with these roles (enter it with `with`)."""
    return TestClient(create_app(platform), headers=bearer(platform, *roles, institution=institution))


def person(name: str, *roles: str, institution: str = "home") -> Principal:
    """An authenticated principal, as the API hands it to a service after checking a credential."""
    return Principal(name, "user", frozenset(roles), institution)


def cli_key(data_dir: str | Path, *roles: str) -> str:
    """An API key made in an embedded data directory, for `--credential` of a command."""
    import fengkong

    with fengkong.embedded(data_dir) as platform:
        return platform.credentials.create_key("tests", label="cli", institution="home", roles=roles, days=1).secret
