"""The `fengkong` command line (typer), one module per noun. Whatever goes wrong, the person at
the terminal gets a message saying what and where, never a traceback (FENGKONG_DEBUG=1 shows it)."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from fengkong import __version__
from fengkong.cli import (
    access,
    accounts,
    audit,
    db,
    demo,
    events,
    exports,
    holds,
    limits,
    lists,
    monitor,
    orders,
    registry,
    rules,
    serve,
    sharing,
    vault,
)
from fengkong.cli.session import err
from fengkong.config import debug_requested
from fengkong.domain.errors import FengkongError, InputError, Unavailable
from fengkong.domain.rules.errors import RuleSetError

app = typer.Typer(
    help="fengkong (风控): real-time payment risk control.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"fengkong {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,  # noqa: UP045
            help="Print the version and exit.",
        ),
    ] = None,
) -> None:
    """fengkong (风控): real-time payment risk control."""


app.command()(demo.demo)
events.register(app)
serve.register(app)
orders.register(app)
for sub, name in (
    (rules.app, "rules"),
    (db.app, "db"),
    (limits.app, "limits"),
    (accounts.app, "accounts"),
    (lists.app, "lists"),
    (lists.changes, "changes"),
    (audit.app, "audit"),
    (sharing.app, "sharing"),
    (vault.app, "vault"),
    (vault.password, "password"),
    (monitor.app, "monitor"),
    (registry.app, "registry"),
    (holds.app, "holds"),
    (access.keys, "keys"),
    (access.users, "users"),
    (exports.app, "exports"),
):
    app.add_typer(sub, name=name)


def _say(message: str) -> None:
    err.print(f"error: {message}", style="red", markup=False)


def main() -> None:
    """Run a command; turn every failure into a message and an exit code (2: bad input,
    3: a server is down, 1: anything else)."""
    try:
        app()
    except InputError as exc:
        _say(f"{exc.field}: {exc.message}")
        sys.exit(2)
    except Unavailable as exc:
        _say(f"{exc} (is it running? see docs/operations.md)")
        sys.exit(3)
    except RuleSetError as exc:
        for error in exc.errors:
            _say(str(error))
        sys.exit(1)
    except FengkongError as exc:
        _say(str(exc))
        sys.exit(2)
    except OSError as exc:
        _say(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        if debug_requested():
            raise
        detail = (str(exc).strip().splitlines() or [""])[0][:300]
        _say(f"{type(exc).__name__}: {detail} (FENGKONG_DEBUG=1 shows the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    main()
