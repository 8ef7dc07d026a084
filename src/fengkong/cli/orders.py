"""`fengkong stop`, `freeze`, `trace` and `penalty`: orders on accounts and fund tracing."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import Approval, Credential, DataDir, DbUrl, Reason
from fengkong.cli.session import acting, emit, emit_all, fail, note, platform
from fengkong.domain.access.roles import Permission

penalty = typer.Typer(help="Penalties for rented, lent or sold accounts.", no_args_is_help=True)
Case = Annotated[str, typer.Option("--case", help="Case number.")]
Authority = Annotated[str, typer.Option(help="Requesting authority.")]


def stop(
    account_id: str,
    credential: Credential,
    reason: Reason,
    case: Case,
    authority: Authority,
    expires: Annotated[
        Optional[str], typer.Option(help="ISO-8601 time with offset; default: the policy's duration.")
    ] = None,  # noqa: UP045
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Emergency stop-payment on an account."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.ORDERS_WRITE)
        emit(
            p.orders.stop_payment(
                account_id, case_number=case, authority=authority, reason=reason, actor=who.name, expires_at=expires
            ).to_dict()
        )


def freeze(
    account_id: str,
    amount: str,
    credential: Credential,
    reason: Reason,
    case: Case,
    authority: Authority,
    expires: Annotated[str, typer.Option(help="ISO-8601 time with offset.")],
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Quick freeze: hold AMOUNT on the account until --expires."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.ORDERS_WRITE)
        emit(
            p.orders.freeze(
                account_id,
                amount,
                case_number=case,
                authority=authority,
                reason=reason,
                actor=who.name,
                expires_at=expires,
            ).to_dict()
        )


@penalty.command("rented")
def penalty_rented(
    account_id: str,
    owner_id_number: str,
    credential: Credential,
    reason: Reason,
    evidence: Annotated[str, typer.Option()],
    source: Annotated[str, typer.Option()],
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Confirm an account as rented, lent or sold: listing plus the policy's penalties."""
    with platform(data_dir, database_url) as p:
        emit(
            [
                e.to_dict()
                for e in p.orders.confirm_rented_account(
                    account_id,
                    owner_id_number,
                    actor=acting(p, credential, Permission.ORDERS_WRITE).name,
                    reason=reason,
                    evidence=evidence,
                    source=source,
                )
            ]
        )


@penalty.command("report")
def penalty_report(
    approval: Approval,
    credential: Credential,
    identities: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            help="The bank's own identity numbers (one per line, or the first CSV column): matching rows "
            "carry the number in clear. Read only; fengkong keeps no number in clear."
        ),
    ] = None,
    out: Annotated[Optional[Path], typer.Option(help="Write CSV here (default: JSON lines on stdout).")] = None,  # noqa: UP045
    at: Annotated[Optional[str], typer.Option(help="Penalties in force at this time (default: now).")] = None,  # noqa: UP045
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Penalised persons for the financial credit information database (001 §1.4). An export of
    personal data: made under an approved export request, once, and recorded in the audit log."""
    numbers: list[str] = []
    if identities is not None:
        with open(identities, encoding="utf-8") as handle:
            numbers = [row[0] for row in csv.reader(handle) if row and row[0].strip()]
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.ORDERS_READ)
        approved = p.oversight.approval(actor=who.name, what="penalty_report", request_id=approval)
        rows = p.lists.penalised_persons(at, numbers)
        p.oversight.record_export(actor=who.name, rows=len(rows), approval=approved, roles=tuple(sorted(who.roles)))
    if out is None:
        emit_all(rows, "no penalty in force")
        return
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    note(f"{len(rows)} penalties written to {out}")


REPORT_COLUMNS = [
    "penalty",
    "id_number",
    "id_number_masked",
    "id_number_hash",
    "starts_at",
    "expires_at",
    "reason",
    "evidence",
    "source",
    "added_by",
    "case_number",
    "authority",
]


def trace(
    event_id: str,
    window_hours: Annotated[float, typer.Option(min=0)] = 72,
    max_hops: Annotated[int, typer.Option(min=1)] = 6,
    do_stop: Annotated[
        bool, typer.Option("--stop", help="Also stop-payment every account still holding money.")
    ] = False,
    case: Annotated[str, typer.Option("--case")] = "",
    authority: str = "",
    reason: str = "",
    credential: Credential = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Follow a transfer's money; with --stop, stop-payment on every account still holding some
    (which needs --credential of someone who may order stop-payments)."""
    with platform(data_dir, database_url) as p:
        if do_stop:
            result, stops = p.orders.trace_and_stop(
                event_id,
                case_number=case,
                authority=authority,
                actor=acting(p, credential, Permission.ORDERS_WRITE).name,
                reason=reason,
                window_hours=window_hours,
                max_hops=max_hops,
            )
            emit({"trace": result.to_dict(), "stop_payments": [e.to_dict() for e in stops]})
        else:
            emit(p.orders.trace(event_id, window_hours, max_hops).to_dict())


def request(
    file: Annotated[Path, typer.Argument(help="The request message (JSON); '-' for standard input.")],
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Carry out a stop-payment, freeze or quick query requested by electronic message (police,
    banks): the answer message on stdout."""
    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        message = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"the request is not JSON: {exc.msg} at line {exc.lineno}")
    with platform(data_dir, database_url) as p:
        emit(p.requests.handle(message, received_by=acting(p, credential, Permission.REQUESTS_SUBMIT).name))


def register(app: typer.Typer) -> None:
    app.command("request")(request)
    app.command("stop")(stop)
    app.command("freeze")(freeze)
    app.command("trace")(trace)
    app.add_typer(penalty, name="penalty")
