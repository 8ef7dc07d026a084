"""Common point of compromise (R8, 003 篇五): cards later confirmed counterfeit or stolen
(feedback events) that were all used at the same terminal or ATM in the days before their first
fraud point at a skimmer there. Terminals are ranked by how many victims passed through them,
their share of all victims, and how unusual that is against the terminal's own traffic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fengkong.batch.cashout import DAY, connect

BAD_LABELS = ("fraud", "counterfeit", "stolen", "skimmed")


@dataclass(frozen=True, slots=True)
class CompromisePoint:
    terminal_id: str
    victims: int
    victim_share: float  # of all victim cards
    cards_seen: int  # all cards at the terminal in the same period
    victim_rate: float  # victims / cards seen
    first_use: float
    last_use: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "terminal_id": self.terminal_id,
            "victims": self.victims,
            "victim_share": round(self.victim_share, 4),
            "cards_seen": self.cards_seen,
            "victim_rate": round(self.victim_rate, 4),
            "first_use": self.first_use,
            "last_use": self.last_use,
        }


def find_compromise_points(
    parquet_dir: Path, days_before: int = 30, min_victims: int = 2
) -> tuple[int, list[CompromisePoint]]:
    """(number of victim cards, ranked terminals)."""
    con = connect(parquet_dir)
    labels = ", ".join(f"'{label}'" for label in BAD_LABELS)
    victims = con.execute(f"""
        CREATE TEMP TABLE victims AS
        SELECT t.card_id, min(t.ts) AS first_fraud FROM ev f JOIN ev t ON t.event_id = f.target_event_id
        WHERE f.type = 'feedback' AND f.label IN ({labels}) AND t.card_id IS NOT NULL GROUP BY t.card_id
    """).fetchall()
    del victims
    total = int(con.execute("SELECT count(*) FROM victims").fetchone()[0])  # type: ignore[index]
    if total == 0:
        con.close()
        return 0, []
    rows = con.execute(f"""
        WITH uses AS (
          SELECT e.terminal_id, e.card_id, e.ts FROM ev e JOIN victims v USING (card_id)
          WHERE e.type = 'transaction' AND e.terminal_id IS NOT NULL AND e.decision = 'approve'
            AND e.ts < v.first_fraud AND e.ts >= v.first_fraud - {days_before} * {DAY}),
        agg AS (SELECT terminal_id, count(DISTINCT card_id) AS victims, min(ts) AS first_use, max(ts) AS last_use
                FROM uses GROUP BY terminal_id HAVING count(DISTINCT card_id) >= {min_victims}),
        seen AS (SELECT e.terminal_id, count(DISTINCT e.card_id) AS cards FROM ev e JOIN agg USING (terminal_id)
                 WHERE e.type = 'transaction' AND e.ts BETWEEN agg.first_use AND agg.last_use GROUP BY e.terminal_id)
        SELECT agg.terminal_id, victims, cards, first_use, last_use FROM agg JOIN seen USING (terminal_id)
        ORDER BY victims DESC, victims::DOUBLE / cards DESC
    """).fetchall()
    con.close()
    return total, [
        CompromisePoint(r[0], int(r[1]), r[1] / total, int(r[2]), r[1] / max(int(r[2]), 1), r[3], r[4]) for r in rows
    ]
