"""Cash-out scan over millions of stored transactions (DuckDB over the Parquet export).

Generates --rows card transactions (30 days, --merchants merchants, --cards credit/debit
cards) directly as Parquet files in the export's schema, with Polars expressions (no Python
loop), then times the full cash-out scan: every merchant and every credit cardholder scored.

    python benchmarks/bench_cashout.py --rows 10000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from fengkong.batch.cashout import scan
from fengkong.batch.export import SCHEMA

T0 = 1_790_000_000.0
MCCS = ["5411", "5812", "5541", "5311", "5999", "4111", "5912", "5732", "5998", "7011"]


def generate(out: Path, rows: int, merchants: int, cards: int, files: int = 10) -> None:
    per = rows // files
    for f in range(files):
        base = pl.int_range(f * per, (f + 1) * per, eager=True).alias("i").to_frame()
        h = lambda seed: pl.col("i").hash(seed)  # noqa: E731 - pseudo-random, deterministic
        frame = base.with_columns(
            seq=pl.col("i") + 1,
            event_id=pl.format("e{}", pl.col("i")),
            ts=T0 + (h(1) % (30 * 86400)).cast(pl.Float64),
            type=pl.lit("transaction"),
            decision=pl.lit("approve"),
            amount_fen=(h(2) % 50_000 + 100).cast(pl.Int64),
            card_id=pl.format("card{}", h(3) % cards),
            merchant_id=pl.format("m{}", h(4) % merchants),
            txn_type=pl.lit("purchase"),
            channel=pl.lit("pos"),
            card_kind=pl.when(h(5) % 3 == 0).then(pl.lit("credit")).otherwise(pl.lit("debit")),
            credit_limit=pl.lit("50000"),
            mcc=pl.lit(MCCS).list.get((h(6) % len(MCCS)).cast(pl.Int64)),
        ).with_columns(customer_id=pl.col("card_id"))
        for name, dtype in SCHEMA.items():
            if name not in frame.columns:
                frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
        frame.select(list(SCHEMA)).write_parquet(out / f"events-{f * per + 1:012d}-{(f + 1) * per:012d}.parquet")


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
        print(f"generated {args.rows:,} transactions ({args.merchants:,} merchants, {args.cards:,} cards) "
              f"in {time.perf_counter() - t:.1f} s, {size:,.0f} MB of Parquet")
        t = time.perf_counter()
        report = scan(out, window_days=30)
        elapsed = time.perf_counter() - t
        print(f"cash-out scan: {len(report.merchants):,} merchants and {len(report.cardholders):,} credit cardholders "
              f"scored in {elapsed:.1f} s ({args.rows / elapsed:,.0f} transactions/s)")


if __name__ == "__main__":
    main()
