"""Settings: every option and every FENGKONG_* environment variable is read here, and only here.

Profiles, chosen by `database_url` and `state_backend`:
- embedded (the default): a SQLite file in `data_dir` and in-process feature state;
- production: PostgreSQL (`postgresql://...`) and Redis, see docs/operations.md;
- memory (`memory://`): every store in memory, keys made up for the process; nothing is kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fengkong.domain.errors import InputError

MEMORY = "memory://"
STATE_BACKENDS = ("memory", "redis")
SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def debug_requested(environ: Mapping[str, str] | None = None) -> bool:
    """FENGKONG_DEBUG=1: commands show the traceback of an unexpected failure."""
    return bool((os.environ if environ is None else environ).get("FENGKONG_DEBUG"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("fengkong-data")
    database_url: str | None = None  # default: a SQLite file in data_dir; "memory://": nothing kept
    state_backend: str = "memory"  # memory | redis
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_namespace: str = "fengkong"
    rule_paths: tuple[Path, ...] = ()  # default: the built-in rule pack
    policy_path: Path | None = None  # default: the built-in policy (the digest's numbers)
    lateness_s: int = 3600
    snapshot_every: int = 200_000
    sqlite_synchronous: str = "NORMAL"
    watch_s: float = 2.0  # how often `serve` looks for changed rule files and reference data
    hash_key_file: Path | None = None
    # Keys given by the operator (hex; master keys as "v2:HEX,v1:HEX"); else files under data_dir.
    hash_key: str | None = field(default=None, repr=False)
    consortium_key: str | None = field(default=None, repr=False)
    master_keys: str | None = field(default=None, repr=False)
    institution_id: str = "home"  # the institution that runs this fengkong (people's institution)
    session_hours: float = 8.0  # a person's login lasts this long
    oidc_issuer: str | None = None  # the bank's identity provider; with oidc_jwks, its tokens are accepted
    oidc_audience: str = "fengkong"
    oidc_jwks: str | None = None  # https URL of the JWKS, or a file holding it
    oidc_username_claim: str = "preferred_username"
    oidc_roles_claim: str = "roles"
    oidc_institution_claim: str = "institution"
    metrics_token: str | None = field(default=None, repr=False)  # /metrics asks for it when set
    rate_limit: float = 5000.0  # requests per second per verified credential (per process)
    anonymous_rate_limit: float = 10.0  # per client address without a verified credential: logins, guesses
    # sharing between institutions (docs/operations.md): the hub this institution reports to and
    # pulls from, over mutual TLS with its member certificate (which also signs its reports)
    sharing_hub_url: str | None = None
    sharing_hub_ca: Path | None = None  # CA bundle the hub's server certificate is checked against
    sharing_cert: Path | None = None  # this institution's member certificate (PEM), O = institution_id
    sharing_key: Path | None = None  # its EC P-256 private key (PEM)
    sharing_hub_credential: str | None = field(default=None, repr=False)  # the API key the hub issued
    sharing_members_ca: Path | None = None  # the members' CA: signed reports received are checked against it
    sharing_sync_s: float = 300.0  # how often `serve` sends waiting reports and pulls new ones (0: off)

    def __post_init__(self) -> None:
        if self.state_backend not in STATE_BACKENDS:
            raise InputError(
                "state", f"unknown state backend {self.state_backend!r}: use {' or '.join(STATE_BACKENDS)}"
            )
        if self.sqlite_synchronous.upper() not in SQLITE_SYNCHRONOUS:
            raise InputError("sqlite_synchronous", f"one of {', '.join(SQLITE_SYNCHRONOUS)}")
        if bool(self.oidc_issuer) != bool(self.oidc_jwks):
            raise InputError("oidc", "set both FENGKONG_OIDC_ISSUER and FENGKONG_OIDC_JWKS, or neither")
        if self.session_hours <= 0 or self.rate_limit <= 0 or self.anonymous_rate_limit <= 0:
            raise InputError("settings", "session_hours, rate_limit and anonymous_rate_limit must be more than 0")
        if self.lateness_s < 0 or self.snapshot_every < 1 or self.watch_s < 0:
            raise InputError("settings", "lateness_s and watch_s must be 0 or more, snapshot_every 1 or more")
        if bool(self.sharing_cert) != bool(self.sharing_key):
            raise InputError("sharing_cert", "set FENGKONG_SHARING_CERT and FENGKONG_SHARING_KEY together")
        if self.sharing_hub_url and not (self.sharing_hub_ca and self.sharing_cert and self.sharing_hub_credential):
            raise InputError(
                "sharing_hub_url",
                "a hub needs FENGKONG_SHARING_HUB_CA, FENGKONG_SHARING_CERT, FENGKONG_SHARING_KEY and "
                "FENGKONG_SHARING_HUB_CREDENTIAL",
            )
        if self.sharing_sync_s < 0:
            raise InputError("sharing_sync_s", "must be 0 (off) or more")

    @property
    def in_memory(self) -> bool:
        """Nothing is kept: memory stores, memory state, keys for this process only."""
        return self.database_url == MEMORY

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'fengkong.db'}"

    @property
    def keys_dir(self) -> Path | None:
        return None if self.in_memory else self.data_dir / "keys"

    @property
    def key_file(self) -> Path | None:
        return self.hash_key_file or (None if self.keys_dir is None else self.keys_dir / "identifier-hash.key")

    @property
    def analytics_dir(self) -> Path:
        return self.data_dir / "analytics"

    @staticmethod
    def embedded(data_dir: str | Path = "fengkong-data", **overrides: Any) -> Settings:
        return replace(Settings(data_dir=Path(data_dir)), **overrides)

    @staticmethod
    def memory(**overrides: Any) -> Settings:
        return replace(Settings(database_url=MEMORY), **overrides)

    @staticmethod
    def from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """From FENGKONG_* variables; keyword overrides that are not None win (command options)."""
        env = os.environ if environ is None else environ

        def get(name: str, default: str | None = None) -> str | None:
            return env.get(f"FENGKONG_{name}", default) or default

        def number(name: str, default: str, kind: type[int] | type[float] = int) -> Any:
            text = get(name, default) or default
            try:
                return kind(text)
            except ValueError:
                raise InputError(f"FENGKONG_{name}", f"{text!r} is not a number") from None

        def path(name: str) -> Path | None:
            text = get(name)
            return Path(text) if text else None

        rules = get("RULES")
        values: dict[str, Any] = {
            "data_dir": Path(get("DATA_DIR", "fengkong-data") or "fengkong-data"),
            "database_url": get("DATABASE_URL"),
            "state_backend": get("STATE", "memory"),
            "redis_url": get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "redis_namespace": get("REDIS_NAMESPACE", "fengkong"),
            "rule_paths": tuple(Path(p) for p in rules.split(os.pathsep)) if rules else (),
            "policy_path": Path(policy) if (policy := get("POLICY")) else None,
            "lateness_s": number("LATENESS_S", "3600"),
            "snapshot_every": number("SNAPSHOT_EVERY", "200000"),
            "sqlite_synchronous": get("SQLITE_SYNCHRONOUS", "NORMAL"),
            "watch_s": number("WATCH_S", "2", float),
            "hash_key": get("HASH_KEY"),
            "consortium_key": get("CONSORTIUM_KEY"),
            "master_keys": get("MASTER_KEYS"),
            "institution_id": get("INSTITUTION_ID", "home"),
            "session_hours": number("SESSION_HOURS", "8", float),
            "oidc_issuer": get("OIDC_ISSUER"),
            "oidc_audience": get("OIDC_AUDIENCE", "fengkong"),
            "oidc_jwks": get("OIDC_JWKS"),
            "oidc_username_claim": get("OIDC_USERNAME_CLAIM", "preferred_username"),
            "oidc_roles_claim": get("OIDC_ROLES_CLAIM", "roles"),
            "oidc_institution_claim": get("OIDC_INSTITUTION_CLAIM", "institution"),
            "metrics_token": get("METRICS_TOKEN"),
            "rate_limit": number("RATE_LIMIT", "5000", float),
            "anonymous_rate_limit": number("ANONYMOUS_RATE_LIMIT", "10", float),
            "sharing_hub_url": get("SHARING_HUB_URL"),
            "sharing_hub_ca": path("SHARING_HUB_CA"),
            "sharing_cert": path("SHARING_CERT"),
            "sharing_key": path("SHARING_KEY"),
            "sharing_hub_credential": get("SHARING_HUB_CREDENTIAL"),
            "sharing_members_ca": path("SHARING_MEMBERS_CA"),
            "sharing_sync_s": number("SHARING_SYNC_S", "300", float),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values)
