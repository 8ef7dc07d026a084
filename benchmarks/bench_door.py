"""The door alone: what validating and protecting an event costs (card and account numbers keyed
and sealed, ID numbers, phones and names hashed), per event, in CPU microseconds.

The baseline, in the same process: the same JSON lines parsed only. Run it from two trees with
PYTHONPATH=<tree>/src to compare them on the same events.

    python benchmarks/bench_door.py --events 20000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable

from fengkong.bootstrap import build_platform
from fengkong.config import Settings
from fengkong.simulate.world import simulate


def best_cpu(function: Callable[[], None], repeat: int) -> float:
    """The least CPU time of `repeat` runs (the machine is shared: the least is the work itself)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        function()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    sim = simulate(customers=max(200, args.events // 40), days=30, seed=11)
    raw = [json.dumps(e) for e in sim.events[: args.events]]
    with_accounts = sum('"account_id"' in line or '"counterparty_account_id"' in line for line in raw)
    print(f"events: {len(raw):,} ({with_accounts:,} naming an account)")
    with tempfile.TemporaryDirectory() as tmp, build_platform(Settings.embedded(tmp)) as platform:
        validator = platform.engine.validator
        for i in range(0, len(raw), 500):  # decided once first: every number in the vault, as in steady state
            platform.engine.decide_many(raw[i : i + 500])

        def parse() -> None:
            for line in raw:
                json.loads(line)

        def door() -> None:
            for line in raw:
                validator.validate(json.loads(line))

        base = best_cpu(parse, args.repeat)
        full = best_cpu(door, args.repeat)
    n = len(raw)
    print(f"baseline (JSON parse only): {base / n * 1e6:.1f} µs CPU per event")
    print(f"door (parse + validate + protect): {full / n * 1e6:.1f} µs CPU per event (ratio {full / base:.1f})")


if __name__ == "__main__":
    main()
