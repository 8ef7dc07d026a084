"""Cash-out scan over millions of stored transactions (DuckDB over the Parquet export).

Generates --rows card transactions (30 days, --merchants merchants, --cards credit/debit
cards) directly as Parquet files in the export's schema, with DuckDB SQL (no Python loop),
then times the full cash-out scan: every merchant and every credit cardholder scored.

    python benchmarks/bench_cashout.py --rows 10000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from fengkong.batch.cashout import scan
from fengkong.batch.export import TYPES

T0 = 1_790_000_000.0
MCCS = ["5411", "5812", "5541", "5311", "5999", "4111", "5912", "5732", "5998", "7011"]


def generate(out: Path, rows: int, merchants: int, cards: int, files: int = 10) -> None:
    """Pseudo-random but deterministic columns (hashes of the row number), the rest null."""
    given = {
        "seq": "i + 1",
        "event_id": "'e' || i",
        "ts": f"{T0} + (hash(i, 1) % {30 * 86400})::DOUBLE",
        "type": "'transaction'",
        "decision": "'approve'",
        "amount_fen": "(hash(i, 2) % 50000 + 100)::BIGINT",
        "card_id": f"'card' || (hash(i, 3) % {cards})",
        "customer_id": f"'card' || (hash(i, 3) % {cards})",
        "merchant_id": f"'m' || (hash(i, 4) % {merchants})",
        "txn_type": "'purchase'",
        "channel": "'pos'",
        "card_kind": "CASE WHEN hash(i, 5) % 3 = 0 THEN 'credit' ELSE 'debit' END",
        "credit_limit": "'50000'",
        "mcc": f"{MCCS}[(hash(i, 6) % {len(MCCS)})::BIGINT + 1]",
    }
    columns = ", ".join(f"{given.get(name, 'NULL')}::{kind} AS {name}" for name, kind in TYPES.items())
    con = duckdb.connect()
    per = rows // files
    for f in range(files):
        target = out / f"events-{f * per + 1:012d}-{(f + 1) * per:012d}.parquet"
        con.execute(
            f"COPY (SELECT {columns} FROM range({f * per}, {(f + 1) * per}) t(i)) TO '{target.as_posix()}' (FORMAT parquet)"
        )
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--merchants", type=int, default=50_000)
    parser.add_argument("--cards", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        generate(out, args.rows, args.merchants, args.cards)
        size = sum(p.stat().st_size for p in out.glob("*.parquet")) / 1e6
        print(
            f"generated {args.rows:,} transactions ({args.merchants:,} merchants, {args.cards:,} cards) "
            f"in {time.perf_counter() - t:.1f} s, {size:,.0f} MB of Parquet"
        )
        t = time.perf_counter()
        report = scan(out, window_days=30)
        elapsed = time.perf_counter() - t
        print(
            f"cash-out scan: {len(report.merchants):,} merchants and {len(report.cardholders):,} credit cardholders "
            f"scored in {elapsed:.1f} s ({args.rows / elapsed:,.0f} transactions/s)"
        )


if __name__ == "__main__":
    main()
