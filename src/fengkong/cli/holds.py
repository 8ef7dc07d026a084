"""`fengkong holds`: payments held for review (or waiting for a challenge result), and an
analyst's release or decline. Both move money: they are recorded in the event log and audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Optional

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl, Reason, Rules, State
from fengkong.cli.session import acting, emit, emit_all, fail, platform
from fengkong.domain.access.roles import Permission

app = typer.Typer(help="Held payments: list, release, decline.", no_args_is_help=True)
At = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--at", help="When the analyst decided, ISO-8601 with offset (default: now)."),
]


def _moment(at: str | None) -> datetime | None:
    if not at:
        return None
    try:
        return datetime.fromisoformat(at)
    except ValueError:
        fail(f"--at: {at!r} is not an ISO-8601 time")


@app.command("list")
def holds_list(
    data_dir: DataDir = None,
    database_url: DbUrl = None,
    state: State = None,
    rules: Rules = None,
) -> None:
    """Held payments still waiting, soonest deadline first."""
    with platform(data_dir, database_url, state, rules, decide=True) as p:
        emit_all([h.to_dict() for h in p.holds.open()], "no payment is held")


@app.command("show")
def holds_show(
    event_id: str,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
    state: State = None,
    rules: Rules = None,
) -> None:
    """One held payment: how it was held and where it stands."""
    with platform(data_dir, database_url, state, rules, decide=True) as p:
        emit(p.holds.get(event_id).to_dict())


def _resolution(release: bool, doc: str) -> Callable[..., None]:
    """`holds release` and `holds decline`: the same command, moving money one way or the other."""

    def command(
        event_id: str,
        credential: Credential,
        reason: Reason,
        at: At = None,
        data_dir: DataDir = None,
        database_url: DbUrl = None,
        state: State = None,
        rules: Rules = None,
    ) -> None:
        with platform(data_dir, database_url, state, rules, decide=True) as p:
            who = acting(p, credential, Permission.HOLDS_WORK)
            act = p.holds.release if release else p.holds.decline
            emit(act(event_id, actor=who.name, reason=reason, at=_moment(at)).to_dict())

    command.__doc__ = doc
    return command


app.command("release")(
    _resolution(True, "Release a payment held for review: it goes through, and what it reserved is spent.")
)
app.command("decline")(
    _resolution(False, "Decline a payment held for review: it is refused, and what it reserved is given back.")
)
