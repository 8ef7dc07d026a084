"""`fengkong db`: the schema and what the event log keeps besides decisions."""

from __future__ import annotations

from dataclasses import asdict

import typer

from fengkong.cli.options import DataDir, DbUrl, settings
from fengkong.cli.session import emit, emit_all, note, operator, stores

app = typer.Typer(help="Database schema and stored data.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Apply database migrations (Alembic) up to the newest."""
    config = settings(data_dir, database_url)
    with stores(data_dir, database_url, accounts_in_clear=True) as opened:
        protected = opened.accounts is None or opened.accounts.protected()
    typer.echo(f"schema is up to date: {config.db_url}")
    if not protected:
        note("account numbers are still kept in clear: run `fengkong db protect-accounts` (every process stopped)")


@app.command("protect-accounts")
def db_protect_accounts(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Turn the account numbers a database from before account references keeps in clear into
    references sealed in the vault, in one transaction. Stop every fengkong process on the
    database first; feature state is rebuilt from the log at their next start."""
    from fengkong.bootstrap import protect_account_numbers

    shown: set[str] = set()

    def progress(table: str, _rows: int) -> None:
        if table not in shown:
            shown.add(table)
            typer.echo(f"protecting {table}", err=True)

    emit(protect_account_numbers(settings(data_dir, database_url), actor=operator(), progress=progress))


@app.command("rejected")
def db_rejected(limit: int = typer.Option(20, min=1), data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Show the most recent rejected events with their reasons."""
    with stores(data_dir, database_url) as opened:
        emit_all([asdict(r) for r in opened.events.rejected(limit)], "no rejected events")
