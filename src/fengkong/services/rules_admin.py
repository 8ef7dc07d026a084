"""Which rule files are active, and reloading them without a restart (all or nothing)."""

from __future__ import annotations

import threading
from pathlib import Path

from fengkong.domain.rules.errors import RuleError, RuleSetError
from fengkong.domain.rules.loader import RuleLoader
from fengkong.domain.rules.ruleset import RuleSet

BUILTIN_RULES = Path(__file__).resolve().parent.parent / "rulepacks" / "default"


class RuleRepository:
    """Holds the active RuleSet. A reload that fails leaves the active rules untouched."""

    def __init__(self, paths: list[Path] | None = None, lateness_s: int = 3600):
        self.paths = list(paths) if paths else [BUILTIN_RULES]
        self.loader = RuleLoader(lateness_s)
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        self.active: RuleSet = self.loader.load_paths(self.paths)
        self.last_errors: list[RuleError] = []

    def _files(self) -> list[Path]:
        out: list[Path] = []
        for path in self.paths:
            if path.is_dir():
                out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
            elif path.exists():
                out.append(path)
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
                candidate = self.loader.load_paths(self.paths)
            except RuleSetError as exc:
                self._stamp = stamp  # do not retry the same broken files in a loop
                self.last_errors = exc.errors
                return None, exc.errors
            self._stamp = stamp
            self.last_errors = []
            return candidate, []

    def activate(self, ruleset: RuleSet) -> None:
        self.active = ruleset
