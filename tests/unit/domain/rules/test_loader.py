from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fengkong.adapters.rulefiles import RuleFiles
from fengkong.domain.decisions import Outcome
from fengkong.domain.events import Event, EventType
from fengkong.domain.rules.errors import RuleSetError
from fengkong.domain.rules.loader import RuleLoader
from fengkong.services.rules import RuleRepository

GOOD = """\
params:
  big: 1000
features:
  - name: cust_count_10m
    entity: customer
    aggregate: count
    window: 10m
rules:
  - id: t.big
    description: {zh: 大额, en: Big}
    applies_to: {event_types: [transaction]}
    when: event.amount >= params.big
    outcome:
      decision: review
      score: 60
      reason: BIG
      message: {zh: "金额 {event.amount} 元", en: "amount {event.amount} yuan"}
  - id: t.otp
    description: {zh: 需短信, en: Needs OTP}
    when: event.amount >= 10
    outcome: {decision: step_up, score: 30, reason: OTP, required_factors: [sms_otp]}
  - id: t.bio
    description: {zh: 需生物识别, en: Needs biometrics}
    when: event.amount >= 20
    outcome: {decision: step_up, score: 30, reason: BIO, required_factors: [biometric, sms_otp]}
  - id: t.shadow
    description: {zh: 影子, en: Shadow}
    mode: shadow
    when: "true"
    outcome: {decision: stop_payment, score: 99, reason: SHADOW}
  - id: t.off
    description: {zh: 停用, en: Off}
    mode: disabled
    when: "true"
    outcome: {decision: reject, reason: OFF}
"""


def event(amount: str) -> Event:
    return Event("e", EventType.TRANSACTION, None, 0.0, {"amount": Decimal(amount)}, int(Decimal(amount) * 100))  # type: ignore[arg-type]


def test_hits_combine_by_severity_and_keep_every_reason() -> None:
    rs = RuleLoader().load_texts([("a.yaml", GOOD)])
    verdict = rs.evaluate(event("1500"), {})
    assert verdict.outcome is Outcome.REVIEW
    assert [r.code for r in verdict.reasons] == ["BIG", "OTP", "BIO"]
    assert verdict.reasons[0].message_zh == "金额 1,500.00 元"
    assert verdict.reasons[0].message_en == "amount 1,500.00 yuan"
    assert verdict.score == pytest.approx(100 * (1 - 0.4 * 0.7 * 0.7))
    assert [r.code for r in verdict.shadow_reasons] == ["SHADOW"]  # recorded, changes nothing
    assert verdict.required_factors == ()  # only a step_up decision asks for factors


def test_step_up_collects_factors_of_all_step_up_hits() -> None:
    verdict = RuleLoader().load_texts([("a.yaml", GOOD)]).evaluate(event("50"), {})
    assert verdict.outcome is Outcome.STEP_UP
    assert verdict.required_factors == ("sms_otp", "biometric")


def test_nothing_hits_means_approve_with_zero_score() -> None:
    verdict = RuleLoader().load_texts([("a.yaml", GOOD)]).evaluate(event("1"), {})
    assert verdict.outcome is Outcome.APPROVE and verdict.score == 0.0 and verdict.reasons == ()


@pytest.mark.parametrize(
    ("broken", "line", "column", "fragment"),
    [
        (GOOD.replace("event.amount >= params.big", "event.amount >= params.bigg"), 12, 27, "unknown parameter 'bigg'"),
        (GOOD.replace("decision: review", "decision: maybe"), 14, 17, "decision must be one of"),
        (GOOD.replace("reason: BIG", "reason: big one"), 16, 15, "UPPER_CASE"),
        (GOOD.replace("window: 10m", "window: 10 minutes"), 7, 13, "not a duration"),
        (GOOD.replace("aggregate: count", "aggregate: median"), 6, 16, "unknown aggregate"),
        (GOOD.replace("{zh: 大额, en: Big}", "{zh: 大额}"), 10, 18, "needs both zh and en"),
        (GOOD.replace("  big: 1000\n", "  big: [1000\n"), 3, 9, "YAML"),
        (GOOD.replace("id: t.otp", "id: t.big"), 18, 1, "used twice"),
        (GOOD.replace("    when: event.amount >= 10\n", "    when: event.amount >=\n"), 20, 26, "unexpected end"),
    ],
)
def test_errors_are_located(broken: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(RuleSetError) as info:
        RuleLoader().load_texts([("rules/x.yaml", broken)])
    error = info.value.errors[0]
    assert fragment in error.message
    assert (error.file, error.line) == ("rules/x.yaml", line)
    assert error.column == column


def test_expression_error_column_points_inside_a_folded_block() -> None:
    text = GOOD.replace(
        "    when: event.amount >= params.big\n",
        "    when: >\n      event.amount >= params.big\n      and features.nope > 1\n",
    )
    with pytest.raises(RuleSetError) as info:
        RuleLoader().load_texts([("x.yaml", text)])
    error = info.value.errors[0]
    assert "unknown feature 'nope'" in error.message
    assert (error.line, error.column) == (14, 11)


def test_builtin_pack_loads_and_every_rule_is_bilingual() -> None:
    rs = RuleRepository(RuleFiles()).active
    assert len(rs.rules) >= 35 and rs.policy_version.startswith("cn-pboc-default@")
    for rule in rs.rules:
        assert rule.description_zh and rule.description_en
        assert rule.reason_code.isupper()


def test_version_changes_with_content(tmp_path: Path) -> None:
    a = RuleLoader().load_texts([("a.yaml", GOOD)]).version
    b = RuleLoader().load_texts([("a.yaml", GOOD.replace("1000", "2000"))]).version
    assert a != b


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            "{name: f, entity: device, labelled: true, aggregate: count, window: 1d}",
            'its where needs event.type == "feedback"',
        ),
        (
            '{name: f, entity: device, labelled: true, aggregate: count, window: 1d, where: event.type == "login"}',
            'its where needs event.type == "feedback"',
        ),
        (
            '{name: f, entity: device, labelled: wallet, aggregate: count, window: 1d, where: event.type == "feedback"}',
            "labelled: true or an entity",
        ),
        (
            "{name: f, entity: [customer, device], labelled: true, aggregate: count, window: 1d, "
            'where: event.type == "feedback"}',
            "keys one entity",
        ),
    ],
)
def test_a_feature_that_follows_labels_counts_feedback_on_one_entity(feature: str, message: str) -> None:
    with pytest.raises(RuleSetError) as bad:
        RuleLoader().load_texts([("a.yaml", f"features:\n  - {feature}\n")])
    assert message in str(bad.value)


def test_a_labelled_feature_is_keyed_by_the_labelled_event_when_folded() -> None:
    rs = RuleLoader().load_texts(
        [
            (
                "a.yaml",
                "features:\n"
                "  - {name: got, entity: account, labelled: counterparty, aggregate: sum, of: labelled_amount, "
                'window: 30d, where: event.type == "feedback"}\n',
            )
        ]
    )
    features = rs.features
    feedback = Event(
        "f",
        EventType.FEEDBACK,
        None,  # type: ignore[arg-type]
        100.0,
        {"labelled": {"counterparty_account_id": "act_x", "account_id": "act_victim", "amount": "12.50"}},
        None,
    )
    states: dict[str, dict[str, object]] = {}
    assert features.update(feedback, features.keys_of(feedback), "approve", states) == ["account|act_x"]
    payment = Event("p", EventType.TRANSACTION, None, 200.0, {"account_id": "act_x"}, 100)  # type: ignore[arg-type]
    assert features.value("got", payment, features.keys_of(payment), states) == Decimal("12.50")
    victim = Event("v", EventType.TRANSACTION, None, 200.0, {"account_id": "act_victim"}, 100)  # type: ignore[arg-type]
    assert features.value("got", victim, features.keys_of(victim), states) == Decimal("0.00")  # nothing on it


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        ("{name: f, entity: device, keyed_by: ip, aggregate: count, window: 1d}", "no other field names the same"),
        ("{name: f, entity: account, keyed_by: card, aggregate: count, window: 1d}", "one of counterparty"),
        ("{name: f, entity: [customer, account], keyed_by: counterparty, aggregate: count, window: 1d}", "one entity"),
        (
            "{name: f, entity: account, keyed_by: counterparty, labelled: true, aggregate: count, window: 1d, "
            'where: event.type == "feedback"}',
            "keyed by the labelled event",
        ),
    ],
)
def test_a_feature_is_keyed_only_by_a_field_that_names_the_same_thing(feature: str, message: str) -> None:
    with pytest.raises(RuleSetError) as bad:
        RuleLoader().load_texts([("a.yaml", f"features:\n  - {feature}\n")])
    assert message in str(bad.value)


def test_money_paid_to_an_account_is_read_when_the_account_pays() -> None:
    rs = RuleLoader().load_texts(
        [
            (
                "a.yaml",
                "features:\n"
                "  - {name: received, entity: account, keyed_by: counterparty, aggregate: sum, of: amount, "
                'window: 1h, where: event.type == "transaction"}\n',
            )
        ]
    )
    features = rs.features
    paid = Event(
        "in", EventType.TRANSACTION, None, 100.0, {"account_id": "act_payer", "counterparty_account_id": "act_m"}, 90000
    )  # type: ignore[arg-type]
    states: dict[str, dict[str, object]] = {}
    assert features.update(paid, features.keys_of(paid), "approve", states) == ["account|act_m"]
    onward = Event("out", EventType.TRANSACTION, None, 200.0, {"account_id": "act_m"}, 80000)  # type: ignore[arg-type]
    assert features.value("received", onward, features.keys_of(onward), states) == Decimal("900.00")
    payer = Event("p2", EventType.TRANSACTION, None, 200.0, {"account_id": "act_payer"}, 100)  # type: ignore[arg-type]
    assert features.value("received", payer, features.keys_of(payer), states) == Decimal("0.00")  # it paid, got nothing
    later = Event("late", EventType.TRANSACTION, None, 100.0 + 3601, {"account_id": "act_m"}, 100)  # type: ignore[arg-type]
    assert features.value("received", later, features.keys_of(later), states) == Decimal("0.00")  # out of the hour


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cpc_min_reports: three", "'cpc_min_reports' must be a whole number of cards"),
        ("cpc_min_reports: 0", "'cpc_min_reports' must be a whole number of cards"),
        ("cpc_exposure_days: 2.5", "'cpc_exposure_days' must be a whole number of days"),
        ("counterfeit_labels: counterfeit", "'counterfeit_labels' must be a list of label names"),
    ],
)
def test_a_policy_value_the_platform_reads_itself_is_checked_when_the_policy_loads(line: str, message: str) -> None:
    from fengkong.domain.rules.loader import load_policy

    text = f"policy: p\nversion: '1'\nvalues:\n  {line}\n"
    with pytest.raises(RuleSetError) as bad:
        load_policy("p.yaml", text)
    assert message in str(bad.value)
    assert (
        load_policy("p.yaml", "policy: p\nversion: '1'\nvalues:\n  cpc_min_reports: 3\n").values["cpc_min_reports"] == 3
    )
