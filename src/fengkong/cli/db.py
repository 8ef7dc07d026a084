"""`fengkong db`: the schema and what the event log keeps besides decisions."""

from __future__ import annotations

from dataclasses import asdict

import typer

from fengkong.cli.options import DataDir, DbUrl, settings
from fengkong.cli.session import emit_all, stores

app = typer.Typer(help="Database schema and stored data.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Apply database migrations (Alembic) up to the newest."""
    config = settings(data_dir, database_url)
    with stores(data_dir, database_url):
        pass
    typer.echo(f"schema is up to date: {config.db_url}")


@app.command("rejected")
def db_rejected(limit: int = typer.Option(20, min=1), data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Show the most recent rejected events with their reasons."""
    with stores(data_dir, database_url) as opened:
        emit_all([asdict(r) for r in opened.events.rejected(limit)], "no rejected events")
