"""`fengkong sharing`: reciprocal risk-information sharing."""

from __future__ import annotations

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl
from fengkong.cli.session import acting, emit, platform
from fengkong.domain.access.roles import Permission

app = typer.Typer(help="Reciprocal risk-information sharing.", no_args_is_help=True)


@app.command("report")
def sharing_report(
    subject_type: str,
    value: str,
    risk_type: str,
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Report a risk event (the value leaves only as a consortium-keyed hash)."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.SHARING_USE)  # reports as the credential's institution
        p.sharing.report(who.institution, subject_type, value, risk_type, who.name)
    emit({"reported": True})


@app.command("query")
def sharing_query(
    subject_type: str,
    value: str,
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Ask about a subject; allowed only to institutions that have reported."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.SHARING_USE)  # asks as the credential's institution
        emit(p.sharing.query(who.institution, subject_type, value, who.name))
