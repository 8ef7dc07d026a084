"""Credit-card cash-out monitoring (R9, seed 003) as DuckDB SQL over the Parquet export.

Merchants: amount/count jump against their own history, share at abnormal hours (00-06
Asia/Shanghai), large round amounts, credit-card share, pre-authorisation completions near 115%
of the authorised amount, offline completions, voids and reversals, average ticket far above
the MCC's norm. Cardholders: repeated large round amounts, credit utilisation, concentration
on few merchants, low everyday spending, low-fee wholesale MCCs, near-limit billing cycles in
few transactions, repayment just before the due date followed soon by a near-limit spend.

Each indicator is mapped to 0..1 and weighted into a 0-100 score; the score gives a level 1-5
and the graded disposition of 003. Every result lists the indicators that drove it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from fengkong.domain.acquiring.onboarding import EVERYDAY_MCCS, WHOLESALE_MCCS
from fengkong.domain.limits.reference import CARDHOLDER_ACTIONS, MERCHANT_ACTIONS

LEVELS = ((80.0, 5), (65.0, 4), (50.0, 3), (35.0, 2), (20.0, 1))
DAY = 86400

MERCHANT_WEIGHTS = {
    "volume_jump": 10,
    "night_share": 10,
    "round_amount_share": 25,
    "credit_share": 10,
    "preauth_115": 15,
    "offline_completions": 5,
    "void_reversal_share": 5,
    "ticket_vs_mcc": 20,
}
CARDHOLDER_WEIGHTS = {
    "round_large_amounts": 20,
    "utilisation": 15,
    "merchant_concentration": 10,
    "low_everyday_share": 10,
    "wholesale_share": 10,
    "near_limit_cycles": 20,
    "repay_then_spend": 15,
}


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # merchant | cardholder
    entity_id: str
    score: float
    level: int
    disposition: str | None
    indicators: dict[str, float]  # indicator -> 0..1 component
    details: dict[str, Any] = field(default_factory=dict)
    recheck: bool = False

    @property
    def drivers(self) -> list[str]:
        return [name for name, value in sorted(self.indicators.items(), key=lambda kv: -kv[1]) if value >= 0.5]


def _level(score: float) -> int:
    return next((lvl for threshold, lvl in LEVELS if score >= threshold), 0)


def _list(values: Any) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def connect(parquet_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    files = (parquet_dir / "events-*.parquet").as_posix().replace("'", "''")
    con.execute(f"CREATE VIEW ev AS SELECT * FROM read_parquet('{files}')")
    return con


def merchant_indicators(con: duckdb.DuckDBPyConnection, since: float, baseline_days: int) -> list[dict[str, Any]]:
    sql = f"""
    WITH tx AS (
      SELECT *, ((ts + 28800) % {DAY}) / 3600 AS local_hour FROM ev
      -- attempts held for review or a challenge count: a cash-out try is evidence even when held
      WHERE type = 'transaction' AND merchant_id IS NOT NULL AND decision IN ('approve', 'delay_settlement', 'review', 'step_up')),
    recent AS (SELECT * FROM tx WHERE ts >= {since}),
    days AS (SELECT greatest(1, (max(ts) - {since}) / {DAY}) AS n FROM recent),
    m AS (
      SELECT merchant_id, any_value(mcc) AS mcc, count(*) AS n, sum(amount_fen) AS amount,
        -- shares of the money, not of the count: cash-out hides in a few large payments among
        -- a merchant's ordinary small ones
        sum(amount_fen) FILTER (WHERE local_hour < 6) / sum(amount_fen) AS night_share,
        -- a pattern, not one big sale: at least three large round payments
        CASE WHEN count(*) FILTER (WHERE amount_fen >= 100000 AND amount_fen % 100000 = 0) >= 3
             THEN sum(amount_fen) FILTER (WHERE amount_fen >= 100000 AND amount_fen % 100000 = 0) / sum(amount_fen)
             ELSE 0 END AS round_share,
        sum(amount_fen) FILTER (WHERE card_kind = 'credit') / sum(amount_fen) AS credit_share,
        avg(CASE WHEN txn_type IN ('void', 'reversal') THEN 1 ELSE 0 END) AS void_share,
        avg(amount_fen) AS ticket
      FROM recent GROUP BY merchant_id),
    base AS (
      SELECT merchant_id, sum(amount_fen) / {baseline_days} AS daily_base FROM tx
      WHERE ts < {since} AND ts >= {since} - {baseline_days} * {DAY} GROUP BY merchant_id),
    norm AS (SELECT mcc, median(ticket) AS mcc_ticket FROM m GROUP BY mcc),
    comp AS (
      SELECT c.merchant_id,
        count(*) FILTER (WHERE p.amount_fen > 0 AND c.amount_fen::DOUBLE / p.amount_fen BETWEEN 1.10 AND 1.16) AS near_115,
        count(*) FILTER (WHERE p.event_id IS NULL) AS offline
      FROM recent c LEFT JOIN tx p ON p.preauth_id = c.preauth_id AND p.txn_type = 'preauth'
      WHERE c.txn_type = 'preauth_completion' GROUP BY c.merchant_id)
    SELECT m.*, base.daily_base, norm.mcc_ticket, coalesce(comp.near_115, 0) AS near_115,
           coalesce(comp.offline, 0) AS offline, (SELECT n FROM days) AS days
    FROM m LEFT JOIN base USING (merchant_id) LEFT JOIN norm USING (mcc) LEFT JOIN comp USING (merchant_id)
    """
    columns = [d[0] for d in con.execute(sql).description]
    return [dict(zip(columns, row, strict=True)) for row in con.execute(sql).fetchall()]


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def score_merchant(row: dict[str, Any]) -> Finding:
    daily = row["amount"] / max(row["days"], 1)
    jump = daily / row["daily_base"] if row["daily_base"] else 1.0
    components = {
        "volume_jump": _clamp((jump - 1.5) / 3),
        "night_share": _clamp((row["night_share"] or 0) / 0.3),
        "round_amount_share": _clamp((row["round_share"] or 0) / 0.5),
        "credit_share": _clamp(((row["credit_share"] or 0) - 0.4) / 0.5),
        "preauth_115": _clamp(row["near_115"] / 3),
        "offline_completions": _clamp(row["offline"] / 3),
        "void_reversal_share": _clamp(row["void_share"] / 0.1),
        "ticket_vs_mcc": _clamp((row["ticket"] / row["mcc_ticket"] - 2) / 8) if row["mcc_ticket"] else 0.0,
    }
    score = round(sum(MERCHANT_WEIGHTS[k] * v for k, v in components.items()) * 100 / sum(MERCHANT_WEIGHTS.values()), 2)
    level = _level(score)
    details = {"transactions": row["n"], "amount": row["amount"] / 100, "mcc": row["mcc"]}
    return Finding(
        "merchant",
        row["merchant_id"],
        score,
        level,
        MERCHANT_ACTIONS[level - 1] if level else None,
        components,
        details,
    )


def cardholder_indicators(con: duckdb.DuckDBPyConnection, since: float) -> list[dict[str, Any]]:
    sql = f"""
    WITH tx AS (
      SELECT * FROM ev WHERE type = 'transaction' AND card_kind = 'credit' AND card_id IS NOT NULL
        AND decision IN ('approve', 'delay_settlement', 'review', 'step_up') AND ts >= {since}
        AND txn_type IN ('purchase', 'preauth_completion', 'withdrawal')),
    lim AS (SELECT card_id, max(TRY_CAST(credit_limit AS DOUBLE)) * 100 AS limit_fen FROM tx GROUP BY card_id),
    per_merchant AS (SELECT card_id, merchant_id, sum(amount_fen) AS amt FROM tx GROUP BY card_id, merchant_id),
    conc AS (SELECT card_id, max(amt) / sum(amt) AS top_share FROM per_merchant GROUP BY card_id),
    cycles AS (SELECT card_id, floor(ts / ({DAY} * 30)) AS cycle, sum(amount_fen) AS amt, count(*) AS n FROM tx GROUP BY 1, 2),
    c AS (
      SELECT card_id, any_value(customer_id) AS customer_id, count(*) AS n, sum(amount_fen) AS amount,
        count(*) FILTER (WHERE amount_fen >= 100000 AND amount_fen % 100000 = 0) AS round_large,
        sum(amount_fen) FILTER (WHERE mcc IN ({_list(EVERYDAY_MCCS)})) / sum(amount_fen) AS everyday_share,
        coalesce(sum(amount_fen) FILTER (WHERE mcc IN ({_list(WHOLESALE_MCCS)})), 0) / sum(amount_fen) AS wholesale_share
      FROM tx GROUP BY card_id),
    rep AS (
      SELECT r.card_id, count(*) AS repay_then_spend FROM ev r
      JOIN tx t ON t.card_id = r.card_id AND t.ts BETWEEN r.ts AND r.ts + 3 * {DAY}
      JOIN lim ON lim.card_id = r.card_id
      WHERE r.type = 'repayment' AND r.ts >= {since}
        AND epoch(TRY_CAST(r.statement_due_date AS DATE)) - r.ts BETWEEN -{DAY} AND 2 * {DAY}
        AND t.amount_fen >= 0.7 * lim.limit_fen
      GROUP BY r.card_id)
    SELECT c.*, lim.limit_fen, conc.top_share,
      (SELECT max(amt) FROM cycles WHERE cycles.card_id = c.card_id) AS max_cycle_amt,
      (SELECT count(*) FROM cycles WHERE cycles.card_id = c.card_id AND amt >= 0.9 * lim.limit_fen AND n <= 3) AS near_limit_cycles,
      coalesce(rep.repay_then_spend, 0) AS repay_then_spend
    FROM c LEFT JOIN lim USING (card_id) LEFT JOIN conc USING (card_id) LEFT JOIN rep USING (card_id)
    """
    columns = [d[0] for d in con.execute(sql).description]
    return [dict(zip(columns, row, strict=True)) for row in con.execute(sql).fetchall()]


def score_cardholder(row: dict[str, Any]) -> Finding:
    limit = row["limit_fen"] or 0
    components = {
        "round_large_amounts": _clamp(row["round_large"] / 4),
        "utilisation": _clamp(((row["max_cycle_amt"] or 0) / limit - 0.7) / 0.25) if limit else 0.0,
        "merchant_concentration": _clamp(((row["top_share"] or 0) - 0.5) / 0.5) if row["n"] >= 2 else 0.0,
        "low_everyday_share": _clamp((0.3 - (row["everyday_share"] or 0)) / 0.3),
        "wholesale_share": _clamp((row["wholesale_share"] or 0) / 0.5),
        "near_limit_cycles": _clamp(row["near_limit_cycles"] / 2),
        "repay_then_spend": _clamp(row["repay_then_spend"]),
    }
    score = round(
        sum(CARDHOLDER_WEIGHTS[k] * v for k, v in components.items()) * 100 / sum(CARDHOLDER_WEIGHTS.values()), 2
    )
    level = _level(score)
    details = {
        "transactions": row["n"],
        "amount": row["amount"] / 100,
        "customer_id": row["customer_id"],
        "credit_limit": limit / 100,
    }
    return Finding(
        "cardholder",
        row["card_id"],
        score,
        level,
        CARDHOLDER_ACTIONS[level - 1] if level else None,
        components,
        details,
    )


@dataclass
class CashOutReport:
    merchants: list[Finding]
    cardholders: list[Finding]
    since: float
    until: float


def scan(
    parquet_dir: Path, window_days: int = 30, baseline_days: int = 60, recheck_share: float = 0.1, seed: int = 0
) -> CashOutReport:
    """Score every merchant and credit cardholder of the last `window_days` of stored events."""
    con = connect(parquet_dir)
    until = float(con.execute("SELECT max(ts) FROM ev").fetchone()[0] or 0)  # type: ignore[index]
    since = until - window_days * DAY
    merchants = sorted(
        (score_merchant(r) for r in merchant_indicators(con, since, baseline_days)), key=lambda f: -f.score
    )
    holders = sorted((score_cardholder(r) for r in cardholder_indicators(con, since)), key=lambda f: -f.score)
    con.close()
    rng = random.Random(seed)
    controlled = [f for f in merchants + holders if f.level >= 3]
    chosen = (
        {id(f) for f in rng.sample(controlled, max(1, round(len(controlled) * recheck_share)))} if controlled else set()
    )

    def mark(items: list[Finding]) -> list[Finding]:
        return [
            Finding(f.kind, f.entity_id, f.score, f.level, f.disposition, f.indicators, f.details, id(f) in chosen)
            for f in items
        ]

    return CashOutReport(mark(merchants), mark(holders), since, until)
