"""Composition root: the only module that imports both services and adapters."""

from __future__ import annotations

import os
from dataclasses import dataclass

from fengkong.adapters.crypto.sm3 import Sm3Protector, load_or_create_key
from fengkong.adapters.crypto.sm4 import load_master_keys
from fengkong.adapters.state.memory import MemoryStateStore
from fengkong.adapters.storage.controls import SqlControlStore
from fengkong.adapters.storage.reference import SqlReferenceStore
from fengkong.adapters.storage.registry import SqlRegistryStore
from fengkong.adapters.storage.sql import SqlEventLog
from fengkong.adapters.storage.vault import SqlVaultStore
from fengkong.config import Settings
from fengkong.domain.ports import StateStore
from fengkong.services.controls import ControlsService
from fengkong.services.decide import DecisionObserver, Engine
from fengkong.services.monitoring import MonitoringService
from fengkong.services.registry import RegistryService
from fengkong.services.rules_admin import RuleRepository
from fengkong.services.sharing import SharingService
from fengkong.services.vault import Vault, VaultProtector, VaultService


def build_state_store(settings: Settings) -> StateStore:
    """State adapters by short name (feast-style registry)."""
    if settings.state_backend == "memory":
        return MemoryStateStore()
    if settings.state_backend == "redis":
        from fengkong.adapters.state.redis import RedisStateStore

        return RedisStateStore(settings.redis_url, settings.redis_namespace)
    raise ValueError(f"unknown state backend {settings.state_backend!r}: use memory or redis")


def build_engine(settings: Settings, observer: DecisionObserver | None = None) -> Engine:
    return build_platform(settings, observer).engine


@dataclass
class Platform:
    """Everything a server or CLI command needs, wired once."""

    engine: Engine
    controls: ControlsService
    sharing: SharingService
    vault: VaultService
    registry: RegistryService
    monitoring: MonitoringService

    def close(self) -> None:
        self.engine.close()  # closes the stores it was given, including the control store


def build_platform(settings: Settings, observer: DecisionObserver | None = None) -> Platform:
    if settings.db_url.startswith("sqlite:///") and settings.db_url != "sqlite:///:memory:":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    hasher = Sm3Protector(load_or_create_key(settings.key_file))
    vault_store = SqlVaultStore(settings.db_url)
    vault = Vault(vault_store, load_master_keys(settings.data_dir / "keys" / "master-keys.json"), hasher)
    protector = VaultProtector(hasher, vault)
    rules = RuleRepository(list(settings.rule_paths) or None, settings.lateness_s, settings.policy_path)
    log = SqlEventLog(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    control_store = SqlControlStore(settings.db_url)
    registry_store = SqlRegistryStore(settings.db_url)
    engine = Engine(
        reference=SqlReferenceStore(settings.db_url),
        lists=control_store,
        tokens=vault_store,
        registry=registry_store,
        rules=rules,
        log=log,
        state=build_state_store(settings),
        protector=protector,
        observer=observer,
        snapshot_every=settings.snapshot_every,
    )
    consortium_key = load_or_create_key(settings.data_dir / "keys" / "consortium.key", "FENGKONG_CONSORTIUM_KEY")
    detokenizers = frozenset(a.strip() for a in os.environ.get("FENGKONG_DETOKENIZERS", "").split(",") if a.strip())
    controls = ControlsService(engine, control_store)
    registry_service = RegistryService(registry_store, control_store, engine)
    monitoring = MonitoringService(engine, controls, registry_service, settings.db_url, settings.data_dir / "analytics")
    return Platform(engine, controls, SharingService(control_store, consortium_key),
                    VaultService(vault, control_store, engine, detokenizers), registry_service, monitoring)
