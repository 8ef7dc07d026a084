"""`fengkong registry`: merchant and terminal onboarding in bulk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fengkong.cli.options import Actor, DataDir, DbUrl
from fengkong.cli.session import emit, fail, note, platform

app = typer.Typer(help="Merchant and terminal registries.", no_args_is_help=True)


@app.command("import")
def registry_import(
    kind: Annotated[str, typer.Argument(help="merchant or terminal")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")],
    actor: Actor,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Bulk import merchants or terminals (CSV); every row reported with its onboarding outcome."""
    if kind not in ("merchant", "terminal"):
        fail("kind: merchant or terminal")
    with platform(data_dir, database_url) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        rows = p.merchants.import_csv(kind, handle, actor=actor)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
        if row.outcome != "active":
            note(f"row {row.row} ({row.entity_id}): {row.outcome} {row.message}")
    emit(counts)
    if not rows:
        note("the file has no rows after its header")
