"""`fengkong demo`: a month of simulated traffic scored on the embedded default, and the report a
risk analyst reads first: outcomes, detection per attack, friction, reasons, latency."""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from fengkong.cli import demo_acquiring
from fengkong.cli.demo_lifecycle import LifecycleRun
from fengkong.config import Settings
from fengkong.domain.decisions import Decision
from fengkong.simulate.answers import Answers

if TYPE_CHECKING:
    pass

# Events are scored in batches, and the challenges and reviews they raise answered between
# batches: a batch is at most BATCH events and SPAN of event time, so a customer's answer
# (seconds after the payment) reaches the engine before a mule or a thief acts minutes later, as
# it would in production, where answers arrive as events of their own.
BATCH = 100
SPAN = timedelta(minutes=5)
GONE_THROUGH = frozenset({"passed", "released", "completed"})  # a held payment that was paid in the end


def chunks(events: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The events in order, in batches of at most BATCH events spanning at most SPAN."""
    start = 0
    first = None
    for i, event in enumerate(events):
        at = datetime.fromisoformat(event["occurred_at"])
        if first is None:
            first = at
        elif i - start >= BATCH or at - first > SPAN:
            yield events[start:i]
            start, first = i, at
    if start < len(events):
        yield events[start:]


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def run_demo(customers: int, days: int, seed: int, data_dir: Path) -> dict[str, Any]:
    # A terminal gets its own width; piped output (logs, CI) gets room for the tables.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    report = score_month(customers, days, seed, data_dir, console)
    _print(console, report, customers, days, data_dir, report["db_url"])
    _print_login(console, data_dir, report["admin_secret"])
    return report


def score_month(customers: int, days: int, seed: int, data_dir: Path, console: Console) -> dict[str, Any]:
    """Simulate, score on the embedded default with the decision lifecycle answered, and report
    (nothing printed but a progress bar): the demo's numbers for one seed."""
    from fengkong.bootstrap import build_monitoring, build_platform
    from fengkong.simulate.world import simulate

    if data_dir.exists():
        shutil.rmtree(data_dir)
    started = time.perf_counter()
    sim = simulate(customers=customers, days=days, seed=seed, progress=True)
    settings = Settings.embedded(data_dir)
    with build_platform(settings) as platform:
        monitoring = build_monitoring(platform, settings)
        engine = platform.engine
        onboarding = demo_acquiring.onboard(platform, sim.registry)
        admin = platform.credentials.create_user(
            "demo", "demo.admin", roles=["admin"], reason="the demo's administrator"
        )
        decisions: dict[str, Decision] = {}
        t0 = time.perf_counter()
        columns = (TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("scoring", total=len(sim.events))
            lifecycle = LifecycleRun(platform, Answers(seed), sim.labels)
            for chunk in chunks(sim.events):
                for event, result in zip(chunk, engine.decide_many(chunk), strict=True):
                    if isinstance(result, Decision):
                        decisions[result.event_id] = result
                        lifecycle.decided(event, result)
                lifecycle.answer(now=datetime.fromisoformat(chunk[-1]["occurred_at"]))
                bar.advance(task, len(chunk))
            lifecycle.answer(now=None)
        scoring_s = time.perf_counter() - t0
        held = lifecycle.summary()
        descriptions = {r.id: f"{r.description_zh} / {r.description_en}" for r in engine.ruleset.rules}
        t1 = time.perf_counter()
        monitoring.refresh()
        cashout, _ = monitoring.cashout(min(days, 30))
        victims, points = monitoring.compromise(30)
        batch_s = time.perf_counter() - t1
        acquiring = demo_acquiring.review(
            platform,
            cashout,
            points,
            sim.registry,
            sim.entity_labels,
            sim.events[-1]["occurred_at"],
            monitoring.peers(min(days, 30) // 2 or 1),
        )
    report = _report(
        sim.events, sim.labels, decisions, descriptions, held["ended"], sim.lookalikes, sim.context, sim.funded_by
    )
    report.update(
        lifecycle=held,
        scoring_s=scoring_s,
        total_s=time.perf_counter() - started,
        events=len(sim.events),
        registered=onboarding["registered"],
        acquiring=(onboarding, acquiring),
        batch_s=batch_s,
        cashout=_rank_quality(cashout, sim.entity_labels),
        compromise=(victims, points[:3], sim),
        db_url=settings.db_url,
        admin_secret=admin.secret,
    )
    return report


def _print_login(console: Console, data_dir: Path, initial: str) -> None:
    """How to reach this data over HTTP: no call is answered without a credential."""
    where = f"--data-dir {data_dir}"
    console.print(
        "\nOver HTTP 通过HTTP访问 (every call needs a credential 每个请求都需要凭证):\n"
        f"  fengkong serve {where} --port 8000\n"
        "  curl -s -X POST localhost:8000/v1/sessions -H 'content-type: application/json' \\\n"
        f'       -d \'{{"username": "demo.admin", "password": "{initial}"}}\'\n'
        "  (an initial password: change it with POST /v1/me/password before anything else; then\n"
        f"   `fengkong keys create --label core --role client {where}` makes a key for a system,\n"
        "   sent as Authorization: Bearer <key>; see docs/access.md)",
        markup=False,
    )


def _rank_quality(report: Any, labels: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, findings, prefix in (
        ("merchants", report.merchants, "merchant:"),
        ("cardholders", report.cardholders, "card:"),
    ):
        truth = {k for k, v in labels.items() if k.startswith(prefix)}
        top1 = max(1, len(findings) // 100)
        k = max(1, len(truth))
        out[kind] = {
            "scored": len(findings),
            "labelled": len(truth),
            "precision_top_1pct": sum(prefix + f.entity_id in truth for f in findings[:top1]) / top1,
            "top_1pct": top1,
            "precision_at_k": sum(prefix + f.entity_id in truth for f in findings[:k]) / k,
            "level_3_plus": sum(f.level >= 3 for f in findings),
            "top": [
                (f.entity_id, f.score, f.level, f.disposition, f.drivers, prefix + f.entity_id in truth)
                for f in findings[:3]
            ],
        }
    return out


def _report(
    events: list[dict[str, Any]],
    labels: dict[str, str],
    decisions: dict[str, Decision],
    descriptions: dict[str, str],
    ended: dict[str, str],
    lookalikes: dict[str, str] | None = None,
    context: frozenset[str] = frozenset(),
    funded_by: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`ended`: how each held payment ended (passed, released, failed, ...): a payment stopped is
    one that was not approved and did not pass its challenge or an analyst's review.
    `lookalikes`: legitimate events drawn to look like an attack, by family (their friction is
    reported apart from ordinary customers'); `context`: events of an attack that are not money
    the institution decides on (money arriving from elsewhere, an account being opened);
    `funded_by`: a mule's onward payment and the payment whose money it moves - when that one did
    not go through, there was no money to move, and the onward attempt is not counted as money."""
    lookalikes = lookalikes or {}
    funded_by = funded_by or {}

    def went(event_id: str) -> bool:
        first = decisions.get(event_id)
        return first is not None and (first.decision.value == "approve" or ended.get(event_id) in GONE_THROUGH)

    unfunded = 0
    alike: dict[str, Counter[str]] = defaultdict(Counter)
    outcomes = Counter(d.decision.value for d in decisions.values())
    reason_text: dict[str, str] = {}
    for d in decisions.values():
        for r in d.reasons:
            if r.outcome.value != "approve":
                reason_text[r.code] = descriptions.get(r.rule_id, r.rule_id)
    # per reason code: hits, on attack events, on look-alikes and ordinary customers, attack money stopped
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    stopped_by: dict[str, Decimal] = defaultdict(Decimal)
    latencies = sorted(d.latency_ms for d in decisions.values())
    scenario: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"amount": Decimal(0), "stopped": Decimal(0), "events": 0, "instances": defaultdict(list)}
    )
    legit_txn = legit_friction = legit_refused = legit_logins = legit_login_friction = 0
    for event in events:
        decision = decisions.get(event["event_id"])
        if decision is None:
            continue
        approved = decision.decision.value == "approve"
        went_through = approved or ended.get(event["event_id"]) in GONE_THROUGH
        if event["event_id"] in context:
            continue
        source = funded_by.get(event["event_id"])
        if source is not None and not went(source):
            unfunded += 1
            continue
        name = labels.get(event["event_id"])
        family = lookalikes.get(event["event_id"])
        for code in {r.code for r in decision.reasons if r.outcome.value != "approve"}:
            per_rule[code].update(hits=1, attack=name is not None, lookalike=family is not None)
            per_rule[code].update(ordinary=name is None and family is None)
            if name is not None and event["type"] == "transaction" and not went_through:
                stopped_by[code] += Decimal(event["amount"])
        if family is not None:
            if event["type"] == "transaction":
                alike[family].update(txn=1, friction=not approved, refused=not went_through)
            continue
        if name is None:
            if event["type"] == "transaction":
                legit_txn += 1
                legit_friction += not approved
                legit_refused += not went_through
            elif event["type"] == "login":
                legit_logins += 1
                legit_login_friction += not approved
            continue
        s = scenario[name]
        s["events"] += 1
        if event["type"] == "transaction":
            amount = Decimal(event["amount"])
            s["amount"] += amount
            s["stopped"] += 0 if went_through else amount
            s["instances"][event.get("customer_id")].append(went_through)
    detection = {}
    for name, s in sorted(scenario.items()):
        first_stops = []
        for sequence in s["instances"].values():
            stop = next((i + 1 for i, ok in enumerate(sequence) if not ok), None)
            first_stops.append((stop, len(sequence)))
        stopped = [f for f, _ in first_stops if f is not None]
        detection[name] = {
            "events": s["events"],
            "instances": len(first_stops),
            "fraud_amount": s["amount"],
            "stopped_amount": s["stopped"],
            "detection": float(s["stopped"] / s["amount"]) if s["amount"] else 0.0,
            "first_stop_median": statistics.median(stopped) if stopped else None,
            "never_stopped": sum(1 for f, _ in first_stops if f is None),
            "typical_length": statistics.median(n for _, n in first_stops) if first_stops else 0,
        }
    return {
        "outcomes": dict(outcomes),
        "decided": len(decisions),
        "rules": sorted(
            ({"code": code, **counts, "stopped": stopped_by[code]} for code, counts in per_rule.items()),
            key=lambda row: -row["hits"],
        ),
        "reason_text": reason_text,
        "latency_p50": statistics.median(latencies) if latencies else 0.0,
        "latency_p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        "latency_max": latencies[-1] if latencies else 0.0,
        "detection": detection,
        "legit_txn": legit_txn,
        "legit_friction": legit_friction,
        "legit_refused": legit_refused,
        "legit_logins": legit_logins,
        "legit_login_friction": legit_login_friction,
        "lookalikes": {family: dict(counts) for family, counts in sorted(alike.items())},
        "unfunded": unfunded,
    }


def _print_lookalikes(console: Console, alike: dict[str, dict[str, int]]) -> None:
    """Friction on legitimate customers whose payments look like an attack (drawn per run)."""
    if not alike:
        return
    t = Table(title="Friction on legitimate look-alikes 类攻击正常交易打扰率")
    for col in ("look-alike", "transactions", "not approved", "ended refused"):
        t.add_column(col, justify="left" if col == "look-alike" else "right")
    for family, n in alike.items():
        txn = n.get("txn", 0)
        t.add_row(
            family,
            f"{txn:,}",
            f"{n.get('friction', 0):,} ({_pct(n.get('friction', 0), txn)})",
            f"{n.get('refused', 0):,} ({_pct(n.get('refused', 0), txn)})",
        )
    console.print(t)


def _print_rules(console: Console, rules: list[dict[str, Any]], text: dict[str, str], top: int = 20) -> None:
    """Per rule (reason code), the answers other than approve it gave: how many, how many on
    labelled attacks (precision), the attack money it helped stop (rules overlap), and its
    friction on look-alikes and ordinary customers."""
    t = Table(title=f"Rules by hits 规则命中 (the {min(top, len(rules))} busiest of {len(rules)})")
    for col in ("code", "hits", "precision", "attack ¥ stopped", "look-alikes", "ordinary"):
        t.add_column(col, justify="left" if col == "code" else "right", no_wrap=True)
    for row in rules[:top]:
        t.add_row(
            row["code"],
            f"{row['hits']:,}",
            f"{row.get('attack', 0) / row['hits']:.0%}",
            f"{row['stopped']:,.0f}",
            f"{row.get('lookalike', 0):,}",
            f"{row.get('ordinary', 0):,}",
        )
    console.print(t)
    console.print("What each code means: `fengkong rules list`; the ten busiest:")
    for row in rules[:10]:
        console.print(f"  {row['code']}: {text.get(row['code'], '')}", overflow="ellipsis", no_wrap=True)


def _print_lifecycle(console: Console, held: dict[str, Any]) -> None:
    t = Table(title="Decision lifecycle 决策生命周期 (challenges answered by the simulated customers and fraudsters)")
    for col in ("held as", "opened", "reserved ¥", "how they ended"):
        t.add_column(col, justify="left" if col in ("held as", "how they ended") else "right")
    for kind, label in (("step_up", "challenge 验证"), ("review", "review 人工审核")):
        row = held["kinds"].get(kind, {"opened": 0, "reserved": Decimal(0), "ended": {}})
        endings = ", ".join(f"{state} {n:,}" for state, n in sorted(row["ended"].items(), key=lambda x: -x[1]))
        t.add_row(label, f"{row['opened']:,}", f"{row['reserved']:,.2f}", endings or "-")
    console.print(t)
    console.print(
        f"Resends given their open challenge again: {held['resends']:,}; challenge results sent: "
        f"{held['results']:,}; analysts' releases and declines: {held['resolutions']:,}. Simulated: a customer "
        "answers with the factors asked (2% give up), a fraudster passes only with factors they hold, and the "
        "analyst decides by the simulation's labels (a perfect analyst: real reviews will do worse)."
    )


def _print(console: Console, r: dict[str, Any], customers: int, days: int, data_dir: Path, db_url: str) -> None:
    console.rule("[bold]fengkong demo[/bold] — 风控演示")
    console.print(
        f"{customers:,} customers, {days} days: {r['events']:,} events scored in {r['scoring_s']:.1f} s "
        f"({r['events'] / r['scoring_s']:,.0f} events/s incl. durable commits; {r['total_s']:.1f} s in all)"
    )
    t = Table(title="Decisions by outcome 决策分布")
    t.add_column("decision")
    t.add_column("events", justify="right")
    t.add_column("share", justify="right")
    for name in ("approve", "step_up", "review", "delay_settlement", "reject", "stop_payment"):
        n = r["outcomes"].get(name, 0)
        t.add_row(name, f"{n:,}", _pct(n, r["decided"]))
    console.print(t)
    t = Table(title="Detection per attack scenario 各欺诈场景拦截 (share of fraudulent amount that did not go through)")
    t.add_column("scenario", no_wrap=True)
    for col in ("attacks", "events", "fraud ¥", "stopped", "1st stop", "missed"):
        t.add_column(col, justify="right", no_wrap=col in ("stopped", "1st stop"))
    total_amount = total_stopped = Decimal(0)
    for name, d in r["detection"].items():
        total_amount += d["fraud_amount"]
        total_stopped += d["stopped_amount"]
        first = "-" if d["first_stop_median"] is None else f"{d['first_stop_median']:g} of {d['typical_length']:g}"
        t.add_row(
            name,
            str(d["instances"]),
            str(d["events"]),
            f"{d['fraud_amount']:,.2f}",
            f"{100 * d['detection']:.1f}%",
            first,
            str(d["never_stopped"]),
        )
    t.add_row(
        "[bold]all[/bold]", "", "", f"{total_amount:,.2f}", _pct(float(total_stopped), float(total_amount)), "", ""
    )
    console.print(t)
    console.print(
        "1st stop: median position of the first transaction that did not go through in each attack; "
        f"missed: attacks with no transaction stopped; {r.get('unfunded', 0):,} onward payments by mules of money "
        "that never reached them (the payment that sent it was stopped) are not counted"
    )
    console.print(
        f"Friction on legitimate customers 正常客户打扰率: {r['legit_friction']:,} of {r['legit_txn']:,} transactions "
        f"not approved ({_pct(r['legit_friction'], r['legit_txn'])}); {r['legit_login_friction']:,} of "
        f"{r['legit_logins']:,} logins challenged ({_pct(r['legit_login_friction'], r['legit_logins'])}); "
        f"{r['legit_refused']:,} transactions ended refused after challenges and reviews "
        f"({_pct(r['legit_refused'], r['legit_txn'])})"
    )
    _print_lookalikes(console, r["lookalikes"])
    _print_lifecycle(console, r["lifecycle"])
    _print_rules(console, r["rules"], r["reason_text"])
    console.print(
        f"Decision latency 决策耗时: p50 {r['latency_p50']:.3f} ms, p99 {r['latency_p99']:.3f} ms, "
        f"max {r['latency_max']:.3f} ms (validation + features + rules, before the batch commit; the max includes "
        "the first event's warm-up)"
    )
    q = r["cashout"]
    t = Table(title=f"Credit-card cash-out monitoring (batch, DuckDB, {r['batch_s']:.1f} s) 套现监测")
    for col in ("", "scored", "cash-out (labelled)", "precision top 1%", "precision@labelled", "level ≥3"):
        t.add_column(col)
    for kind in ("merchants", "cardholders"):
        row = q[kind]
        t.add_row(
            kind,
            str(row["scored"]),
            str(row["labelled"]),
            f"{row['precision_top_1pct']:.2f} (top {row['top_1pct']})",
            f"{row['precision_at_k']:.2f}",
            str(row["level_3_plus"]),
        )
    console.print(t)
    for kind in ("merchants", "cardholders"):
        for entity, score, level, disposition, drivers, labelled in q[kind]["top"][:2]:
            console.print(
                f"  {kind[:-1]} {entity}: score {score:.1f}, level {level} → {disposition or '-'} "
                f"({', '.join(drivers[:3])}){'' if labelled else ' [not labelled cash-out]'}",
                highlight=False,
            )
    victims, points, sim = r["compromise"]
    if points:
        best = points[0]
        console.print(
            f"Common point of compromise 共同风险点: {best.terminal_id} — {best.victims} of {victims} cards later "
            f"confirmed counterfeit used it in the 30 days before their first fraud ({100 * best.victim_share:.0f}%); "
            f"next: {', '.join(f'{p.terminal_id} ({p.victims})' for p in points[1:]) or '-'}"
        )
    demo_acquiring.print_section(console, *r["acquiring"])
    console.print(f"Data written to 数据位置: {data_dir.resolve()} ({db_url})")


def demo(
    customers: int = typer.Option(3000, min=10),
    days: int = typer.Option(30, min=1),
    seed: int = 7,
    data_dir: Path = typer.Option(Path("fengkong-demo"), help="Where the demo database is written (replaced)."),
) -> None:
    """Simulate a month of traffic, score it on the embedded default and print a risk report."""
    run_demo(customers=customers, days=days, seed=seed, data_dir=data_dir)
