"""In-process engine throughput and decision latency with the built-in rule pack.

Prints events/s (one core, group commit of --batch events, SQLite WAL on local disk), the decision
latency distribution (validation + features + rules, per event), the same for one-event commits
(Engine.decide), and a baseline: the same events through validation only, in the same process.

    python benchmarks/bench_engine.py --events 100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fengkong.bootstrap import build_platform
from fengkong.config import Settings
from fengkong.domain.decisions import Decision
from fengkong.simulate.world import simulate


def deep_size(obj: object) -> int:
    """Bytes of a JSON-like object graph (containers and their contents; small ints are shared)."""
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k) + deep_size(v) for k, v in obj.items())
    elif isinstance(obj, list | tuple):
        size += sum(deep_size(v) for v in obj)
    return size


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--single", type=int, default=3000, help="events decided one commit each")
    parser.add_argument("--state", default="memory")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--rules", action="append", default=None, help="a rule pack directory or file (default: the built-in pack)"
    )
    args = parser.parse_args()

    customers = max(200, args.events // 40)
    sim = simulate(customers=customers, days=30, seed=11)
    events = sim.events[: args.events]
    raw = [json.dumps(e).encode() for e in events]
    print(f"events: {len(events):,} from {customers:,} simulated customers")

    with tempfile.TemporaryDirectory() as tmp:
        rules = {"rule_paths": tuple(Path(r) for r in args.rules)} if args.rules else {}
        settings = Settings.embedded(
            tmp,
            state_backend=args.state,
            database_url=args.database_url,
            redis_namespace=f"fkbench{int(time.time())}",
            **rules,
        )
        platform = build_platform(settings)
        engine = platform.engine
        latencies: list[float] = []
        t = time.perf_counter()
        for i in range(0, len(raw), args.batch):
            for result in engine.decide_many(raw[i : i + args.batch]):
                if isinstance(result, Decision):
                    latencies.append(result.latency_ms)
        elapsed = time.perf_counter() - t
        # The baseline, afterwards: the engine's own door (keyed hashes; every card is in the
        # vault by now, as in steady state, so sealing is the keyed hash alone).
        t = time.perf_counter()
        for line in raw:
            engine.validator.validate(json.loads(line))
        base = time.perf_counter() - t
        print(f"baseline (JSON parse + validation only): {len(raw) / base:,.0f} events/s")
        print(
            f"engine, group commit of {args.batch}: {len(raw) / elapsed:,.0f} events/s "
            f"({elapsed:.1f} s; ratio to baseline {base / elapsed:.2f})"
        )
        print(
            f"decision latency ms: p50 {statistics.median(latencies):.3f}  p99 {pct(latencies, 0.99):.3f}  "
            f"p99.9 {pct(latencies, 0.999):.3f}  max {max(latencies):.3f}"
        )
        more = simulate(customers=200, days=5, seed=99).events[: args.single]
        for e in more:
            e["event_id"] = "single-" + e["event_id"]
        single: list[float] = []
        for e in more:
            t0 = time.perf_counter()
            engine.decide(e)
            single.append((time.perf_counter() - t0) * 1000)
        print(
            f"one event per commit (Engine.decide): {len(single) / (sum(single) / 1000):,.0f} events/s, "
            f"ms p50 {statistics.median(single):.3f}  p99 {pct(single, 0.99):.3f}"
        )
        if args.state == "memory":
            states = engine.state.export()
            cards = {k: v for k, v in states.items() if k.startswith("card|")}
            sizes = [len(json.dumps(v, separators=(",", ":"))) for v in cards.values()]
            deep = [deep_size(k) + deep_size(v) for k, v in cards.items()]
            print(
                f"state: {len(states):,} keys; per card key: in memory mean {statistics.mean(deep):,.0f} B, "
                f"max {max(deep):,} B; serialized mean {statistics.mean(sizes):.0f} B, max {max(sizes)} B"
            )
            print(
                f"state for all keys in memory: {sum(deep_size(k) + deep_size(v) for k, v in states.items()) / 1e6:,.1f} MB"
            )
        platform.close()


if __name__ == "__main__":
    main()
