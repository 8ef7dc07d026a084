"""Which rule files are active, and reloading them without a restart (all or nothing)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fengkong.domain.rules.errors import RuleError, RuleSetError
from fengkong.domain.rules.loader import RuleLoader, load_policy
from fengkong.domain.rules.ruleset import RuleSet

BUILTIN_RULES = Path(__file__).resolve().parent.parent / "rulepacks" / "default"
BUILTIN_POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"


class RuleRepository:
    """Holds the active RuleSet and the policy it was built with. A reload that fails (in a
    rule file or in the policy file) leaves the active rules untouched."""

    def __init__(self, paths: list[Path] | None = None, lateness_s: int = 3600, policy_path: Path | None = None):
        self.paths = list(paths) if paths else [BUILTIN_RULES]
        self.policy_path = policy_path or BUILTIN_POLICY
        self.lateness_s = lateness_s
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        self.active: RuleSet = self._load()
        self.last_errors: list[RuleError] = []

    def _load(self) -> RuleSet:
        if not self.policy_path.exists():
            raise RuleSetError([RuleError(str(self.policy_path), 1, 1, "no such policy file")])
        policy = load_policy(str(self.policy_path), self.policy_path.read_text(encoding="utf-8"))
        ruleset = RuleLoader(self.lateness_s, policy).load_paths(self.paths)
        self._policy_values = policy.values
        return ruleset

    def policy_value(self, name: str) -> Any:
        """A value of the active policy file (penalty durations, stop-payment hours, ...)."""
        if name not in self._policy_values:
            raise KeyError(f"the policy has no value {name!r}")
        return self._policy_values[name]

    def _files(self) -> list[Path]:
        out: list[Path] = []
        for path in self.paths:
            if path.is_dir():
                out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
            elif path.exists():
                out.append(path)
        out.append(self.policy_path)
        return out

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        stamps = []
        for f in self._files():
            try:
                st = f.stat()
            except FileNotFoundError:
                continue
            stamps.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(stamps)

    def changed_on_disk(self) -> bool:
        return self._fingerprint() != self._stamp

    def reload(self) -> tuple[RuleSet | None, list[RuleError]]:
        """Load the files again; returns (new rule set, []) or (None, errors)."""
        with self._lock:
            stamp = self._fingerprint()
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
