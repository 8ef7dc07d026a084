"""Composition root: the only module that imports both services and adapters."""

from __future__ import annotations

from fengkong.adapters.crypto.sm3 import Sm3Protector, load_or_create_key
from fengkong.adapters.state.memory import MemoryStateStore
from fengkong.adapters.storage.reference import SqlReferenceStore
from fengkong.adapters.storage.sql import SqlEventLog
from fengkong.config import Settings
from fengkong.domain.ports import StateStore
from fengkong.services.decide import DecisionObserver, Engine
from fengkong.services.rules_admin import RuleRepository


def build_state_store(settings: Settings) -> StateStore:
    """State adapters by short name (feast-style registry)."""
    if settings.state_backend == "memory":
        return MemoryStateStore()
    if settings.state_backend == "redis":
        from fengkong.adapters.state.redis import RedisStateStore

        return RedisStateStore(settings.redis_url, settings.redis_namespace)
    raise ValueError(f"unknown state backend {settings.state_backend!r}: use memory or redis")


def build_engine(settings: Settings, observer: DecisionObserver | None = None) -> Engine:
    if settings.db_url.startswith("sqlite:///") and settings.db_url != "sqlite:///:memory:":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    protector = Sm3Protector(load_or_create_key(settings.key_file))
    rules = RuleRepository(list(settings.rule_paths) or None, settings.lateness_s, settings.policy_path)
    log = SqlEventLog(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    return Engine(
        reference=SqlReferenceStore(settings.db_url),
        rules=rules,
        log=log,
        state=build_state_store(settings),
        protector=protector,
        observer=observer,
        snapshot_every=settings.snapshot_every,
    )
