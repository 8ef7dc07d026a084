"""The engine through its public API on SQLite and PostgreSQL: idempotency, bad input, reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fengkong import Engine, InvalidEventError, Outcome, Settings
from fengkong.bootstrap import build_platform
from tests.integration.helpers import COUNT_RULES, txn


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "count.yaml").write_text(COUNT_RULES, encoding="utf-8")
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    return Settings.embedded(tmp_path / "data", database_url=url, rule_paths=(rules,))


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    with build_platform(settings) as platform:
        yield platform.engine


def test_same_event_id_returns_the_first_decision_and_changes_no_state(engine: Engine) -> None:
    first = engine.decide(txn("e1", 0, "100.00"))
    assert first.decision is Outcome.APPROVE
    again = engine.decide(txn("e1", 0, "999.00"))  # different content, same id
    assert again.replayed and again.decision is first.decision and again.score == first.score
    results = engine.decide_many([txn("e1", 0), txn("e1", 1)])
    assert all(r.replayed for r in results)  # type: ignore[union-attr]
    # Had the duplicates counted, the 10-minute count would be >= 2 and this would be review.
    nxt = engine.decide(txn("e2", 5, "100.00"))
    assert nxt.decision is Outcome.APPROVE
    assert engine.log.count() == 2


def test_duplicates_inside_one_batch(engine: Engine) -> None:
    results = engine.decide_many([txn("d1", 0), txn("d1", 0), txn("d2", 1)])
    assert [getattr(r, "replayed", None) for r in results] == [False, True, False]
    assert results[2].decision is Outcome.APPROVE  # type: ignore[union-attr]
    assert engine.log.count() == 2


def test_state_carries_across_events_and_reasons_explain(engine: Engine) -> None:
    engine.decide(txn("a", 0, "600.00"))
    # features describe what was known before the event: one earlier transaction here
    assert engine.decide(txn("b", 1, "300.00")).decision is Outcome.APPROVE
    third = engine.decide(txn("c", 2, "50.00"))
    assert third.decision is Outcome.REVIEW and third.reasons[0].code == "BURST"
    fourth = engine.decide(txn("d", 30, "200.00"))
    assert fourth.decision is Outcome.REJECT
    assert fourth.reasons[0].code == "DAILY_TOTAL"
    assert fourth.reasons[0].message_zh == "今日已用 900.00 元"  # the reviewed 50 is not counted
    # a different customer is untouched
    assert engine.decide(txn("e", 30, "200.00", customer="c2")).decision is Outcome.APPROVE


def test_only_approved_money_counts_toward_the_daily_total(engine: Engine) -> None:
    engine.decide(txn("a", 0, "900.00"))
    assert engine.decide(txn("b", 20, "200.00")).decision is Outcome.REJECT
    # the refused 200 did not use allowance: exactly 100 is still available
    assert engine.decide(txn("c", 40, "100.00")).decision is Outcome.APPROVE
    assert engine.decide(txn("d", 59, "0.01")).decision is Outcome.REJECT


def test_bad_events_get_errors_are_kept_and_do_not_stop_the_batch(engine: Engine) -> None:
    big = "x" * 50_000_000
    items = [
        txn("ok1", 0),
        '{"event_id": "bad1", "type": "transaction", "amount": -5}',
        b"{not json",
        {**txn("bad2", 1), "amount": "1.234"},
        {**txn("bad3", 1), "occurred_at": "2024-03-01T10:00:00"},
        {**txn("bad4", 1), "type": "teleport"},
        {**txn("bad5", 1), "merchant_id": big},
        {k: v for k, v in txn("x", 1).items() if k != "event_id"},
        txn("ok2", 30),
    ]
    results = engine.decide_many(items)
    kinds = [("error:" + r.first.field) if hasattr(r, "errors") else r.decision.value for r in results]  # type: ignore[union-attr]
    assert kinds == [
        "approve",
        "error:occurred_at",
        "error:(json)",
        "error:amount",
        "error:occurred_at",
        "error:type",
        "error:merchant_id",
        "error:event_id",
        "approve",
    ]
    stored = engine.log.rejected(20)
    assert len(stored) == 7
    assert {r.field for r in stored} >= {"amount", "(json)", "type", "merchant_id", "event_id"}
    assert all(len(r.raw_excerpt) < 5000 for r in stored)
    with pytest.raises(InvalidEventError, match="amount"):
        engine.decide({**txn("bad6", 2), "amount": "abc"})


def test_reload_applies_new_rules_and_a_broken_file_keeps_the_active_ones(engine: Engine, settings: Settings) -> None:
    rules_dir = settings.rule_paths[0]
    engine.decide(txn("a", 0, "100.00"))
    engine.decide(txn("a2", 0, "100.00"))
    assert engine.decide(txn("b", 1, "100.00")).decision is Outcome.REVIEW
    (rules_dir / "count.yaml").write_text(
        COUNT_RULES.replace("decision: review", "decision: step_up"), encoding="utf-8"
    )
    assert engine.reload_rules() == []
    assert engine.decide(txn("c", 2, "100.00")).decision is Outcome.STEP_UP
    version = engine.ruleset.version
    (rules_dir / "count.yaml").write_text(
        COUNT_RULES.replace("features.cust_txn_10m >= 2", "features.cust_txn_10m >= "), encoding="utf-8"
    )
    errors = engine.reload_rules()
    assert errors and errors[0].file.endswith("count.yaml") and (errors[0].line, errors[0].column) == (17, 35)
    assert engine.ruleset.version == version
    assert engine.decide(txn("d", 3, "100.00")).decision is Outcome.STEP_UP


def test_changing_a_feature_rebuilds_its_state_from_the_log(engine: Engine, settings: Settings) -> None:
    rules_dir = settings.rule_paths[0]
    engine.decide(txn("a", 0, "100.00"))
    engine.decide(txn("b", 1, "100.00"))
    assert engine.decide(txn("b2", 30, "100.00")).decision is Outcome.APPROVE  # 10-minute count: 0
    (rules_dir / "count.yaml").write_text(COUNT_RULES.replace("window: 10m", "window: 1h"), encoding="utf-8")
    assert engine.reload_rules() == []
    # the new 1-hour count already knows all three earlier events
    assert engine.decide(txn("c", 40, "100.00")).decision is Outcome.REVIEW
