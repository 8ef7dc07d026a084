"""What every command does around its work: open the platform (and close it), print JSON
answers on stdout and notes on stderr, and stop with a clear message."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from fengkong.cli.options import settings
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission
from fengkong.domain.errors import InputError, NotPermitted
from fengkong.services.platform import Platform

if TYPE_CHECKING:
    from fengkong.bootstrap import Stores

err = Console(stderr=True, highlight=False, soft_wrap=True)  # messages are never cut into lines


@contextmanager
def platform(
    data_dir: Path | None = None,
    database_url: str | None = None,
    state: str | None = None,
    rules: list[Path] | None = None,
    *,
    decide: bool = False,
) -> Iterator[Platform]:
    """The platform; with `decide`, feature state is recovered before the command starts."""
    from fengkong.bootstrap import build_platform

    with build_platform(settings(data_dir, database_url, state, rules), open_engine=decide) as opened:
        yield opened


@contextmanager
def stores(
    data_dir: Path | None = None, database_url: str | None = None, *, accounts_in_clear: bool = False
) -> Iterator[Stores]:
    """The stores alone (migrated), for commands that only read what is stored: no replay."""
    from fengkong.bootstrap import build_stores

    opened = build_stores(settings(data_dir, database_url), accounts_in_clear=accounts_in_clear)
    try:
        yield opened
    finally:
        opened.close()


def acting(p: Platform, credential: str, permission: Permission) -> Principal:
    """The holder of a credential, who must have the permission: the actor of a command that acts
    on the business (the same check as over HTTP, so a name cannot be typed in)."""
    if not credential:
        raise InputError("--credential", "give your session token or API key (or set FENGKONG_CREDENTIAL)")
    who = p.access.authenticate(credential)
    if not who.can(permission):
        raise NotPermitted("--credential", f"its holder lacks the permission {permission.value}")
    return who


def operator() -> str:
    """The person at the server's terminal, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:(unknown)"


def emit(value: Any) -> None:
    """One JSON document on stdout."""
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


def note(message: str) -> None:
    """A line for the person at the terminal (stderr: stdout stays machine-readable)."""
    err.print(message, markup=False)


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(message, style="red", markup=False)
    raise typer.Exit(code)


def emit_all(values: list[Any], empty: str) -> None:
    """One JSON document per line, or a note that there is nothing."""
    for value in values:
        emit(value)
    if not values:
        note(empty)
