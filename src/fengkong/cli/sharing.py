"""`fengkong sharing`: reciprocal risk-information sharing."""

from __future__ import annotations

import typer

from fengkong.cli.options import Actor, DataDir, DbUrl
from fengkong.cli.session import emit, platform

app = typer.Typer(help="Reciprocal risk-information sharing.", no_args_is_help=True)


@app.command("report")
def sharing_report(
    institution_id: str,
    subject_type: str,
    value: str,
    risk_type: str,
    actor: Actor,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Report a risk event (the value leaves only as a consortium-keyed hash)."""
    with platform(data_dir, database_url) as p:
        p.sharing.report(institution_id, subject_type, value, risk_type, actor)
    emit({"reported": True})


@app.command("query")
def sharing_query(
    institution_id: str,
    subject_type: str,
    value: str,
    actor: Actor,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Ask about a subject; allowed only to institutions that have reported."""
    with platform(data_dir, database_url) as p:
        emit(p.sharing.query(institution_id, subject_type, value, actor))
