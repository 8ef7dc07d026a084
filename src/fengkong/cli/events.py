"""Commands over event streams: score JSON Lines, simulate traffic."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import DataDir, DbUrl, Rules, State
from fengkong.cli.session import note, platform


def score(
    file: Annotated[Optional[Path], typer.Argument(help="JSON Lines file; stdin when omitted or '-'.")] = None,  # noqa: UP045
    data_dir: DataDir = None,
    database_url: DbUrl = None,
    state: State = None,
    rules: Rules = None,
    batch: Annotated[int, typer.Option(min=1, help="Largest group commit.")] = 1000,
    explain: Annotated[bool, typer.Option(help="Add a trace of feature values to each decision.")] = False,
) -> None:
    """Score JSON Lines events: one decision (or error) per line on stdout, in input order."""
    from fengkong.cli.stream import score_stream

    with platform(data_dir, database_url, state, rules, decide=True) as p:
        if file is None or str(file) == "-":
            counts = score_stream(p.engine, sys.stdin.fileno(), sys.stdout.buffer, batch, explain)
        else:
            with open(file, "rb") as handle:
                counts = score_stream(p.engine, handle.fileno(), sys.stdout.buffer, batch, explain)
    note(f"scored: {counts['decisions']} decisions ({counts['replayed']} replayed), {counts['errors']} errors")


def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the events (JSON Lines).")] = Path(
        "events.jsonl"
    ),
    labels: Annotated[Optional[Path], typer.Option(help="Also write ground-truth labels (JSON Lines).")] = None,  # noqa: UP045
    customers: Annotated[int, typer.Option(min=1)] = 2000,
    days: Annotated[int, typer.Option(min=1)] = 30,
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
    note(f"wrote {count:,} events ({len(world.labels):,} labelled attack events) to {out}")


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(simulate)
