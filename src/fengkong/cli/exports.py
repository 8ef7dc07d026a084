"""`fengkong exports request`: asking to export personal data. A second person approves it with
`fengkong changes approve`, and the export names the approval (`--approval`)."""

from __future__ import annotations

from typing import Annotated

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl, Reason
from fengkong.cli.session import acting, emit, platform
from fengkong.domain.access.roles import Permission
from fengkong.services.oversight import EXPORTS

app = typer.Typer(
    help="Exports of personal data: asked for, approved by a second person, made once.", no_args_is_help=True
)


@app.command("request")
def exports_request(
    what: Annotated[str, typer.Argument(help=f"One of {', '.join(EXPORTS)}.")],
    reason: Reason,
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Ask to export; prints the request a second person approves (`fengkong changes approve ID`)."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.EXPORTS_REQUEST)
        emit(p.oversight.request_export(actor=who.name, what=what, reason=reason).to_dict())
