"""The `fengkong` command line (typer): demo, score, serve, simulate, rules, db."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from fengkong.config import Settings

app = typer.Typer(help="fengkong (风控): real-time payment risk control.", no_args_is_help=True, add_completion=False)
rules_app = typer.Typer(help="Rule files: check and inspect.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and stored data.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(db_app, name="db")
limits_app = typer.Typer(help="Customers' own limits and accounts' transfer agreements.", no_args_is_help=True)
accounts_app = typer.Typer(help="The account registry.", no_args_is_help=True)
app.add_typer(limits_app, name="limits")
app.add_typer(accounts_app, name="accounts")
Actor = Annotated[str, typer.Option("--actor", help="Who makes the change (kept in the history).")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the history).")]


def _set_reference(kind: str, entity_id: str, values: Mapping[str, object] | None, actor: str, reason: str,
                   data_dir: Path | None, database_url: str | None) -> None:
    from fengkong.bootstrap import build_engine
    from fengkong.domain.limits.reference import InvalidReference

    engine = build_engine(_settings(data_dir, database_url, None, None))
    try:
        change = engine.set_reference(kind, entity_id, values, actor, reason)
    except InvalidReference as exc:
        err.print(f"[red]{exc.field}: {exc.message}[/red]")
        raise typer.Exit(2) from None
    finally:
        engine.close()
    typer.echo(json.dumps({"kind": kind, "id": entity_id, "record": change.record, "version": change.version}, ensure_ascii=False))


@limits_app.command("customer")
def limits_customer(
    customer_id: str, actor: Actor, reason: Reason,
    single: Annotated[Optional[str], typer.Option(help="Single-payment limit, yuan.")] = None,
    daily: Annotated[Optional[str], typer.Option(help="Daily limit, yuan.")] = None,
    remove: bool = False, data_dir: DataDir = None, database_url: DbUrl = None,
) -> None:
    """Set (or --remove) a customer's own single and daily limits."""
    values = None if remove else {k: v for k, v in {"single": single, "daily": daily}.items() if v is not None}
    _set_reference("customer_limits", customer_id, values, actor, reason, data_dir, database_url)


@limits_app.command("agreement")
def limits_agreement(
    account_id: str, actor: Actor, reason: Reason,
    to_account_amount: Annotated[Optional[str], typer.Option(help="Daily amount to other accounts, yuan.")] = None,
    to_account_count: Annotated[Optional[int], typer.Option(help="Daily transfers to other accounts.")] = None,
    to_bank_amount: Annotated[Optional[str], typer.Option(help="Daily amount to bank accounts, yuan.")] = None,
    to_bank_count: Annotated[Optional[int], typer.Option(help="Daily transfers to bank accounts.")] = None,
    remove: bool = False, data_dir: DataDir = None, database_url: DbUrl = None,
) -> None:
    """Set (or --remove) an account's transfer agreement (PBoC [2016] 261)."""
    given = {"to_account_daily_amount": to_account_amount, "to_account_daily_count": to_account_count,
             "to_bank_daily_amount": to_bank_amount, "to_bank_daily_count": to_bank_count}
    values = None if remove else {k: v for k, v in given.items() if v is not None}
    _set_reference("transfer_agreement", account_id, values, actor, reason, data_dir, database_url)


@limits_app.command("show")
def limits_show(kind: str, entity_id: str, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Show a record (kind: customer_limits or transfer_agreement) and its change history."""
    from fengkong.adapters.storage.reference import SqlReferenceStore

    store = SqlReferenceStore(_settings(data_dir, database_url, None, None).db_url)
    try:
        for change in store.history(kind, entity_id):
            typer.echo(json.dumps(asdict(change), ensure_ascii=False))
    finally:
        store.close()


@accounts_app.command("import")
def accounts_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header: account_id, account_kind, account_class, institution_id, opened_at, ...")],
    errors: Annotated[Optional[Path], typer.Option(help="Write the per-row report (CSV) here.")] = None,
    data_dir: DataDir = None, database_url: DbUrl = None,
) -> None:
    """Register existing accounts; every row is reported as imported, flagged (with reasons) or error."""
    import csv as csv_module

    from fengkong.bootstrap import build_engine
    from fengkong.services.accounts_import import import_accounts, read_rows

    engine = build_engine(_settings(data_dir, database_url, None, None))
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            try:
                results = import_accounts(engine, read_rows(handle))
            except ValueError as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from None
    finally:
        engine.close()
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    if errors is not None:
        with open(errors, "w", encoding="utf-8", newline="") as handle:
            writer = csv_module.writer(handle)
            writer.writerow(["row", "account_id", "outcome", "field", "message"])
            for r in results:
                if r.outcome != "imported":
                    writer.writerow([r.row, r.account_id, r.outcome, r.field, r.message])
    else:
        for r in results:
            if r.outcome != "imported":
                err.print(f"row {r.row} ({r.account_id}): {r.outcome} {r.field}: {r.message}", highlight=False)
    typer.echo(json.dumps(counts))
err = Console(stderr=True)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Where the embedded database and keys live (FENGKONG_DATA_DIR).")]
DbUrl = Annotated[Optional[str], typer.Option("--database-url", help="SQLAlchemy URL, e.g. postgresql://host/db (FENGKONG_DATABASE_URL).")]
State = Annotated[Optional[str], typer.Option("--state", help="Feature state backend: memory or redis (FENGKONG_STATE).")]
Rules = Annotated[Optional[list[Path]], typer.Option("--rules", help="Rule file or directory (repeatable); default: built-in pack.")]


def _settings(data_dir: Path | None, database_url: str | None, state: str | None, rules: list[Path] | None) -> Settings:
    return Settings.from_env(
        data_dir=data_dir,
        database_url=database_url,
        state_backend=state,
        rule_paths=tuple(rules) if rules else None,
    )


@app.command()
def score(
    file: Annotated[Optional[Path], typer.Argument(help="JSON Lines file; stdin when omitted or '-'.")] = None,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
    state: State = None,
    rules: Rules = None,
    batch: Annotated[int, typer.Option(help="Largest group commit.")] = 1000,
    explain: Annotated[bool, typer.Option(help="Add a trace of feature values to each decision.")] = False,
) -> None:
    """Score JSON Lines events: one decision (or error) per line on stdout, in input order."""
    from fengkong.bootstrap import build_engine
    from fengkong.cli.stream import score_stream

    engine = build_engine(_settings(data_dir, database_url, state, rules))
    try:
        if file is None or str(file) == "-":
            counts = score_stream(engine, sys.stdin.fileno(), sys.stdout.buffer, batch, explain)
        else:
            with open(file, "rb") as handle:
                counts = score_stream(engine, handle.fileno(), sys.stdout.buffer, batch, explain)
    finally:
        engine.close()
    err.print(f"scored: {counts['decisions']} decisions ({counts['replayed']} replayed), {counts['errors']} errors")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
    state: State = None,
    rules: Rules = None,
    watch: Annotated[float, typer.Option(help="Seconds between rule file checks (0: off).")] = 2.0,
    log_level: str = "warning",
) -> None:
    """Serve the HTTP API (POST /v1/events, /v1/events:batch, /docs, /metrics, /health)."""
    import uvicorn

    from fengkong.adapters.metrics.prometheus import PrometheusObserver
    from fengkong.api.app import create_app
    from fengkong.bootstrap import build_platform

    observer = PrometheusObserver()
    platform = build_platform(_settings(data_dir, database_url, state, rules), observer)
    try:
        app_ = create_app(platform.engine, observer, watch, platform.controls, platform.sharing, platform.vault,
                          platform.registry)
        uvicorn.run(app_, host=host, port=port, log_level=log_level, access_log=False)
    finally:
        platform.close()


@rules_app.command("check")
def rules_check(
    paths: Annotated[list[Path], typer.Argument(help="Rule files or directories.")],
    policy: Annotated[Optional[Path], typer.Option(help="Policy file (default: the built-in policy).")] = None,
) -> None:
    """Load rule files and report every error with file, line and column."""
    from fengkong.domain.rules.errors import RuleSetError
    from fengkong.services.rules_admin import RuleRepository

    try:
        ruleset = RuleRepository(paths, policy_path=policy).active
    except RuleSetError as exc:
        for error in exc.errors:
            err.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from None
    modes: dict[str, int] = {}
    for rule in ruleset.rules:
        modes[rule.mode] = modes.get(rule.mode, 0) + 1
    summary = ", ".join(f"{n} {m}" for m, n in sorted(modes.items()))
    typer.echo(f"ok: {len(ruleset.rules)} rules ({summary}), {len(ruleset.features)} features, "
               f"version {ruleset.version}, policy {ruleset.policy_version}")


@rules_app.command("list")
def rules_list(rules: Rules = None) -> None:
    """List the rules of the active rule files."""
    from fengkong.services.rules_admin import RuleRepository

    for rule in RuleRepository(list(rules) if rules else None).active.rules:
        typer.echo(f"{rule.id:36} {rule.mode:8} {rule.outcome.value:16} {rule.reason_code:30} {rule.description_en}")


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Apply database migrations (Alembic) up to the newest."""
    from fengkong.adapters.storage.sql import SqlEventLog

    settings = _settings(data_dir, database_url, None, None)
    if settings.db_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    SqlEventLog(settings.db_url).close()
    typer.echo(f"schema is up to date: {settings.db_url}")


@db_app.command("rejected")
def db_rejected(limit: int = 20, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Show the most recent rejected events with their reasons."""
    from fengkong.adapters.storage.sql import SqlEventLog

    log = SqlEventLog(_settings(data_dir, database_url, None, None).db_url)
    for record in log.rejected(limit):
        typer.echo(json.dumps(asdict(record), ensure_ascii=False))
    log.close()


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the events (JSON Lines).")] = Path("events.jsonl"),
    labels: Annotated[Optional[Path], typer.Option(help="Also write ground-truth labels (JSON Lines).")] = None,
    customers: int = 2000,
    days: int = 30,
    seed: int = 7,
) -> None:
    """Write a synthetic, contract-conformant event stream with labelled fraud scenarios."""
    from fengkong import jsonio
    from fengkong.simulate.world import stream

    world, events = stream(customers, days, seed, progress=True)
    count = 0
    with open(out, "wb") as handle:
        for item in events:
            handle.write(jsonio.dumps(item) + b"\n")
            count += 1
    if labels is not None:
        with open(labels, "wb") as handle:
            for event_id, scenario in world.labels.items():
                handle.write(jsonio.dumps({"event_id": event_id, "scenario": scenario}) + b"\n")
    err.print(f"wrote {count:,} events ({len(world.labels):,} labelled attack events) to {out}")


@app.command()
def demo(
    customers: int = 3000,
    days: int = 30,
    seed: int = 7,
    data_dir: Annotated[Path, typer.Option(help="Where the demo database is written (replaced).")] = Path("fengkong-demo"),
) -> None:
    """Simulate a month of traffic, score it on the embedded default and print a risk report."""
    from fengkong.cli.demo import run_demo

    run_demo(customers=customers, days=days, seed=seed, data_dir=data_dir)


def main() -> None:
    from fengkong.cli import controls

    controls.register(app)
    app()


if __name__ == "__main__":
    main()
