"""Merchant behaviour against its peers (003 §3.2.5, 001 §1.8-6), as DuckDB SQL over the
Parquet export and a robust comparison in Python.

Each merchant's ticket size, daily amount and count, share of money taken at abnormal hours
(00-06 Asia/Shanghai) and share in large round amounts are set beside the median of its peers:
the same merchant type in the same city, or - when it has fewer than `MIN_PEERS` there, a new
merchant alone in its type included - the same type anywhere, then every merchant of the city,
then every merchant. Against its own history it is the daily amount and count jump (a new
merchant has no history: its peers stand in). Where the acquirer sends the merchant's
settlement account transactions (its deposits and transfers, account numbers as in the
registry), money that arrives and leaves within a day is measured too (快进快出).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fengkong.batch.cashout import DAY, connect

MIN_PEERS = 5
MIN_TRANSACTIONS = 10  # in the window, and before it for a jump: fewer say nothing about a share
RATIO_FLAG = 3.0  # ticket, daily amount or count at least this many times the peers' median
SHARE_FLAG = 0.25  # night or round-amount share this much above the peers' median...
SHARE_FLOOR = 0.3  # ...and at least this share of the merchant's money
JUMP_FLAG = 3.0  # daily amount or count this many times its own baseline
PASS_THROUGH_FLAG = 0.8  # of the money settled, this share left within a day
RATIOS = ("ticket", "daily_amount", "daily_count")
_NAMES = {
    "ticket": "ticket",
    "daily_amount": "daily amount",
    "daily_count": "daily count",
    "night_share": "money at 00-06",
    "round_share": "money in large round sums",
}
SHARES = ("night_share", "round_share")


@dataclass(frozen=True, slots=True)
class Deviation:
    metric: str
    value: float
    peers: float | None  # the peers' median (None: against its own history or absolute)
    why: str


@dataclass(frozen=True, slots=True)
class PeerFinding:
    merchant_id: str
    mcc: str
    city: str
    peer_group: str  # mcc+city | mcc | city | all
    peers: int
    new: bool  # no history before the window
    deviations: tuple[Deviation, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "merchant_id": self.merchant_id,
            "mcc": self.mcc,
            "city": self.city,
            "peer_group": self.peer_group,
            "peers": self.peers,
            "new": self.new,
            "deviations": [
                {"metric": d.metric, "value": round(d.value, 4), "peers": d.peers, "why": d.why}
                for d in self.deviations
            ],
        }


def merchant_metrics(parquet_dir: Path, since: float, baseline_days: int) -> list[dict[str, Any]]:
    """One row per merchant with card transactions in the window."""
    con = connect(parquet_dir)
    sql = f"""
    WITH tx AS (
      SELECT *, ((ts + 28800) % {DAY}) / 3600 AS local_hour FROM ev
      WHERE type = 'transaction' AND merchant_id IS NOT NULL
        AND txn_type IN ('purchase', 'preauth_completion', 'balance_payment')
        AND decision IN ('approve', 'delay_settlement', 'review', 'step_up')),
    recent AS (SELECT * FROM tx WHERE ts >= {since}),
    span AS (SELECT greatest(1, (max(ts) - {since}) / {DAY}) AS days FROM recent),
    m AS (
      SELECT merchant_id, mode(mcc) AS mcc, mode(city) AS city, count(*) AS n, sum(amount_fen) AS amount,
        avg(amount_fen) AS ticket, min(ts) AS first_ts,
        sum(amount_fen) FILTER (WHERE local_hour < 6) / sum(amount_fen) AS night_share,
        sum(amount_fen) FILTER (WHERE amount_fen >= 100000 AND amount_fen % 100000 = 0) / sum(amount_fen) AS round_share
      FROM recent GROUP BY merchant_id),
    base AS (
      SELECT merchant_id, sum(amount_fen) / {baseline_days} AS base_amount, count(*) / {baseline_days} AS base_count
      FROM tx WHERE ts < {since} AND ts >= {since} - {baseline_days} * {DAY} GROUP BY merchant_id)
    SELECT m.*, m.amount / span.days AS daily_amount, m.n / span.days AS daily_count,
           base.base_amount, base.base_count
    FROM m CROSS JOIN span LEFT JOIN base USING (merchant_id)
    """
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def settlement_flows(parquet_dir: Path, since: float, accounts: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Per merchant (by its settlement account reference): money in, and the share of it that
    left within a day of arriving."""
    if not accounts:
        return {}
    con = connect(parquet_dir)
    con.execute("CREATE TEMP TABLE settle(account_id VARCHAR, merchant_id VARCHAR)")
    con.executemany("INSERT INTO settle VALUES (?, ?)", list(accounts.items()))
    sql = f"""
    WITH f AS (
      SELECT s.merchant_id, e.ts, e.txn_type, e.amount_fen FROM ev e JOIN settle s USING (account_id)
      WHERE e.type = 'transaction' AND e.ts >= {since}
        AND e.decision IN ('approve', 'delay_settlement', 'review', 'step_up')),  -- a held try is evidence too
    ins AS (SELECT merchant_id, sum(amount_fen) AS money_in FROM f WHERE txn_type = 'deposit' GROUP BY merchant_id),
    outs AS (
      SELECT o.merchant_id, sum(o.amount_fen) AS fast_out FROM f o
      WHERE o.txn_type IN ('transfer', 'withdrawal')
        AND EXISTS (SELECT 1 FROM f i WHERE i.merchant_id = o.merchant_id AND i.txn_type = 'deposit'
                    AND i.ts <= o.ts AND o.ts - i.ts <= {DAY})
      GROUP BY o.merchant_id)
    SELECT ins.merchant_id, ins.money_in, coalesce(outs.fast_out, 0) AS fast_out
    FROM ins LEFT JOIN outs USING (merchant_id)
    """
    return {m: {"money_in": i / 100, "fast_out_share": min(1.0, o / i)} for m, i, o in con.execute(sql).fetchall()}


def _group_key(name: str, row: dict[str, Any]) -> Any:
    return {"mcc+city": (row["mcc"], row["city"]), "mcc": row["mcc"], "city": row["city"], "all": None}[name]


GROUPS = ("mcc+city", "mcc", "city", "all")


def _peer_groups(rows: list[dict[str, Any]]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Each merchant's peer group: the narrowest with at least MIN_PEERS other merchants."""
    by: dict[str, dict[Any, list[dict[str, Any]]]] = {name: defaultdict(list) for name in GROUPS}
    for row in rows:
        for name in GROUPS:
            by[name][_group_key(name, row)].append(row)
    out = {}
    for row in rows:
        for name in GROUPS:
            group = [p for p in by[name][_group_key(name, row)] if p["merchant_id"] != row["merchant_id"]]
            if len(group) >= MIN_PEERS or name == "all":
                out[row["merchant_id"]] = (name, group)
                break
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def compare(
    rows: list[dict[str, Any]], flows: Mapping[str, Mapping[str, float]] | None = None, baseline_days: int = 30
) -> list[PeerFinding]:
    """Every merchant that deviates, most deviations first."""
    groups = _peer_groups(rows)
    findings = []
    for row in rows:
        if row["n"] < MIN_TRANSACTIONS:
            continue
        group_name, peers = groups[row["merchant_id"]]
        new = row["base_amount"] is None
        deviations: list[Deviation] = []
        # a merchant's size is its own: volume against peers only for a new one (no history of
        # its own to jump from); the ticket is the trade's
        for metric in RATIOS if new else RATIOS[:1]:
            median = _median([float(p[metric]) for p in peers if p[metric] is not None])
            value = float(row[metric] or 0)
            if median and value >= RATIO_FLAG * median:
                deviations.append(
                    Deviation(metric, value, median, f"{_NAMES[metric]} {value / median:.1f}x its peers' median")
                )
        for metric in SHARES:
            median = _median([float(p[metric] or 0) for p in peers])
            value = float(row[metric] or 0)
            if median is not None and value >= SHARE_FLOOR and value - median >= SHARE_FLAG:
                deviations.append(
                    Deviation(metric, value, median, f"{_NAMES[metric]} {value:.0%} against its peers' {median:.0%}")
                )
        for metric, base in (("daily_amount", "base_amount"), ("daily_count", "base_count")):
            if row[base] and row["base_count"] * baseline_days >= MIN_TRANSACTIONS:
                jump = float(row[metric]) / float(row[base])
                if jump >= JUMP_FLAG:
                    deviations.append(
                        Deviation(f"{metric}_jump", jump, None, f"{_NAMES[metric]} {jump:.1f}x its own level before")
                    )
        flow = (flows or {}).get(row["merchant_id"])
        if flow and flow["fast_out_share"] >= PASS_THROUGH_FLAG:
            deviations.append(
                Deviation(
                    "settlement_pass_through",
                    flow["fast_out_share"],
                    None,
                    f"{flow['fast_out_share']:.0%} of {flow['money_in']:,.2f} settled left within a day",
                )
            )
        if deviations:
            findings.append(
                PeerFinding(
                    row["merchant_id"],
                    str(row["mcc"] or ""),
                    str(row["city"] or ""),
                    group_name,
                    len(peers),
                    new,
                    tuple(deviations),
                )
            )
    return sorted(findings, key=lambda f: (-len(f.deviations), f.merchant_id))


def scan(parquet_dir: Path, window_days: int, settlement_accounts: Mapping[str, str]) -> list[PeerFinding]:
    """The last `window_days` of the export against its peers and the window before it."""
    con = connect(parquet_dir)
    last = con.execute("SELECT max(ts) FROM ev").fetchone()
    if last is None or last[0] is None:
        return []
    since = float(last[0]) - window_days * DAY
    rows = merchant_metrics(parquet_dir, since, window_days)
    return compare(rows, settlement_flows(parquet_dir, since, settlement_accounts), window_days)
