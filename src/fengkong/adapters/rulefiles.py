"""Rule files and the policy file on disk (the RuleSource port); the built-in pack and policy
ship inside the package."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

from fengkong.domain.rules.errors import RuleError, RuleSetError

PACKAGE = Path(__file__).resolve().parent.parent
BUILTIN_RULES = PACKAGE / "rulepacks" / "default"
BUILTIN_POLICY = PACKAGE / "policies" / "default.yaml"


class RuleFiles:
    """*.yaml / *.yml files from files or directories (in name order), and a policy file."""

    def __init__(self, paths: Sequence[Path] = (), policy: Path | None = None):
        self.paths = list(paths) or [BUILTIN_RULES]
        self.policy = policy or BUILTIN_POLICY

    def _files(self) -> list[Path]:
        files: list[Path] = []
        for path in self.paths:
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
            elif path.exists():
                files.append(path)
            else:
                raise RuleSetError([RuleError(str(path), 1, 1, "no such file or directory")])
        return files

    def rule_texts(self) -> list[tuple[str, str]]:
        return [(str(f), f.read_text(encoding="utf-8")) for f in self._files()]

    def policy_text(self) -> tuple[str, str]:
        if not self.policy.exists():
            raise RuleSetError([RuleError(str(self.policy), 1, 1, "no such policy file")])
        return str(self.policy), self.policy.read_text(encoding="utf-8")

    def fingerprint(self) -> Hashable:
        stamps = []
        for path in [*self.paths, self.policy]:
            rules = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            for f in rules if path.is_dir() else [path]:
                try:
                    st = f.stat()
                except FileNotFoundError:
                    continue
                stamps.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(stamps)
