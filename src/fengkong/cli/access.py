"""`fengkong keys` and `fengkong users`: credentials made on the server itself, by whoever can
open its database — which is how the first administrator comes to exist. What is done here is
audited under `cli:<login name>`. A secret is printed once, on stdout, and never again."""

from __future__ import annotations

from typing import Annotated

import typer

from fengkong.cli.options import DataDir, DbUrl, Reason
from fengkong.cli.session import emit, emit_all, note, operator, platform
from fengkong.domain.access.roles import ROLES
from fengkong.services.access import Issued

keys = typer.Typer(help="API keys of institution systems: create, list, rotate, revoke.", no_args_is_help=True)
users = typer.Typer(help="People who log in: create, list, reset a password, disable.", no_args_is_help=True)
RoleList = Annotated[list[str], typer.Option("--role", help=f"Repeatable: {', '.join(ROLES)}.")]
Institution = Annotated[str, typer.Option(help="The institution the credential acts for (default: this one).")]


def _shown(issued: Issued, name: str, warning: str) -> None:
    emit({**issued.record, name: issued.secret})
    note(warning)


@keys.command("create")
def keys_create(
    label: Annotated[str, typer.Option(help="What the key is for, e.g. core-banking.")],
    role: RoleList,
    institution: Institution = "",
    days: Annotated[int, typer.Option(min=1, max=730, help="Days until it expires.")] = 365,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """A new API key, printed once: send it as `Authorization: Bearer <key>`."""
    with platform(data_dir, database_url) as p:
        issued = p.credentials.create_key(
            operator(), label=label, institution=institution or p.credentials.home_institution, roles=role, days=days
        )
        _shown(issued, "api_key", "Keep the api_key now: only its keyed hash is stored, it cannot be shown again.")


@keys.command("list")
def keys_list(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Every API key, never its secret."""
    with platform(data_dir, database_url) as p:
        emit_all(p.credentials.keys(), "no API key exists")


@keys.command("rotate")
def keys_rotate(
    key_id: str,
    overlap_hours: Annotated[float, typer.Option(min=0, max=168, help="How long the old key keeps working.")] = 24,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """A new key for the same client; the old one stops after the overlap."""
    with platform(data_dir, database_url) as p:
        _shown(
            p.credentials.rotate_key(operator(), key_id, overlap_hours=overlap_hours),
            "api_key",
            "Keep the new api_key now.",
        )


@keys.command("revoke")
def keys_revoke(key_id: str, reason: Reason, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Revoke a key at once."""
    with platform(data_dir, database_url) as p:
        emit(p.credentials.revoke_key(operator(), key_id, reason=reason))


@users.command("create")
def users_create(
    username: str,
    role: RoleList,
    institution: Institution = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """A person who logs in (POST /v1/sessions); the initial password is printed once and must be
    changed at the first login."""
    with platform(data_dir, database_url) as p:
        issued = p.credentials.create_user(operator(), username, roles=role, institution=institution or None)
        _shown(
            issued, "initial_password", "Give the initial password to the user in person; it must be changed at login."
        )


@users.command("list")
def users_list(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Every user, never a password or second factor."""
    with platform(data_dir, database_url) as p:
        emit_all(p.credentials.users(), "no user exists")


@users.command("reset-password")
def users_reset(username: str, reason: Reason, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """A new initial password (printed once); the lock after failed logins is lifted."""
    with platform(data_dir, database_url) as p:
        _shown(
            p.credentials.reset_password(operator(), username, reason=reason),
            "initial_password",
            "It must be changed at login.",
        )


@users.command("disable")
def users_disable(username: str, reason: Reason, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Disable a user: their sessions stop working within a second."""
    with platform(data_dir, database_url) as p:
        emit(p.credentials.disable_user(operator(), username, reason=reason))
