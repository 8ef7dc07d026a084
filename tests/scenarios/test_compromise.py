"""Common point of compromise in real time (issue 13, part 2), through `fengkong score` with
events only: counterfeit reports that cluster on one terminal make it a common point of
compromise at the third report's time; from then on a card that used it before is challenged at
its next use and a far stripe read of it is refused; before that moment, and for cards that never
used it, nothing changes - also for an event sent late."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fengkong.simulate.world import synthetic_pan
from tests.integration.helpers import score_events

START = datetime(2026, 9, 1, 11, 0, tzinfo=timezone(timedelta(hours=8)))
HOME = {"lat": 31.23, "lon": 121.47, "city": "Shanghai", "country": "CN"}
FAR = {"lat": 23.13, "lon": 113.26, "city": "Guangzhou", "country": "CN"}
SKIMMER = "t-skim-01"
CARDS = {name: synthetic_pan(9000 + i, "debit") for i, name in enumerate("ABCDEGH")}


def use(
    event_id: str, days: float, card: str, terminal: str, where: dict[str, Any], mode: str = "chip"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": (START + timedelta(days=days)).isoformat(),
        "customer_id": f"c-{card}",
        "txn_type": "purchase",
        "channel": "pos",
        "amount": "260.00",
        "card_id": CARDS[card],
        "card_has_chip": True,
        "entry_mode": mode,
        "merchant_id": f"m-{terminal}",
        "terminal_id": terminal,
        "location": where,
    }


def report(event_id: str, days: float, target: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "feedback",
        "occurred_at": (START + timedelta(days=days)).isoformat(),
        "target_event_id": target,
        "label": "counterfeit",
        "source": "customer_report",
    }


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer.get("reasons", [])}


def test_reports_clustering_on_a_terminal_challenge_every_card_that_used_it(tmp_path: Path) -> None:
    events = [
        use("at-terminal-before-the-skimmer-E", -10, "E", SKIMMER, HOME),
        *(use(f"at-skimmer-{c}", 0.1 * i, c, SKIMMER, HOME) for i, c in enumerate("ABCDG")),
        use("elsewhere-H", 0.5, "H", "t-honest-02", HOME),
        # clones of A, B and C used far away; each holder reports two days later
        *(use(f"clone-{c}", 10 + i, c, f"t-far-{i}", FAR, mode="magstripe") for i, c in enumerate("ABC")),
        report("report-A", 12, "clone-A"),
        report("report-B", 13, "clone-B"),
        use("G-before", 13.5, "G", "t-honest-02", HOME),  # two reports: not yet a common point
        report("report-C", 14, "clone-C"),  # the third card: the skimmer is found
        use("G-after", 15, "G", "t-honest-02", HOME),
        use("H-after", 15, "H", "t-honest-02", HOME),
        use("E-after", 15, "E", "t-honest-02", HOME),
        use("D-clone", 15.2, "D", "t-far-9", FAR, mode="magstripe"),
        use("G-late", 13.8, "G", "t-honest-02", HOME),  # sent late, happened before the third report
    ]
    answers = {a["event_id"]: a for a in score_events(tmp_path / "d", events)}
    exposed = {"CARD_EXPOSED_AT_COMPROMISED_TERMINAL", "CLONE_OF_EXPOSED_CARD"}
    assert answers["G-before"]["decision"] == "approve" and not codes(answers["G-before"]) & exposed
    assert answers["G-after"]["decision"] == "step_up"
    assert "CARD_EXPOSED_AT_COMPROMISED_TERMINAL" in codes(answers["G-after"])
    assert not codes(answers["H-after"]) & exposed  # never used the skimmer
    # used the terminal ten days before the first reported card did: before the skimmer was fitted
    assert not codes(answers["E-after"]) & exposed
    assert answers["D-clone"]["decision"] == "reject" and "CLONE_OF_EXPOSED_CARD" in codes(answers["D-clone"])
    assert not codes(answers["G-late"]) & exposed  # by event time, as a replay will answer
