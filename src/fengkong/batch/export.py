"""Incremental export of the event log to Parquet for batch analytics.

Columns are pulled out of the stored JSON by the database itself (SQLite `json_extract`,
PostgreSQL `->>`), read in chunks and written by Polars as one Parquet file per chunk; a later
run exports only events after the last exported position (named in the file names).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import text

from fengkong.adapters.storage.sql import make_engine

FIELDS = ("txn_type", "channel", "merchant_id", "terminal_id", "mcc", "card_kind", "entry_mode", "preauth_id",
          "original_event_id", "credit_limit", "statement_due_date", "target_event_id", "label", "name")
# In the order of the SELECT below: the stored columns, the JSON fields, then the city.
SCHEMA: dict[str, Any] = {"seq": pl.Int64, "event_id": pl.Utf8, "ts": pl.Float64, "type": pl.Utf8, "decision": pl.Utf8,
          "amount_fen": pl.Int64, "customer_id": pl.Utf8, "account_id": pl.Utf8, "card_id": pl.Utf8,
          **{f: pl.Utf8 for f in FIELDS}, "city": pl.Utf8}
_PART = re.compile(r"events-(\d{12})-(\d{12})\.parquet$")


def exported_through(out_dir: Path) -> int:
    last = 0
    for path in out_dir.glob("events-*.parquet"):
        match = _PART.search(path.name)
        if match:
            last = max(last, int(match.group(2)))
    return last


def export_events(db_url: str, out_dir: Path, chunk: int = 250_000,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Export events after the last exported one; returns how many rows were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(db_url)
    sqlite = engine.dialect.name == "sqlite"

    def field(name: str, path: str) -> str:
        return f"json_extract(record, '$.{path}') AS {name}" if sqlite else f"(record::json #>> '{{{path.replace('.', ',')}}}') AS {name}"

    columns = ", ".join([field(f, f) for f in FIELDS] + [field("city", "location.city")])
    after = exported_through(out_dir)
    written = 0
    try:
        with engine.connect() as conn:
            total = int(conn.execute(text("SELECT count(*) FROM event_log WHERE seq > :a"), {"a": after}).scalar() or 0)
            while True:
                rows = conn.execute(text(
                    f"SELECT seq, event_id, ts, event_type, decision, amount_fen, customer_id, account_id, card_id, {columns} "
                    "FROM event_log WHERE seq > :a ORDER BY seq LIMIT :n"), {"a": after, "n": chunk}).fetchall()
                if not rows:
                    break
                frame = pl.DataFrame([tuple(r) for r in rows], schema=pl.Schema(SCHEMA), orient="row", strict=False)
                first, last = int(rows[0][0]), int(rows[-1][0])
                frame.write_parquet(out_dir / f"events-{first:012d}-{last:012d}.parquet")
                after = last
                written += len(rows)
                if progress is not None:
                    progress(written, total)
    finally:
        engine.dispose()
    return written
