"""`fengkong audit`: the hash-chained audit log."""

from __future__ import annotations

from dataclasses import asdict

import typer

from fengkong.cli.options import DataDir, DbUrl
from fengkong.cli.session import emit, emit_all, stores

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def audit_verify(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Recompute the hash chain; exit 1 and name the first bad row if it was tampered with."""
    with stores(data_dir, database_url) as opened:
        check = opened.audit.verify()
    emit(asdict(check))
    if not check.ok:
        raise typer.Exit(1)


@app.command("list")
def audit_list(
    after: int = typer.Option(0, min=0),
    limit: int = typer.Option(50, min=1),
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Audit rows after a position."""
    with stores(data_dir, database_url) as opened:
        emit_all([r.to_dict() for r in opened.audit.records(after, limit)], f"no audit rows after {after}")
