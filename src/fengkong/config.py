"""Settings, from keyword arguments or FENGKONG_* environment variables.

Two profiles: "embedded" (SQLite file + in-process state, nothing to install or run) and
"production" (PostgreSQL + Redis), see docs/operations.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"FENGKONG_{name}", default)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("fengkong-data")
    database_url: str | None = None  # default: sqlite file in data_dir
    state_backend: str = "memory"  # memory | redis
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_namespace: str = "fengkong"
    rule_paths: tuple[Path, ...] = ()  # default: the built-in rule pack
    policy_path: Path | None = None  # default: the built-in policy (the digest's numbers)
    lateness_s: int = 3600
    snapshot_every: int = 200_000
    sqlite_synchronous: str = "NORMAL"
    hash_key_file: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'fengkong.db'}"

    @property
    def key_file(self) -> Path:
        return self.hash_key_file or self.data_dir / "keys" / "identifier-hash.key"

    @staticmethod
    def embedded(data_dir: str | Path = "fengkong-data", **overrides: Any) -> Settings:
        return replace(Settings(data_dir=Path(data_dir)), **overrides)

    @staticmethod
    def from_env(**overrides: Any) -> Settings:
        rules = _env("RULES")
        values: dict[str, Any] = {
            "data_dir": Path(_env("DATA_DIR", "fengkong-data") or "fengkong-data"),
            "database_url": _env("DATABASE_URL"),
            "state_backend": _env("STATE", "memory"),
            "redis_url": _env("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "redis_namespace": _env("REDIS_NAMESPACE", "fengkong"),
            "rule_paths": tuple(Path(p) for p in rules.split(os.pathsep)) if rules else (),
            "policy_path": Path(policy) if (policy := _env("POLICY")) else None,
            "lateness_s": int(_env("LATENESS_S", "3600") or 3600),
            "sqlite_synchronous": _env("SQLITE_SYNCHRONOUS", "NORMAL"),
            "snapshot_every": int(_env("SNAPSHOT_EVERY", "200000") or 200000),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values)
