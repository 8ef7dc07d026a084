"""`fengkong audit`: the hash-chained audit log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl
from fengkong.cli.session import acting, emit, emit_all, note, platform, stores
from fengkong.domain.access.roles import Permission

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


@app.command("access-report")
def audit_access_report(
    since: Annotated[str, typer.Option(help="From (ISO-8601 with offset), e.g. 2026-06-01T00:00:00+08:00.")],
    until: Annotated[str, typer.Option(help="Until (ISO-8601 with offset), not included.")],
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Who saw or exported sensitive data, when, under which role and approval (for the internal
    audit held at least twice a year, 001 §1.8-1③). Making it is recorded too."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.AUDIT_READ)
        report = p.oversight.access_report(actor=who.name, since=since, until=until)
    emit(report)
    if report["previous_report_overdue"]:
        note(f"the previous access report was made {report['previous_report_at'] or 'never'}: {report['schedule']}")
