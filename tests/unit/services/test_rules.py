"""RuleRepository over rule files in a temporary directory: all-or-nothing reloads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fengkong.adapters.rulefiles import BUILTIN_POLICY, RuleFiles
from fengkong.domain.rules.errors import RuleSetError
from fengkong.services.rules import RuleRepository
from tests.unit.services.support import BURST_RULES

EXTRA_RULE = """\
rules:
  - id: t.big
    description: {zh: 大额, en: Large amount}
    applies_to: {event_types: [transaction]}
    when: event.amount > 10000
    outcome: {decision: review, score: 70, reason: BIG}
"""

# Line 4, column 27 is where the expression ends too early.
BROKEN_RULE = """\
rules:
  - id: t.broken
    description: {zh: 坏, en: Broken}
    when: features.nope >=
    outcome: {decision: review, score: 1, reason: BROKEN}
"""


def _write(path: Path, text: str) -> None:
    """Write and move the modification time on, so a change is visible even within one tick."""
    existed = path.exists()
    before = path.stat().st_mtime_ns if existed else 0
    path.write_text(text, encoding="utf-8")
    if existed:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    _write(directory / "10-burst.yaml", BURST_RULES)
    return directory


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    _write(path, BUILTIN_POLICY.read_text(encoding="utf-8"))
    return path


@pytest.fixture
def repo(rules_dir: Path, policy: Path) -> RuleRepository:
    return RuleRepository(RuleFiles([rules_dir], policy))


def _rule_ids(repo: RuleRepository) -> list[str]:
    return [rule.id for rule in repo.active.rules]


def test_loads_the_files_at_start(repo: RuleRepository, rules_dir: Path) -> None:
    assert _rule_ids(repo) == ["t.burst"]
    assert repo.active.files == (str(rules_dir / "10-burst.yaml"),)
    assert repo.active.policy_version == "cn-pboc-default@2016.12.01-1"
    assert repo.changed_on_disk() is False
    assert repo.last_errors == []


def test_a_broken_file_at_start_is_refused(rules_dir: Path, policy: Path) -> None:
    _write(rules_dir / "20-broken.yaml", BROKEN_RULE)
    with pytest.raises(RuleSetError) as refused:
        RuleRepository(RuleFiles([rules_dir], policy))
    assert [(e.line, e.column) for e in refused.value.errors] == [(4, 27)]


def test_changed_on_disk(repo: RuleRepository, rules_dir: Path) -> None:
    _write(rules_dir / "20-big.yaml", EXTRA_RULE)
    assert repo.changed_on_disk() is True


def test_reload_with_a_broken_file_keeps_the_active_rules(repo: RuleRepository, rules_dir: Path) -> None:
    active = repo.active
    broken = rules_dir / "20-broken.yaml"
    _write(broken, BROKEN_RULE)

    candidate, errors = repo.reload()

    assert candidate is None
    assert [(e.file, e.line, e.column, e.message) for e in errors] == [
        (str(broken), 4, 27, "unexpected end of expression")
    ]
    assert str(errors[0]) == f"{broken}:4:27: unexpected end of expression"
    assert repo.active is active
    assert _rule_ids(repo) == ["t.burst"]
    assert repo.last_errors == errors
    assert repo.changed_on_disk() is False  # the same broken files are not retried in a loop


def test_reload_reports_yaml_errors_with_their_place(repo: RuleRepository, rules_dir: Path) -> None:
    _write(rules_dir / "20-bad-yaml.yaml", "rules: [\n  - id: x\n")

    candidate, errors = repo.reload()

    assert candidate is None
    assert [(e.line, e.column) for e in errors] == [(2, 3)]
    assert errors[0].message.startswith("YAML: ")


def test_reload_after_the_fix_succeeds_and_activate_switches(repo: RuleRepository, rules_dir: Path) -> None:
    old_version = repo.active.version
    broken = rules_dir / "20-big.yaml"
    _write(broken, BROKEN_RULE)
    assert repo.reload()[0] is None

    _write(broken, EXTRA_RULE)
    assert repo.changed_on_disk() is True
    candidate, errors = repo.reload()

    assert errors == [] and repo.last_errors == []
    assert candidate is not None
    assert [r.id for r in candidate.rules] == ["t.burst", "t.big"]
    assert candidate.version != old_version
    assert repo.active.version == old_version  # reload only prepares; activate switches
    repo.activate(candidate)
    assert _rule_ids(repo) == ["t.burst", "t.big"]
    assert repo.changed_on_disk() is False


def test_a_missing_rule_path_is_an_error(tmp_path: Path, policy: Path) -> None:
    directory = tmp_path / "rules"
    directory.mkdir()
    single = directory / "burst.yaml"
    _write(single, BURST_RULES)
    repo = RuleRepository(RuleFiles([single], policy))

    single.unlink()
    candidate, errors = repo.reload()

    assert candidate is None
    assert [(e.file, e.message) for e in errors] == [(str(single), "no such file or directory")]
    assert _rule_ids(repo) == ["t.burst"]


def test_policy_values(repo: RuleRepository) -> None:
    assert repo.policy_value("stop_payment_hours") == 48
    assert repo.policy_value("penalty_account_years") == 5
    with pytest.raises(KeyError) as missing:
        repo.policy_value("coffee_breaks_per_day")
    assert "coffee_breaks_per_day" in str(missing.value)


def test_a_broken_policy_keeps_the_active_rules_and_values(repo: RuleRepository, policy: Path) -> None:
    _write(policy, policy.read_text(encoding="utf-8").replace("stop_payment_hours: 48", "stop_payment_hours: [48"))

    candidate, errors = repo.reload()

    assert candidate is None
    assert len(errors) == 1 and errors[0].file == str(policy)
    assert errors[0].line > 1
    assert repo.policy_value("stop_payment_hours") == 48
    assert _rule_ids(repo) == ["t.burst"]


def test_a_policy_change_applies_on_activation(repo: RuleRepository, policy: Path) -> None:
    _write(policy, policy.read_text(encoding="utf-8").replace("stop_payment_hours: 48", "stop_payment_hours: 24"))

    candidate, errors = repo.reload()
    assert errors == [] and candidate is not None
    repo.activate(candidate)

    assert repo.policy_value("stop_payment_hours") == 24


def test_policy_values_stay_those_of_the_active_rules_until_activation(repo: RuleRepository, policy: Path) -> None:
    _write(policy, policy.read_text(encoding="utf-8").replace("stop_payment_hours: 48", "stop_payment_hours: 24"))

    candidate, errors = repo.reload()

    assert errors == [] and candidate is not None
    assert repo.policy_value("stop_payment_hours") == 48
