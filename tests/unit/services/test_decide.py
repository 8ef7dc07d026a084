"""The Engine on the memory adapters: idempotency, rejected input, the door, recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

import fengkong
from fengkong import Decision, EventError, InvalidEventError, Outcome, Settings
from fengkong.bootstrap import build_platform
from fengkong.services.platform import Platform
from tests.unit.services.support import PAN, named, purchase, transfer


def _decisions(results: list[Decision | EventError]) -> list[Decision]:
    decided = [r for r in results if isinstance(r, Decision)]
    assert len(decided) == len(results)
    return decided


# ---------------------------------------------------------------------------------------- idempotency


def test_same_event_id_is_replayed_and_counted_once(platform: Platform) -> None:
    first = platform.engine.decide(purchase("e1", 0))
    assert (first.decision, first.replayed) == (Outcome.APPROVE, False)

    again = platform.engine.decide(purchase("e1", 0, amount="999.00"))  # same id, other content

    assert again.replayed is True
    assert (again.event_id, again.decision, again.score, again.reasons) == (
        "e1",
        first.decision,
        first.score,
        first.reasons,
    )
    # Had the replay been counted, this would be the third transaction in ten minutes (review).
    assert platform.engine.decide(purchase("e2", 1)).decision is Outcome.APPROVE
    assert platform.events.count() == 2
    third = platform.engine.decide(purchase("e3", 2))
    assert (third.decision, [r.code for r in third.reasons]) == (Outcome.REVIEW, ["BURST"])


def test_duplicates_inside_one_batch(platform: Platform) -> None:
    results = _decisions(platform.engine.decide_many([purchase("d1", 0), purchase("d1", 0), purchase("d2", 1)]))

    assert [r.replayed for r in results] == [False, True, False]
    assert [r.decision for r in results] == [Outcome.APPROVE] * 3
    assert platform.events.count() == 2
    replayed = _decisions(platform.engine.decide_many([purchase("d1", 0), purchase("d2", 1)]))
    assert [r.replayed for r in replayed] == [True, True]
    assert platform.engine.decide(purchase("d3", 2)).decision is Outcome.REVIEW  # two before it, not four


def test_state_carries_across_a_batch(platform: Platform) -> None:
    results = _decisions(platform.engine.decide_many([purchase(f"b{i}", i) for i in range(3)]))

    assert [r.decision for r in results] == [Outcome.APPROVE, Outcome.APPROVE, Outcome.REVIEW]
    other = platform.engine.decide(purchase("b9", 3, customer="c2"))
    assert other.decision is Outcome.APPROVE


# ---------------------------------------------------------------------------------------- bad input


def test_invalid_event_raises_and_is_kept_as_rejected(platform: Platform) -> None:
    with pytest.raises(InvalidEventError) as bad:
        platform.engine.decide(purchase("bad1", 0, amount="-5"))

    assert bad.value.field == "amount"
    assert bad.value.error.event_id == "bad1"
    (kept,) = platform.events.rejected()
    assert (kept.event_id, kept.field) == ("bad1", "amount")
    assert kept.message == "amount: must be greater than 0"
    assert '"bad1"' in kept.raw_excerpt
    assert platform.events.count() == 0


def test_bad_items_in_a_batch_do_not_stop_it(platform: Platform) -> None:
    results = platform.engine.decide_many(
        [
            b"{not json",
            {**purchase("bad2", 0), "type": "teleport"},
            '{"event_id": "ok", "type": "login", "occurred_at": "2024-03-01T10:00:00+08:00", "success": true}',
            {**purchase("bad3", 1), "occurred_at": "2024-03-01T10:01:00"},
        ]
    )

    assert [type(r).__name__ for r in results] == ["EventError", "EventError", "Decision", "EventError"]
    assert [r.first.field for r in results if isinstance(r, EventError)] == ["(json)", "type", "occurred_at"]
    assert platform.events.count() == 1
    kept = platform.events.rejected()
    assert [(k.event_id, k.field) for k in kept] == [("bad3", "occurred_at"), ("bad2", "type"), (None, "(json)")]
    assert kept[-1].raw_size == len(b"{not json")


def test_an_invalid_event_does_not_block_its_id(platform: Platform) -> None:
    with pytest.raises(InvalidEventError):
        platform.engine.decide(purchase("e1", 0, amount="abc"))
    decision = platform.engine.decide(purchase("e1", 0))
    assert (decision.decision, decision.replayed) == (Outcome.APPROVE, False)


# ---------------------------------------------------------------------------------------- the door


def test_card_number_becomes_a_reference_the_vault_can_reveal(platform: Platform) -> None:
    platform.engine.decide(purchase("c1", 0, card_id=PAN))

    record = platform.events.find_events(["c1"])["c1"].record

    ref = record["card_id"]
    assert ref != PAN and PAN not in str(record)
    assert record["card_masked"] == "622202*********0128"
    assert platform.vault.cards.reveal(ref) == PAN
    # the same card gets the same reference on its next event
    platform.engine.decide(purchase("c2", 1, card_id=PAN))
    assert platform.events.find_events(["c2"])["c2"].record["card_id"] == ref
    assert platform.vault.check() == (1, [])


def test_transfers_land_in_the_transfer_index(platform: Platform) -> None:
    platform.engine.decide_many([transfer("t1", "A", "B", "800.00", 0), transfer("t2", "B", "C", "500.00", 5)])

    result = platform.orders.trace("t1")

    assert result.origin.amount_fen == 80000
    name = named(platform, "A", "B", "C")
    assert (name[result.origin.from_account], name[result.origin.to_account]) == ("A", "B")
    assert {name[n.account]: n.remaining_fen for n in result.nodes.values()} == {"B": 30000, "C": 50000}


def test_explain_shows_the_features(platform: Platform) -> None:
    platform.engine.decide(purchase("x1", 0))
    decision = platform.engine.decide(purchase("x2", 1), explain=True)
    assert decision.trace is not None
    assert decision.trace["features"]["cust_txn_10m"] == 1


# ---------------------------------------------------------------------------------------- lifecycle


def test_engine_opens_itself_on_the_first_decision(rules_file: Path) -> None:
    with build_platform(Settings.memory(rule_paths=(rules_file,)), open_engine=False) as platform:
        assert platform.events.rulesets() == []

        decision = platform.engine.decide(purchase("e1", 0))

        assert decision.ruleset_version == platform.engine.ruleset.version
        assert platform.events.rulesets() == [(platform.engine.ruleset.version, [str(rules_file)])]


def test_recover_replays_the_log_and_gives_the_same_decisions(rules_file: Path) -> None:
    stream = [purchase(f"s{i}", i, customer=f"c{i % 2}") for i in range(4)]
    with (
        fengkong.in_memory(rule_paths=(rules_file,)) as reference,
        fengkong.in_memory(rule_paths=(rules_file,)) as recovered,
    ):
        reference.engine.decide_many(stream)
        recovered.engine.decide_many(stream)

        recovered.engine.state.reset(recovered.engine.ruleset.features.fingerprint)
        assert recovered.engine.state.export() == {}
        assert recovered.engine.recover() == 4
        assert recovered.engine.recover() == 0  # nothing new since

        following = [
            purchase("n1", 5, customer="c0"),
            purchase("n2", 6, customer="c1"),
            purchase("n3", 7, customer="c2"),
        ]
        expected = _decisions(reference.engine.decide_many(following))
        actual = _decisions(recovered.engine.decide_many(following))
        assert [(d.decision, d.score, d.reasons) for d in actual] == [
            (d.decision, d.score, d.reasons) for d in expected
        ]
        assert [d.decision for d in actual] == [Outcome.REVIEW, Outcome.REVIEW, Outcome.APPROVE]
