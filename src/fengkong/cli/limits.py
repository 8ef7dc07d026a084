"""`fengkong limits`: customers' own limits and accounts' transfer agreements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl, Reason
from fengkong.cli.session import acting, emit, emit_all, platform, stores
from fengkong.domain.access.roles import Permission

app = typer.Typer(help="Customers' own limits and accounts' transfer agreements.", no_args_is_help=True)


def _set(
    kind: str,
    entity_id: str,
    values: Mapping[str, object] | None,
    credential: str,
    reason: str,
    data_dir: Path | None,
    database_url: str | None,
) -> None:
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.REFERENCE_WRITE)
        change = p.reference.set(kind, entity_id, values, actor=who.name, reason=reason)
    emit({"kind": kind, "id": entity_id, "record": change.record, "version": change.version})


@app.command("customer")
def limits_customer(
    customer_id: str,
    credential: Credential,
    reason: Reason,
    single: Annotated[Optional[str], typer.Option(help="Single-payment limit, yuan.")] = None,  # noqa: UP045
    daily: Annotated[Optional[str], typer.Option(help="Daily limit, yuan.")] = None,  # noqa: UP045
    remove: bool = False,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Set (or --remove) a customer's own single and daily limits."""
    values = None if remove else {k: v for k, v in {"single": single, "daily": daily}.items() if v is not None}
    _set("customer_limits", customer_id, values, credential, reason, data_dir, database_url)


@app.command("agreement")
def limits_agreement(
    account_id: str,
    credential: Credential,
    reason: Reason,
    to_account_amount: Annotated[Optional[str], typer.Option(help="Daily amount to other accounts, yuan.")] = None,  # noqa: UP045
    to_account_count: Annotated[Optional[int], typer.Option(help="Daily transfers to other accounts.")] = None,  # noqa: UP045
    to_bank_amount: Annotated[Optional[str], typer.Option(help="Daily amount to bank accounts, yuan.")] = None,  # noqa: UP045
    to_bank_count: Annotated[Optional[int], typer.Option(help="Daily transfers to bank accounts.")] = None,  # noqa: UP045
    remove: bool = False,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Set (or --remove) an account's transfer agreement (PBoC [2016] 261)."""
    given = {
        "to_account_daily_amount": to_account_amount,
        "to_account_daily_count": to_account_count,
        "to_bank_daily_amount": to_bank_amount,
        "to_bank_daily_count": to_bank_count,
    }
    values = None if remove else {k: v for k, v in given.items() if v is not None}
    _set("transfer_agreement", account_id, values, credential, reason, data_dir, database_url)


@app.command("show")
def limits_show(
    kind: Annotated[str, typer.Argument(help="customer_limits or transfer_agreement")],
    entity_id: str,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Show a record's change history."""
    with stores(data_dir, database_url) as opened:
        emit_all(
            [asdict(c) for c in opened.reference.history(kind, entity_id)], f"no {kind} was ever set for {entity_id}"
        )
