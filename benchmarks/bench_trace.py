"""Fund tracing over millions of stored transfers (SQLite, the embedded default).

Loads --rows background transfers between random accounts over 30 days into the transfers
table (bulk, indexes built after), hides a three-layer mule tree among them, then times
ControlsService.trace from the victim's transfer (cold and warm) and prints the tree size.

    python benchmarks/bench_trace.py --rows 10000000
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from fengkong.bootstrap import build_platform
from fengkong.config import Settings

T0 = 1_716_000_000.0  # 2024-05-18


def load(db: Path, rows: int, accounts: int, seed: int) -> None:
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("DROP INDEX IF EXISTS ix_transfers_from_ts")
    con.execute("DROP INDEX IF EXISTS ix_transfers_event")
    batch = 200_000
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        con.executemany(
            "INSERT INTO transfers (event_id, ts, from_account, to_account, amount_fen, decision) VALUES (?,?,?,?,?,?)",
            (
                (
                    f"bg{start + i}",
                    T0 + rng.random() * 30 * 86400,
                    f"acc{rng.randrange(accounts)}",
                    f"acc{rng.randrange(accounts)}",
                    rng.randrange(100, 5_000_000),
                    "approve",
                )
                for i in range(n)
            ),
        )
        con.commit()
    # the victim's money: 1 -> 3 -> 9 mules, with noise transfers on the same accounts
    tree = [("victim-transfer", T0 + 86400, "victim", "m1", 9_000_000)]
    for i in range(3):
        tree.append((f"l2-{i}", T0 + 86400 + 600 + i, "m1", f"m2-{i}", 2_800_000))
        for j in range(3):
            tree.append((f"l3-{i}-{j}", T0 + 86400 + 1800 + j, f"m2-{i}", f"m3-{i}-{j}", 900_000))
    for k in range(50):
        tree.append((f"noise-{k}", T0 + 86400 + rng.random() * 7200, f"m2-{k % 3}", f"acc{k}", 1000))
    con.executemany(
        "INSERT INTO transfers (event_id, ts, from_account, to_account, amount_fen, decision) VALUES (?,?,?,?,?,?)",
        [(*t, "approve") for t in tree],
    )
    con.commit()
    t = time.perf_counter()
    con.execute("CREATE INDEX ix_transfers_from_ts ON transfers (from_account, ts)")
    con.execute("CREATE INDEX ix_transfers_event ON transfers (event_id)")
    con.commit()
    print(f"indexes built in {time.perf_counter() - t:.1f} s")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=2_000_000)
    parser.add_argument("--dir", default=None, help="where to build the database (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        settings = Settings.embedded(Path(tmp) / "d")
        build_platform(settings).close()  # creates the schema
        db = Path(tmp) / "d" / "fengkong.db"
        t = time.perf_counter()
        load(db, args.rows, args.accounts, 5)
        platform = build_platform(settings)
        size = os.path.getsize(db) / 1e9
        print(
            f"loaded {args.rows:,} transfers between {args.accounts:,} accounts in {time.perf_counter() - t:.0f} s ({size:.1f} GB)"
        )
        orders = platform.orders
        timings = []
        for _ in range(7):
            t = time.perf_counter()
            result = orders.trace("victim-transfer", window_hours=72, max_hops=6)
            timings.append((time.perf_counter() - t) * 1000)
        held = sum(n.remaining_fen for n in result.nodes.values()) / 100
        print(f"trace: {len(result.nodes)} accounts, {result.queries} queries, {held:,.2f} yuan located")
        print(
            f"trace latency ms: first (cold) {timings[0]:.1f}, then median {statistics.median(timings[1:]):.1f}, "
            f"max {max(timings[1:]):.1f}"
        )
        platform.close()


if __name__ == "__main__":
    main()
