"""The demo's scenario table over several seeds (issue 13): for each attack family the share of
its money that did not go through, for each legitimate look-alike family and for ordinary
customers the share of transactions not approved at first and the share that ended refused.

Every scenario's parameters are drawn per seed (simulate/mules.py and the world), so a rule tuned
to one seed shows here. The issue's targets are printed beside the numbers, not enforced: this
is a measurement, not a test.

    python benchmarks/scenarios.py --seeds 7 8 9 --customers 3000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fengkong.cli.demo import score_month

MONEY_TARGET = 0.90
MONEY_TARGET_LATE_REPORTS = 0.60  # compromised terminal: the reports arrive late
LATE_REPORTED = frozenset({"skimming_counterfeit"})
LOOKALIKE_TARGET = 0.03
LOOKALIKE_TARGETS = {"exposed_card_genuine": 0.05}  # genuine use of a card that passed a skimmer
ORDINARY_TARGET = 0.002


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    console = Console(width=140)
    runs: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            runs[seed] = score_month(args.customers, args.days, seed, Path(tmp) / f"seed-{seed}", console)
            console.print(f"seed {seed}: {runs[seed]['events']:,} events in {runs[seed]['scoring_s']:.0f} s")
    seeds = list(runs)

    t = Table(title=f"Attack money not approved, {args.customers:,} customers × {args.days} days, per seed")
    t.add_column("attack family")
    for seed in seeds:
        t.add_column(f"seed {seed}", justify="right")
    t.add_column("target", justify="right")
    families = sorted({name for r in runs.values() for name in r["detection"]})
    for name in families:
        target = MONEY_TARGET_LATE_REPORTS if name in LATE_REPORTED else MONEY_TARGET
        cells = []
        for seed in seeds:
            d = runs[seed]["detection"].get(name)
            cells.append("-" if d is None else f"{_pct(d['detection'])} of ¥{d['fraud_amount']:,.0f}")
        t.add_row(name, *cells, f"≥ {_pct(target)}")
    console.print(t)

    t = Table(title="Legitimate friction: not approved at first / ended refused, per seed")
    t.add_column("who")
    for seed in seeds:
        t.add_column(f"seed {seed}", justify="right")
    t.add_column("target", justify="right")
    alike = sorted({family for r in runs.values() for family in r["lookalikes"]})
    for family in alike:
        cells = []
        for seed in seeds:
            n = runs[seed]["lookalikes"].get(family, {})
            txn = n.get("txn", 0)
            cells.append(
                f"{n.get('friction', 0)}/{txn} ({_pct(n.get('friction', 0) / txn if txn else 0)}) / {n.get('refused', 0)}"
            )
        t.add_row(family, *cells, f"≤ {_pct(LOOKALIKE_TARGETS.get(family, LOOKALIKE_TARGET))}")
    cells = []
    for seed in seeds:
        r = runs[seed]
        cells.append(
            f"{r['legit_friction']}/{r['legit_txn']:,} ({100 * r['legit_friction'] / r['legit_txn']:.2f}%) / "
            f"{r['legit_refused']}"
        )
    t.add_row("ordinary customers", *cells, f"≤ {100 * ORDINARY_TARGET:.1f}%")
    console.print(t)


if __name__ == "__main__":
    main()
