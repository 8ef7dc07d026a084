"""`fengkong accounts`: the account registry, imported in bulk."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import DataDir, DbUrl
from fengkong.cli.session import emit, note, platform

app = typer.Typer(help="The account registry.", no_args_is_help=True)


@app.command("import")
def accounts_import(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV with a header: account_id, account_kind, account_class, institution_id, opened_at, ...",
        ),
    ],
    errors: Annotated[Optional[Path], typer.Option(help="Write the per-row report (CSV) here.")] = None,  # noqa: UP045
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Register existing accounts; every row is reported as imported, flagged (with reasons) or error."""
    from fengkong.services.accounts_import import import_accounts, read_rows

    with platform(data_dir, database_url, decide=True) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        results = import_accounts(p.engine, read_rows(handle))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    if errors is not None:
        with open(errors, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "account_id", "outcome", "field", "message"])
            for r in results:
                if r.outcome != "imported":
                    writer.writerow([r.row, r.account_id, r.outcome, r.field, r.message])
    else:
        for r in results:
            if r.outcome != "imported":
                note(f"row {r.row} ({r.account_id}): {r.outcome} {r.field}: {r.message}")
    emit(counts)
