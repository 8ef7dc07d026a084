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
    kind: Annotated[str, typer.Argument(help="merchant or terminal")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")],
    credential: Credential,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Bulk import merchants or terminals (CSV); every row reported with its onboarding outcome."""
    if kind not in ("merchant", "terminal"):
        fail("kind: merchant or terminal")
    with platform(data_dir, database_url) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        rows = p.merchants.import_csv(kind, handle, actor=acting(p, credential, Permission.MERCHANTS_WRITE).name)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
        if row.outcome != "active":
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
