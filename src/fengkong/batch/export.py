"""Incremental export of the event log to Parquet for batch analytics.

Rows come from the EventLog port (the SQL log pulls the fields out of the stored JSON itself);
DuckDB writes one Parquet file per chunk, through a staging file of JSON arrays (one per row,
typed as they are read). A later run exports only events after the last exported position,
which the file names carry. The cyclic garbage collector is paused meanwhile: the rows are
acyclic, and scanning hundreds of thousands of them over and over tripled the export's time.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import orjson

from fengkong.domain.ports import EVENT_COLUMNS, EventLog

FIELDS = (
    "txn_type",
    "channel",
    "merchant_id",
    "terminal_id",
    "mcc",
    "card_kind",
    "entry_mode",
    "preauth_id",
    "original_event_id",
    "credit_limit",
    "statement_due_date",
    "target_event_id",
    "label",
    "name_masked",
)
PATHS = (*FIELDS, "location.city")
NAMES = (*EVENT_COLUMNS, *FIELDS, "city")  # the Parquet columns, in the order of the rows
TYPES = {name: "VARCHAR" for name in NAMES} | {"seq": "BIGINT", "ts": "DOUBLE", "amount_fen": "BIGINT"}
_PART = re.compile(r"events-(\d{12})-(\d{12})\.parquet$")


def _quoted(path: Path) -> str:
    """A path inside a single-quoted SQL string."""
    return path.as_posix().replace("'", "''")


def exported_through(out_dir: Path) -> int:
    last = 0
    for path in out_dir.glob("events-*.parquet"):
        match = _PART.search(path.name)
        if match:
            last = max(last, int(match.group(2)))
    return last


def export_events(
    events: EventLog, out_dir: Path, chunk: int = 250_000, progress: Callable[[int, int], None] | None = None
) -> int:
    """Export events after the last exported one; returns how many rows were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    after = exported_through(out_dir)
    total = max(0, events.last_seq() - after)
    written = 0
    staging = out_dir / "staging.jsonl"
    columns = ", ".join(
        f"(row[{i}] ->> '$')::VARCHAR AS {name}" if kind == "VARCHAR" else f"row[{i}]::{kind} AS {name}"
        for i, (name, kind) in enumerate(TYPES.items(), start=1)
    )
    con = duckdb.connect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        while rows := events.columns(after, PATHS, chunk):
            staging.write_bytes(b"\n".join([orjson.dumps(row) for row in rows]))
            first, last = int(rows[0][0]), int(rows[-1][0])
            target = out_dir / f"events-{first:012d}-{last:012d}.parquet"
            con.execute(
                f"COPY (SELECT {columns} FROM read_json(?, format='newline_delimited', records=false, "
                f"columns={{'row': 'JSON[]'}})) TO '{_quoted(target)}' (FORMAT parquet)",
                [str(staging)],
            )
            after = last
            written += len(rows)
            if progress is not None:
                progress(written, max(total, written))
    finally:
        if collecting:
            gc.enable()
        con.close()
        staging.unlink(missing_ok=True)
    return written
