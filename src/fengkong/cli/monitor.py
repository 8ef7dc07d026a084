"""`fengkong monitor`: batch monitoring - cash-out, common point of compromise, the register."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fengkong.cli.options import Approval, Credential, DataDir, DbUrl, settings
from fengkong.cli.session import acting, emit, err, note, platform
from fengkong.domain.access.roles import Permission

if TYPE_CHECKING:
    from fengkong.batch.monitoring import Monitoring

app = typer.Typer(help="Batch monitoring: cash-out, common point of compromise, risk register.", no_args_is_help=True)


@contextmanager
def exported(data_dir: Path | None, database_url: str | None) -> Iterator[Monitoring]:
    """The batch monitoring of the platform, after exporting the events stored since last time."""
    from rich.progress import Progress

    from fengkong.bootstrap import build_monitoring

    with platform(data_dir, database_url) as p:
        monitoring = build_monitoring(p, settings(data_dir, database_url))
        with Progress(transient=True, console=err) as bar:
            task = bar.add_task("exporting stored events for analytics", total=None)
            count = monitoring.refresh(lambda done, total: bar.update(task, completed=done, total=total))
        note(f"exported {count:,} new events to {monitoring.parquet_dir}")
        yield monitoring


def _acting(data_dir: Path | None, database_url: str | None, credential: str) -> str:
    """Who applies a scan's outcome to the lists: the holder of a credential that may write them."""
    with platform(data_dir, database_url) as p:
        return acting(p, credential, Permission.LISTS_WRITE).name


@app.command("merchants")
def monitor_merchants(
    window_days: Annotated[int, typer.Option(min=1)] = 30,
    top: Annotated[int, typer.Option(min=1)] = 20,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Merchants against their peers (same type and city; new merchants included): ticket, daily
    amount and count, abnormal-hours and round-amount shares, jumps against their own history,
    and settlement-account money that left within a day of arriving (003 §3.2.5)."""
    with exported(data_dir, database_url) as monitoring:
        findings = monitoring.peers(window_days)
    emit([f.to_dict() for f in findings[:top]])
    note(f"{len(findings)} merchants deviate from their peers or their own history")


@app.command("cashout")
def monitor_cashout(
    window_days: Annotated[int, typer.Option(min=1)] = 30,
    top: Annotated[int, typer.Option(min=1)] = 10,
    apply: Annotated[bool, typer.Option(help="Apply the graded dispositions (level >= --min-level).")] = False,
    min_level: Annotated[int, typer.Option(min=1, max=5)] = 2,
    credential: Annotated[
        str, typer.Option(envvar="FENGKONG_CREDENTIAL", help="With --apply: the key or session that applies them.")
    ] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Score merchants and credit cardholders for cash-out; print the top of each list. With --apply
    the dispositions are set by the holder of --credential (a scheduled job has its own API key),
    except credit-limit reductions and account controls: those wait for a second person; the register of 003 is an export: `fengkong monitor register --approval N`."""
    from rich.table import Table

    actor = _acting(data_dir, database_url, credential) if apply else ""
    with exported(data_dir, database_url) as monitoring:
        if not any(monitoring.parquet_dir.glob("events-*.parquet")):
            note("no stored events to scan")
            return
        result, applied = monitoring.cashout(window_days, apply=apply, actor=actor, min_level=min_level)
        proposed = monitoring.proposed
    console = Console()
    for title, findings in (("Merchants 商户", result.merchants), ("Cardholders 持卡人", result.cardholders)):
        table = Table(title=f"{title}: cash-out risk 套现风险")
        for col in ("id", "score", "level", "disposition", "indicators", "re-check"):
            table.add_column(col)
        for f in findings[:top]:
            table.add_row(
                f.entity_id,
                f"{f.score:.2f}",
                str(f.level),
                f.disposition or "-",
                ", ".join(f.drivers),
                "yes" if f.recheck else "",
            )
        console.print(table)
    if apply:
        note(f"dispositions applied: {applied}")
        if proposed:
            note(
                f"credit-limit reductions and account controls waiting for a second person: {proposed} "
                "(`fengkong changes list`, then `fengkong changes approve ID --credential ...`)"
            )


@app.command("compromise")
def monitor_compromise(
    days: Annotated[int, typer.Option(min=1)] = 30,
    flag: bool = False,
    top: Annotated[int, typer.Option(min=1)] = 10,
    credential: Annotated[
        str, typer.Option(envvar="FENGKONG_CREDENTIAL", help="With --flag: the key or session that lists them.")
    ] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Rank terminals where later counterfeit/stolen cards were used; --flag lists the likely
    skimmers, as the holder of --credential."""
    actor = _acting(data_dir, database_url, credential) if flag else ""
    with exported(data_dir, database_url) as monitoring:
        victims, points = monitoring.compromise(days, flag=flag, actor=actor)
    emit({"victim_cards": victims, "terminals": [pt.to_dict() for pt in points[:top]]})
    if not victims:
        note("no card confirmed counterfeit or stolen yet (feedback events): nothing to trace back")


@app.command("register")
def monitor_register(
    output: Annotated[Path, typer.Option("--output", "-o", help=".csv or .xlsx")],
    approval: Approval,
    credential: Credential,
    window_days: Annotated[int, typer.Option(min=1)] = 30,
    min_level: Annotated[int, typer.Option(min=1, max=5)] = 3,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Write the cash-out risk event register (003 format) as CSV or XLSX: an export, made under an
    approved export request, once, and recorded with its approver."""
    with platform(data_dir, database_url) as p:  # refused before anything is written
        who = acting(p, credential, Permission.EVENTS_READ)
        approved = p.oversight.approval(actor=who.name, what="cashout_register", request_id=approval)
    with exported(data_dir, database_url) as monitoring:
        result, _ = monitoring.cashout(window_days)
        rows = monitoring.register(result, output, min_level)
    with platform(data_dir, database_url) as p:
        p.oversight.record_export(actor=who.name, rows=rows, approval=approved, roles=tuple(sorted(who.roles)))
    emit({"merchants": rows, "file": str(output)})
