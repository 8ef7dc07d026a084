"""`fengkong registry`: merchant and terminal onboarding in bulk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl
from fengkong.cli.session import acting, emit, fail, note, platform
from fengkong.domain.access.roles import Permission

app = typer.Typer(help="Merchant and terminal registries.", no_args_is_help=True)


@app.command("import")
def registry_import(
    kind: Annotated[str, typer.Argument(help="merchant, terminal or sample")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")],
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Bulk import merchants, terminals or qualified terminal samples (CSV: manufacturer, model,
    certificate, valid_until, builds as "version=fingerprint;..."); every row reported."""
    if kind not in ("merchant", "terminal", "sample"):
        fail("kind: merchant, terminal or sample (a qualified terminal model)")
    with platform(data_dir, database_url) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        actor = acting(p, credential, Permission.MERCHANTS_WRITE).name
        if kind == "sample":
            rows = p.terminal_checks.import_csv(handle, actor=actor)
        else:
            rows = p.merchants.import_csv(kind, handle, actor=actor)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
        if row.outcome not in ("active", "qualified"):
            note(f"row {row.row} ({row.entity_id}): {row.outcome} {row.message}")
    emit(counts)
    if not rows:
        note("the file has no rows after its header")


@app.command("key-load")
def registry_key_load(
    terminal_id: str,
    kcv: Annotated[str, typer.Option(help="The key check value (6-16 hex digits): never the key.")],
    version: Annotated[str, typer.Option(help="The key's version (a rotation loads a new one).")],
    credential: Credential,
    loaded_at: Annotated[str, typer.Option(help="When it was loaded, ISO-8601 with offset (default: now).")] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Record a master key loaded into a terminal (001 §1.8-7②); warns when another terminal has it."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.TERMINAL_KEYS_MANAGE)
        result = p.terminal_keys.record(
            terminal_id, kcv=kcv, version=version, actor=who.name, loaded_at=loaded_at or None
        )
    emit(result)
    for finding in result["findings"]:
        note(f"{finding['code']}: {finding['message_en']} ({', '.join(finding['terminals'])})")


@app.command("key-report")
def registry_key_report(
    at: Annotated[str, typer.Option(help="As of this time, ISO-8601 with offset (default: now).")] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Terminals sharing a master key, keys past the policy's rotation period, terminals with none."""
    with platform(data_dir, database_url) as p:
        report = p.terminal_keys.report(at or None)
    emit(report)
    if report["findings"]:
        raise typer.Exit(1)  # something to act on: a script or a scheduler sees it


@app.command("clusters")
def registry_clusters(
    min_size: Annotated[int, typer.Option(min=2, help="Smallest cluster shown.")] = 2,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Merchants linked by a legal representative, settlement account, licence or terminal (一机多号,
    one identity behind many merchants), largest first, for review."""
    with platform(data_dir, database_url) as p:
        emit(p.merchants.clusters(min_size))


@app.command("spot-check")
def registry_spot_check(
    terminal_id: str,
    measured: Annotated[str, typer.Option(help="The firmware fingerprint read from the terminal (hex digest).")],
    credential: Credential,
    seal: Annotated[bool, typer.Option("--seal-intact/--seal-broken", help="The tamper seal.")] = True,
    place: Annotated[
        bool, typer.Option("--at-place/--moved", help="At its registered installation address, or not (移机).")
    ] = True,
    passes: Annotated[bool, typer.Option("--pass/--fail", help="The inspector's own verdict.")] = True,
    firmware: Annotated[str, typer.Option(help="The firmware version shown (default: as registered).")] = "",
    note_text: Annotated[str, typer.Option("--note", help="What the inspector saw.")] = "",
    at: Annotated[str, typer.Option(help="When, ISO-8601 with offset (default: now).")] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Record a spot check (001 §1.8-3②): a failed one stops the terminal, a passed one reinstates it."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.MERCHANTS_WRITE)
        check = p.terminal_checks.spot_check(
            terminal_id,
            measured=measured,
            seal_intact=seal,
            at_registered_place=place,
            passes=passes,
            firmware=firmware,
            note=note_text,
            at=at or None,
            actor=who.name,
        )
    emit(check.to_dict())
    for finding in check.findings:
        note(f"{finding.code}: {finding.message_en}")
    if check.result == "fail":
        note(f"terminal {terminal_id} is suspended: it may not transact until a check passes")


@app.command("checks")
def registry_checks(
    at: Annotated[str, typer.Option(help="As of this time, ISO-8601 with offset (default: now).")] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Every terminal's next spot check; exits 1 when one is overdue or a terminal is suspended."""
    with platform(data_dir, database_url) as p:
        schedule = p.terminal_checks.schedule(at or None)
    emit(schedule)
    if schedule["overdue"] or schedule["suspended"]:
        raise typer.Exit(1)  # something to act on: a script or a scheduler sees it
