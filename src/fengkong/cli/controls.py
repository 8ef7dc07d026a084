"""CLI for lists, maker-checker, stop-payment and freeze, penalties, tracing, audit, sharing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from fengkong.bootstrap import Platform, build_platform
from fengkong.config import Settings
from fengkong.services.controls import ControlError

err = Console(stderr=True)
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Embedded data directory (FENGKONG_DATA_DIR).")]
DbUrl = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL (FENGKONG_DATABASE_URL).")]
Actor = Annotated[str, typer.Option("--actor", help="Who does this (audited).")]
Reason = Annotated[str, typer.Option("--reason", help="Why (audited).")]

lists_app = typer.Typer(help="Block and allow lists (R4).", no_args_is_help=True)
changes_app = typer.Typer(help="Maker-checker: requests that need a second person.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
sharing_app = typer.Typer(help="Reciprocal risk-information sharing.", no_args_is_help=True)
penalty_app = typer.Typer(help="Penalties for rented, lent or sold accounts.", no_args_is_help=True)
vault_app = typer.Typer(help="The token vault: payment tokens, detokenization, key rotation.", no_args_is_help=True)
password_app = typer.Typer(help="Transaction-password policy.", no_args_is_help=True)


def _secret(prompt: str) -> str:
    """Read a card number or password from a hidden prompt or stdin: never from the command line."""
    import sys

    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True))
    return sys.stdin.readline().strip()


@vault_app.command("issue")
def vault_issue(actor: Actor, reason: Reason,
                card_ref: Annotated[str | None, typer.Option(help="A card already in the vault (ctk_...); else the card number is read from stdin.")] = None,
                controls: Annotated[str, typer.Option(help='JSON, e.g. {"max_uses": 3, "per_use_max": "500", "channels": ["qr_code"]}')] = "{}",
                data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Issue a payment token with domain controls."""
    card_number = None if card_ref else _secret("card number")
    with platform(data_dir, database_url) as p:
        _print(p.vault.issue(actor=actor, reason=reason, card_number=card_number, card_ref=card_ref,
                             controls=json.loads(controls)))


def _status(verb: str, status: str) -> Callable[..., None]:
    def command(token: str, actor: Actor, reason: Reason, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
        with platform(data_dir, database_url) as p:
            _print(p.vault.set_status(token, status, actor=actor, reason=reason))

    command.__doc__ = f"{verb.title()} a payment token."
    return command


for _verb, _status_name in (("suspend", "suspended"), ("resume", "active"), ("delete", "deleted")):
    vault_app.command(_verb)(_status(_verb, _status_name))


@vault_app.command("show")
def vault_show(token: str, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """A token's masked card, status and controls."""
    with platform(data_dir, database_url) as p:
        _print(p.vault.show(token))


@vault_app.command("detokenize")
def vault_detokenize(token: str, actor: Actor, purpose: Annotated[str, typer.Option(help="Why (audited).")],
                     data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Reveal the card number (actors in FENGKONG_DETOKENIZERS only; every attempt audited)."""
    with platform(data_dir, database_url) as p:
        typer.echo(p.vault.detokenize(token, actor=actor, purpose=purpose))


@vault_app.command("rotate-master")
def vault_rotate_master(new_version: str, actor: Actor, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Add a master key version and re-wrap every data key with it (no downtime)."""
    with platform(data_dir, database_url) as p:
        count = p.vault.rotate_master(new_version, actor=actor)
        readable, bad = p.vault.vault.check_all()
    _print({"rewrapped_data_keys": count, "cards_readable": readable, "unreadable": bad})
    if bad:
        raise typer.Exit(1)


@vault_app.command("rotate-data-key")
def vault_rotate_data_key(actor: Actor, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Start a new data key for cards stored from now on (older keys keep decrypting)."""
    with platform(data_dir, database_url) as p:
        _print({"active_data_key": p.vault.rotate_data_key(actor=actor)})


@vault_app.command("check")
def vault_check(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Decrypt every stored card number (e.g. after a rotation); exit 1 if any fails."""
    with platform(data_dir, database_url) as p:
        readable, bad = p.vault.vault.check_all()
    _print({"cards_readable": readable, "unreadable": bad})
    if bad:
        raise typer.Exit(1)


@password_app.command("check")
def password_check(account_name: str | None = None, phone: str | None = None,
                   id_number: str | None = None, initial: bool = False) -> None:
    """Check a transaction password (read from a hidden prompt or stdin) against the policy."""
    from fengkong.domain.identity.passwords import check_password

    result = check_password(_secret("password"), account_name=account_name, phone=phone, id_number=id_number,
                            initial=initial)
    _print(result.to_dict())
    if not result.acceptable:
        raise typer.Exit(1)


@contextmanager
def platform(data_dir: Path | None, database_url: str | None) -> Iterator[Platform]:
    p = build_platform(Settings.from_env(data_dir=data_dir, database_url=database_url))
    try:
        yield p
    except ControlError as exc:
        err.print(f"[red]{exc.field}: {exc.message}[/red]", highlight=False)
        raise typer.Exit(2) from None
    finally:
        p.close()


def _print(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


def _entry(e: Any) -> dict[str, Any]:
    from fengkong.api.controls_routes import entry_view

    return entry_view(e)


@lists_app.command("add")
def lists_add(list_type: str, value: str, actor: Actor, reason: Reason,
              source: Annotated[str, typer.Option(help="Who established it (police, case, internal).")],
              evidence: str = "", expires: str | None = None, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Add VALUE to LIST_TYPE (involved_account, suspicious_account, device, ip, phone, id_number, card, ...)."""
    with platform(data_dir, database_url) as p:
        _print(_entry(p.controls.add(list_type, value, actor=actor, reason=reason, source=source, evidence=evidence,
                                     expires_at=expires)))


@lists_app.command("import")
def lists_import(list_type: str, file: Path, actor: Actor,
                 source: Annotated[str, typer.Option(help="Where the list comes from.")],
                 data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Bulk import a CSV (value,reason[,evidence,starts_at,expires_at]); every row is reported."""
    with platform(data_dir, database_url) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        rows = p.controls.import_csv(list_type, handle, actor=actor, source=source)
    for row in rows:
        if row.outcome != "added":
            err.print(f"row {row.row}: {row.message}", highlight=False)
    _print({"added": sum(r.outcome == "added" for r in rows), "errors": sum(r.outcome == "error" for r in rows)})


@lists_app.command("show")
def lists_show(list_type: str, value: str, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Active entries for a value (shown masked)."""
    with platform(data_dir, database_url) as p:
        _print([_entry(e) for e in p.controls.lookup(list_type, value)])


@lists_app.command("remove")
def lists_remove(entry_id: int, maker: Annotated[str, typer.Option(help="Who asks.")], reason: Reason,
                 data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Ask to remove an entry or release a stop-payment / freeze; a second person approves."""
    with platform(data_dir, database_url) as p:
        _print(asdict(p.controls.request_removal(entry_id, maker=maker, reason=reason)))


@changes_app.command("list")
def changes_list(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Pending requests."""
    with platform(data_dir, database_url) as p:
        for r in p.controls.store.pending():
            _print(asdict(r))


@changes_app.command("approve")
def changes_approve(request_id: int, checker: Annotated[str, typer.Option(help="The second person.")],
                    note: str = "", data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Approve a request; refused if the checker is the maker."""
    with platform(data_dir, database_url) as p:
        _print(asdict(p.controls.approve(request_id, checker=checker, note=note)))


@changes_app.command("reject")
def changes_reject(request_id: int, checker: Annotated[str, typer.Option()], note: Annotated[str, typer.Option()],
                   data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Reject a request."""
    with platform(data_dir, database_url) as p:
        p.controls.reject(request_id, checker=checker, note=note)
        _print({"id": request_id, "status": "rejected"})


def stop(account_id: str, actor: Actor, reason: Reason,
         case: Annotated[str, typer.Option("--case", help="Case number.")],
         authority: Annotated[str, typer.Option(help="Requesting authority.")],
         expires: str | None = None, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Emergency stop-payment on an account (default duration from the policy)."""
    with platform(data_dir, database_url) as p:
        _print(_entry(p.controls.stop_payment(account_id, case_number=case, authority=authority, reason=reason,
                                              actor=actor, expires_at=expires)))


def freeze(account_id: str, amount: str, actor: Actor, reason: Reason,
           case: Annotated[str, typer.Option("--case", help="Case number.")],
           authority: Annotated[str, typer.Option(help="Requesting authority.")],
           expires: Annotated[str, typer.Option(help="ISO-8601 time with offset.")],
           data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Quick freeze: hold AMOUNT on the account until --expires."""
    with platform(data_dir, database_url) as p:
        _print(_entry(p.controls.freeze(account_id, amount, case_number=case, authority=authority, reason=reason,
                                        actor=actor, expires_at=expires)))


@penalty_app.command("rented")
def penalty_rented(account_id: str, owner_id_number: str, actor: Actor, reason: Reason,
                   evidence: Annotated[str, typer.Option()], source: Annotated[str, typer.Option()],
                   data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Confirm an account as rented, lent or sold: listing plus the policy's penalties."""
    with platform(data_dir, database_url) as p:
        _print([_entry(e) for e in p.controls.confirm_rented_account(
            account_id, owner_id_number, actor=actor, reason=reason, evidence=evidence, source=source)])


def trace(event_id: str, window_hours: float = 72, max_hops: int = 6,
          do_stop: Annotated[bool, typer.Option("--stop", help="Also stop-payment every account still holding money.")] = False,
          case: str | None = None, authority: str | None = None, actor: str | None = None,
          reason: str | None = None, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Follow a transfer's money; with --stop, stop-payment on every account still holding some."""
    with platform(data_dir, database_url) as p:
        if do_stop:
            result, stops = p.controls.trace_and_stop(event_id, case_number=case or "", authority=authority or "",
                                                      actor=actor or "", reason=reason or "",
                                                      window_hours=window_hours, max_hops=max_hops)
            _print({"trace": result.to_dict(), "stop_payments": [_entry(e) for e in stops]})
        else:
            _print(p.controls.trace(event_id, window_hours, max_hops).to_dict())


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Recompute the hash chain; exit 1 and name the first bad row if it was tampered with."""
    with platform(data_dir, database_url) as p:
        check = p.controls.store.verify_audit()
    _print(asdict(check))
    if not check.ok:
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list(after: int = 0, limit: int = 50, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Audit rows after a position."""
    with platform(data_dir, database_url) as p:
        for r in p.controls.store.audit_records(after, limit):
            _print(r.to_dict())


@sharing_app.command("report")
def sharing_report(institution_id: str, subject_type: str, value: str, risk_type: str, actor: Actor,
                   data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Report a risk event (the value leaves only as a consortium-keyed hash)."""
    with platform(data_dir, database_url) as p:
        p.sharing.report(institution_id, subject_type, value, risk_type, actor)
        _print({"reported": True})


@sharing_app.command("query")
def sharing_query(institution_id: str, subject_type: str, value: str, actor: Actor,
                  data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Ask about a subject; allowed only to institutions that have reported."""
    with platform(data_dir, database_url) as p:
        _print(p.sharing.query(institution_id, subject_type, value, actor))


def register(app: typer.Typer) -> None:
    app.add_typer(lists_app, name="lists")
    app.add_typer(changes_app, name="changes")
    app.add_typer(audit_app, name="audit")
    app.add_typer(sharing_app, name="sharing")
    app.add_typer(penalty_app, name="penalty")
    app.add_typer(vault_app, name="vault")
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(registry_app, name="registry")
    app.add_typer(password_app, name="password")
    commands: list[tuple[str, Callable[..., None]]] = [("stop", stop), ("freeze", freeze), ("trace", trace)]
    for name, command in commands:
        app.command(name)(command)


monitor_app = typer.Typer(help="Batch monitoring: cash-out, common point of compromise, risk register.", no_args_is_help=True)
registry_app = typer.Typer(help="Merchant and terminal registries.", no_args_is_help=True)


def _exported(p: Platform) -> None:
    from rich.progress import Progress

    with Progress(transient=True, console=err) as bar:
        task = bar.add_task("exporting stored events for analytics", total=None)
        count = p.monitoring.refresh(lambda done, total: bar.update(task, completed=done, total=total))
    err.print(f"exported {count:,} new events to {p.monitoring.parquet_dir}", highlight=False)


@monitor_app.command("cashout")
def monitor_cashout(window_days: int = 30, top: int = 10,
                    apply: Annotated[bool, typer.Option(help="Apply the graded dispositions (level >= --min-level).")] = False,
                    min_level: int = 2, actor: str = "", report: Path | None = None,
                    data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Score merchants and credit cardholders for cash-out; print the top of each list."""
    from rich.table import Table

    with platform(data_dir, database_url) as p:
        _exported(p)
        result, applied = p.monitoring.cashout(window_days, apply=apply, actor=actor, min_level=min_level)
        if report is not None:
            rows = p.monitoring.register(result, report)
            err.print(f"risk event register: {rows} merchants written to {report}", highlight=False)
    console = Console()
    for title, findings in (("Merchants 商户", result.merchants), ("Cardholders 持卡人", result.cardholders)):
        table = Table(title=f"{title}: cash-out risk 套现风险")
        for col in ("id", "score", "level", "disposition", "indicators", "re-check"):
            table.add_column(col)
        for f in findings[:top]:
            table.add_row(f.entity_id, f"{f.score:.2f}", str(f.level), f.disposition or "-", ", ".join(f.drivers),
                          "yes" if f.recheck else "")
        console.print(table)
    if apply:
        err.print(f"dispositions applied: {applied}", highlight=False)


@monitor_app.command("compromise")
def monitor_compromise(days: int = 30, flag: bool = False, actor: str = "", top: int = 10,
                       data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Rank terminals where later counterfeit/stolen cards were used; --flag lists the likely skimmers."""
    with platform(data_dir, database_url) as p:
        _exported(p)
        victims, points = p.monitoring.compromise(days, flag=flag, actor=actor)
    _print({"victim_cards": victims, "terminals": [pt.to_dict() for pt in points[:top]]})


@monitor_app.command("register")
def monitor_register(output: Annotated[Path, typer.Option("--output", "-o", help=".csv or .xlsx")],
                     window_days: int = 30, min_level: int = 3, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Write the cash-out risk event register (003 format) as CSV or XLSX."""
    with platform(data_dir, database_url) as p:
        _exported(p)
        result, _ = p.monitoring.cashout(window_days)
        rows = p.monitoring.register(result, output, min_level)
    _print({"merchants": rows, "file": str(output)})


@registry_app.command("import")
def registry_import(kind: Annotated[str, typer.Argument(help="merchant or terminal")], file: Path, actor: Actor,
                    data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Bulk import merchants or terminals (CSV); every row reported with its onboarding outcome."""
    if kind not in ("merchant", "terminal"):
        err.print("[red]kind: merchant or terminal[/red]")
        raise typer.Exit(2)
    with platform(data_dir, database_url) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        rows = p.registry.import_csv(kind, handle, actor=actor)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
        if row.outcome != "active":
            err.print(f"row {row.row} ({row.entity_id}): {row.outcome} {row.message}", highlight=False)
    _print(counts)
