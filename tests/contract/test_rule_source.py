"""The RuleSource contract, over its adapter: rule files and the policy file on disk (`RuleFiles`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fengkong.adapters.rulefiles import BUILTIN_POLICY, BUILTIN_RULES, RuleFiles
from fengkong.domain.rules.errors import RuleSetError

POLICY = "thresholds:\n  review: 50\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A rule directory with files out of name order, a subdirectory and files that are not rules."""
    folder = tmp_path / "rules"
    write(folder / "20-cards.yaml", "rules: [cards]\n")
    write(folder / "10-base.yml", "rules: [base]  # 规则\n")
    write(folder / "sub" / "05-nested.yaml", "rules: [nested]\n")
    write(folder / "30-last.yaml", "rules: [last]\n")
    write(folder / "README.md", "not a rule\n")
    write(folder / "15-draft.yaml.bak", "rules: [backup]\n")
    write(folder / "25-data.json", "{}\n")
    return folder


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path / "policy.yaml", POLICY)


def test_the_files_of_a_directory_come_in_name_order(rules: Path, policy: Path) -> None:
    source = RuleFiles([rules], policy)
    assert source.rule_texts() == [
        (str(rules / "10-base.yml"), "rules: [base]  # 规则\n"),
        (str(rules / "20-cards.yaml"), "rules: [cards]\n"),
        (str(rules / "30-last.yaml"), "rules: [last]\n"),
        (str(rules / "sub" / "05-nested.yaml"), "rules: [nested]\n"),
    ]
    assert source.policy_text() == (str(policy), POLICY)


def test_a_single_file_path_is_read(rules: Path, policy: Path) -> None:
    one = rules / "30-last.yaml"
    assert RuleFiles([one], policy).rule_texts() == [(str(one), "rules: [last]\n")]


def test_paths_are_read_in_the_order_given(rules: Path, policy: Path, tmp_path: Path) -> None:
    extra = write(tmp_path / "00-extra.yaml", "rules: [extra]\n")
    names = [name for name, _ in RuleFiles([rules / "sub", extra, rules / "10-base.yml"], policy).rule_texts()]
    assert names == [str(rules / "sub" / "05-nested.yaml"), str(extra), str(rules / "10-base.yml")]


def test_a_directory_named_like_a_rule_file_is_not_read_as_one(rules: Path, policy: Path) -> None:
    write(rules / "old.yaml" / "40-archived.yaml", "rules: [archived]\n")
    names = [name for name, _ in RuleFiles([rules], policy).rule_texts()]
    assert str(rules / "old.yaml") not in names
    assert str(rules / "old.yaml" / "40-archived.yaml") in names


def test_a_missing_path_raises_rule_set_error_naming_it(rules: Path, policy: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "rules.yaml"
    with pytest.raises(RuleSetError) as raised:
        RuleFiles([rules, missing], policy).rule_texts()
    assert str(missing) in str(raised.value)
    assert [e.file for e in raised.value.errors] == [str(missing)]


def test_the_default_is_the_built_in_pack_and_policy() -> None:
    source = RuleFiles()
    builtin = sorted(p for p in BUILTIN_RULES.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert builtin, "the package ships a rule pack"
    texts = source.rule_texts()
    assert [name for name, _ in texts] == [str(p) for p in builtin]
    assert [text for _, text in texts] == [p.read_text(encoding="utf-8") for p in builtin]
    assert source.policy_text() == (str(BUILTIN_POLICY), BUILTIN_POLICY.read_text(encoding="utf-8"))
    assert RuleFiles([], None).rule_texts() == texts
    assert RuleFiles([], None).fingerprint() == source.fingerprint()


def test_a_missing_policy_file_raises_rule_set_error_naming_it(rules: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-policy.yaml"
    with pytest.raises(RuleSetError) as raised:
        RuleFiles([rules], missing).policy_text()
    assert str(missing) in str(raised.value)
    assert [e.file for e in raised.value.errors] == [str(missing)]


def test_the_fingerprint_stays_equal_while_nothing_changes(rules: Path, policy: Path) -> None:
    source = RuleFiles([rules], policy)
    first = source.fingerprint()
    hash(first)
    source.rule_texts()
    source.policy_text()
    assert source.fingerprint() == first
    assert RuleFiles([rules], policy).fingerprint() == first
    write(rules / "NOTES.txt", "not a rule, ignored\n")
    write(rules / "99-new.yaml.orig", "not a rule either\n")
    assert source.fingerprint() == first


def test_the_fingerprint_changes_when_a_rule_file_is_edited(rules: Path, policy: Path) -> None:
    source = RuleFiles([rules], policy)
    before = source.fingerprint()
    write(rules / "20-cards.yaml", "rules: [cards, more]\n")
    edited = source.fingerprint()
    assert edited != before
    write(rules / "sub" / "05-nested.yaml", "rules: [nested, deeper]\n")
    assert source.fingerprint() not in (before, edited)


def test_the_fingerprint_changes_when_a_rule_file_is_added_or_removed(rules: Path, policy: Path) -> None:
    source = RuleFiles([rules], policy)
    before = source.fingerprint()
    added = write(rules / "sub" / "deeper" / "50-added.yml", "rules: [added]\n")
    with_added = source.fingerprint()
    assert with_added != before
    added.unlink()
    assert source.fingerprint() == before
    (rules / "10-base.yml").unlink()
    assert source.fingerprint() not in (before, with_added)


def test_the_fingerprint_of_a_single_file_follows_the_file(rules: Path, policy: Path) -> None:
    one = rules / "30-last.yaml"
    source = RuleFiles([one], policy)
    before = source.fingerprint()
    write(rules / "40-other.yaml", "rules: [other]\n")  # not one of the source's files
    assert source.fingerprint() == before
    write(one, "rules: [last, changed]\n")
    assert source.fingerprint() != before


def test_the_fingerprint_changes_when_the_policy_changes(rules: Path, policy: Path) -> None:
    source = RuleFiles([rules], policy)
    before = source.fingerprint()
    write(policy, POLICY + "  reject: 80\n")
    changed = source.fingerprint()
    assert changed != before
    policy.unlink()
    assert source.fingerprint() not in (before, changed)
