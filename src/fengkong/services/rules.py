"""Which rules and policy are active, and reloading them without a restart (all or nothing)."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

from fengkong.domain.ports import RuleSource
from fengkong.domain.rules.errors import RuleError, RuleSetError
from fengkong.domain.rules.loader import RuleLoader, load_policy
from fengkong.domain.rules.ruleset import RuleSet


class RuleRepository:
    """Holds the active RuleSet and the policy it was built with. A reload that fails (in a
    rule file or in the policy file) leaves the active rules untouched."""

    def __init__(self, source: RuleSource, lateness_s: int = 3600):
        self.source = source
        self.lateness_s = lateness_s
        self._lock = threading.Lock()
        self._stamp: Hashable = source.fingerprint()
        self._policy_values: dict[str, Any] = {}
        self.active: RuleSet = self._load()
        self.last_errors: list[RuleError] = []

    def _load(self) -> RuleSet:
        name, text = self.source.policy_text()
        policy = load_policy(name, text)
        ruleset = RuleLoader(self.lateness_s, policy).load_texts(self.source.rule_texts())
        self._policy_values = policy.values
        return ruleset

    def policy_value(self, name: str) -> Any:
        """A value of the active policy file (penalty durations, stop-payment hours, ...)."""
        if name not in self._policy_values:
            raise KeyError(f"the policy has no value {name!r}")
        return self._policy_values[name]

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
