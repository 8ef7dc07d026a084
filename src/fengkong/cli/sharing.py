"""`fengkong sharing`: reciprocal risk-information sharing, here and with the hub."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl
from fengkong.cli.session import acting, emit, emit_all, platform
from fengkong.domain.access.roles import Permission

app = typer.Typer(help="Reciprocal risk-information sharing.", no_args_is_help=True)


@app.command("report")
def sharing_report(
    subject_type: str,
    value: str,
    risk_type: str,
    credential: Credential,
    amount_fen: Annotated[Optional[int], typer.Option(min=0, help="Cash-out: the amount, in fen.")] = None,  # noqa: UP045
    cards: Annotated[Optional[int], typer.Option(min=0, help="Cash-out: the number of cards.")] = None,  # noqa: UP045
    consent: Annotated[
        bool, typer.Option(help="Others may learn that this institution reported (never without: 003 §4.1.2).")
    ] = False,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Report a risk event (the value leaves only as a consortium-keyed hash). This institution's
    reports are signed and, with a hub configured, sent to it - or kept waiting if it is down."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.SHARING_USE)  # reports as the credential's institution
        done = p.sharing.report(
            who.institution,
            subject_type,
            value,
            risk_type,
            who.name,
            amount_fen=amount_fen,
            card_count=cards,
            consent_to_disclose=consent,
        )
        sent = done["queued"] and done["report_id"] in p.sharing_exchange.flush()["sent"]
    emit({**done, "sent": sent})


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


@app.command("send")
def sharing_send(credential: Credential, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Send the signed reports waiting for the hub (`serve` does it every FENGKONG_SHARING_SYNC_S)."""
    with platform(data_dir, database_url) as p:
        acting(p, credential, Permission.SHARING_USE)
        emit(p.sharing_exchange.flush())


@app.command("sync")
def sharing_sync(credential: Credential, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Send what waits, then pull the reports the hub lets this institution see into the local
    ledger, where decisions read them (the hub applies reciprocity: report first)."""
    with platform(data_dir, database_url) as p:
        acting(p, credential, Permission.SHARING_USE)
        sent = p.sharing_exchange.flush()
        emit({"send": sent, "pull": p.sharing_exchange.sync()})


@app.command("outbox")
def sharing_outbox(
    credential: Credential,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """The most recent reports sent to the hub or waiting, with their state and last error."""
    with platform(data_dir, database_url) as p:
        acting(p, credential, Permission.SHARING_USE)
        emit_all(p.sharing_exchange.outbox(limit), "nothing was sent to a hub")
