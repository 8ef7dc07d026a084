"""Which rules and policy are active, and reloading them without a restart (all or nothing)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from fengkong.domain.ports import RuleSource
from fengkong.domain.rules.errors import RuleError, RuleSetError
from fengkong.domain.rules.loader import RuleLoader, load_policy
from fengkong.domain.rules.ruleset import RuleSet

_COMPILED: OrderedDict[tuple[Any, ...], RuleSet] = OrderedDict()  # the last few rule sets compiled
_COMPILED_KEEP = 8
_compiled_lock = threading.Lock()


def compile_rules(lateness_s: int, policy: tuple[str, str], rules: list[tuple[str, str]]) -> RuleSet:
    """Rule files compiled under a policy. A rule set is an immutable value, so the same texts
    compiled again (a reload with nothing changed, a second platform in the process) are the
    same rule set, taken from a small cache."""
    key = (lateness_s, policy, tuple(rules))
    with _compiled_lock:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found
    ruleset = RuleLoader(lateness_s, load_policy(*policy)).load_texts(rules)
    with _compiled_lock:
        _COMPILED[key] = ruleset
        while len(_COMPILED) > _COMPILED_KEEP:
            _COMPILED.popitem(last=False)
    return ruleset


class RuleRepository:
    """Holds the active RuleSet and the policy it was built with. A reload that fails (in a
    rule file or in the policy file) leaves the active rules untouched."""

    def __init__(self, source: RuleSource, lateness_s: int = 3600):
        self.source = source
        self.lateness_s = lateness_s
        self._lock = threading.Lock()
        self._stamp: Hashable = source.fingerprint()
        self.active: RuleSet = self._load()
        self.last_errors: list[RuleError] = []

    def _load(self) -> RuleSet:
        return compile_rules(self.lateness_s, self.source.policy_text(), self.source.rule_texts())

    def policy_value(self, name: str) -> Any:
        """A value of the policy the active rules were built with (penalty durations, ...)."""
        values = self.active.policy_values
        if name not in values:
            raise KeyError(f"the policy has no value {name!r}")
        return values[name]

    def changed_on_disk(self) -> bool:
        return self.source.fingerprint() != self._stamp

    def reload(self) -> tuple[RuleSet | None, list[RuleError]]:
        """Load the files again; returns (new rule set, []) or (None, errors)."""
        with self._lock:
            stamp = self.source.fingerprint()
            try:
                candidate = self._load()
            except RuleSetError as exc:
                self._stamp = stamp  # do not retry the same broken files in a loop
                self.last_errors = exc.errors
                return None, exc.errors
            self._stamp = stamp
            self.last_errors = []
            return candidate, []

    def activate(self, ruleset: RuleSet) -> None:
        self.active = ruleset
