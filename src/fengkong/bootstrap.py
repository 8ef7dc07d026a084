"""Composition root: the only module that imports both services and adapters.

Adapters are chosen by short name from the settings (feast-style): storage `sqlite` / `postgresql`
(one Database, one pool, shared by every store) or `memory`; feature state `memory` or `redis`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fengkong.adapters.crypto.login_secrets import ScryptHasher, Sm4SecretSealer, TotpCodes
from fengkong.adapters.crypto.member_certificates import X509ReportSigner, X509ReportVerifier
from fengkong.adapters.crypto.sm3 import (
    Sm3Protector,
    load_or_create_key,
    load_or_create_keyring,
    sm3_hex,
    write_keyring,
)
from fengkong.adapters.crypto.sm4 import MasterKeys, load_master_keys
from fengkong.adapters.crypto.vault import Sm4CardVault
from fengkong.adapters.memory.audit import MemoryAuditLog
from fengkong.adapters.memory.changes import MemoryChangeRequests
from fengkong.adapters.memory.credentials import MemoryCredentialStore
from fengkong.adapters.memory.event_log import MemoryEventLog
from fengkong.adapters.memory.lists import MemoryListStore
from fengkong.adapters.memory.merchants import MemoryMerchantStore
from fengkong.adapters.memory.reference import MemoryReferenceStore
from fengkong.adapters.memory.sharing import MemorySharingLedger
from fengkong.adapters.memory.sharing_peers import MemorySharingPeerLog
from fengkong.adapters.memory.state import MemoryStateStore
from fengkong.adapters.memory.tokens import MemoryTokenStore
from fengkong.adapters.memory.transfers import MemoryTransferLog
from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.adapters.memory.vault import MemoryVaultStore
from fengkong.adapters.metrics.prometheus import PrometheusMetrics
from fengkong.adapters.rulefiles import RuleFiles
from fengkong.adapters.sharing_hub import HttpSharingHub
from fengkong.adapters.sql.audit import SqlAuditLog
from fengkong.adapters.sql.changes import SqlChangeRequests
from fengkong.adapters.sql.credentials import SqlCredentialStore
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.event_log import SqlEventLog
from fengkong.adapters.sql.lists import SqlListStore
from fengkong.adapters.sql.merchants import SqlMerchantStore
from fengkong.adapters.sql.protect_accounts import SqlAccountProtection
from fengkong.adapters.sql.reference import SqlReferenceStore
from fengkong.adapters.sql.rekey import SqlRekeying
from fengkong.adapters.sql.sharing import SqlSharingLedger
from fengkong.adapters.sql.sharing_peers import SqlSharingPeerLog
from fengkong.adapters.sql.tokens import SqlTokenStore
from fengkong.adapters.sql.transfers import SqlTransferLog
from fengkong.adapters.sql.vault import SqlVaultStore
from fengkong.batch.monitoring import DISPOSITION_ACTION, Monitoring
from fengkong.config import Settings
from fengkong.domain import ports
from fengkong.domain.errors import InputError
from fengkong.domain.events import Event
from fengkong.domain.lists.compromise import Recall
from fengkong.domain.lists.index import ListEntry
from fengkong.services.access import AccessService, SsoClaims
from fengkong.services.account_protection import AccountNumbers
from fengkong.services.blacklists import BlacklistService
from fengkong.services.credentials import CredentialAdmin
from fengkong.services.decide import Engine
from fengkong.services.holds import HoldService
from fengkong.services.key_rotation import KeyRotation, Rotation
from fengkong.services.lists import ListService
from fengkong.services.merchants import MerchantService
from fengkong.services.orders import OrderService
from fengkong.services.oversight import Oversight
from fengkong.services.platform import Platform
from fengkong.services.read_model import DecisionReadModel
from fengkong.services.reference import ReferenceData
from fengkong.services.requests import RequestService
from fengkong.services.rules import RuleRepository
from fengkong.services.scrubbed_audit import ScrubbedAudit
from fengkong.services.sharing import SharingService
from fengkong.services.sharing_exchange import SharingExchange
from fengkong.services.terminal_checks import TerminalChecks
from fengkong.services.terminal_keys import TerminalKeys
from fengkong.services.vault import VaultService

__all__ = [
    "Platform",
    "Stores",
    "build_metrics",
    "build_monitoring",
    "build_platform",
    "build_rules",
    "build_stores",
    "embedded",
    "in_memory",
]


@dataclass(frozen=True)
class Stores:
    """One adapter per store port, all on one unit of work."""

    uow: ports.UnitOfWork
    events: ports.EventLog
    transfers: ports.TransferLog
    reference: ports.ReferenceStore
    lists: ports.ListStore
    requests: ports.ChangeRequests
    audit: ports.AuditLog
    tokens: ports.TokenStore
    vault: ports.VaultStore
    merchants: ports.MerchantStore
    sharing: ports.SharingLedger
    credentials: ports.CredentialStore
    close: Callable[[], None]
    rekeying: ports.IdentifierRekeying | None = None  # None: nothing is kept (memory://)
    accounts: ports.AccountProtection | None = None
    sharing_peers: ports.SharingPeerLog | None = None  # the outbox to sharing peers, the pull cursors


def build_stores(settings: Settings, *, accounts_in_clear: bool = False) -> Stores:
    """The SQL stores on one Database (SQLite or PostgreSQL), or the memory stores. A database
    still keeping account numbers in clear is refused unless `accounts_in_clear` (to protect them)."""
    if settings.in_memory:
        m = MemoryUnitOfWork()
        return Stores(
            m,
            MemoryEventLog(m),
            MemoryTransferLog(m),
            MemoryReferenceStore(m),
            MemoryListStore(m),
            MemoryChangeRequests(m),
            MemoryAuditLog(m, sm3_hex),
            MemoryTokenStore(m),
            MemoryVaultStore(m),
            MemoryMerchantStore(m),
            MemorySharingLedger(m),
            MemoryCredentialStore(m),
            lambda: None,
            sharing_peers=MemorySharingPeerLog(m),
        )
    url = settings.db_url
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
        raise InputError(
            "database_url",
            f"{url.split(':', 1)[0]!r} is not a supported database: sqlite:///path, postgresql://host/db or memory://",
        )
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    db = Database(url, sqlite_synchronous=settings.sqlite_synchronous.upper())
    db.hold_key_version(db.key_version())
    accounts = SqlAccountProtection(db)
    if not accounts_in_clear and not accounts.protected():
        db.close()
        raise InputError(
            "database",
            "it keeps account numbers in clear (made before account references): stop every fengkong "
            "process on it and run `fengkong db protect-accounts` once",
        )
    return Stores(
        db,
        SqlEventLog(db),
        SqlTransferLog(db),
        SqlReferenceStore(db),
        SqlListStore(db),
        SqlChangeRequests(db),
        SqlAuditLog(db, sm3_hex),
        SqlTokenStore(db),
        SqlVaultStore(db),
        SqlMerchantStore(db),
        SqlSharingLedger(db),
        SqlCredentialStore(db),
        db.close,
        SqlRekeying(db),
        accounts,
        SqlSharingPeerLog(db),
    )


def _state(settings: Settings) -> tuple[ports.StateStore, Callable[[], None]]:
    if settings.state_backend == "redis":
        from fengkong.adapters.redis.state import RedisStateStore

        redis_store = RedisStateStore(settings.redis_url, settings.redis_namespace)
        return redis_store, redis_store.close
    return MemoryStateStore(), lambda: None


def build_platform(settings: Settings, metrics: ports.Metrics | None = None, *, open_engine: bool = True) -> Platform:
    """Every service wired to the adapters the settings choose. With `open_engine` (the default)
    feature state is brought in line with the log now; otherwise at the first decision."""
    keys = settings.keys_dir
    keyring = load_or_create_keyring(settings.key_file, settings.hash_key)
    consortium = Sm3Protector(
        load_or_create_key(None if keys is None else keys / "consortium.key", settings.consortium_key)
    )
    masters = _master_keys(settings)
    rules = build_rules(settings)
    stores = build_stores(settings)
    closers: list[Callable[[], None]] = [stores.close]
    try:
        # Hashes are made with the version the stored ones have, not the newest key (a key
        # added to the keyring takes effect with the rotation that re-keys what is stored).
        protector = Sm3Protector(keyring, None if stores.rekeying is None else stores.rekeying.key_version())
        state, close_state = _state(settings)
        closers.insert(0, close_state)
        uow = stores.uow
        cards = _card_vault(masters, protector, stores)
        read_model = DecisionReadModel(
            protector, reference=stores.reference, lists=stores.lists, tokens=stores.tokens, merchants=stores.merchants
        )
        read_model.attach_sharing(stores.sharing, settings.institution_id)
        peers = stores.sharing_peers or MemorySharingPeerLog(MemoryUnitOfWork())
        hub = _sharing_hub(settings)
        if hub is not None:
            closers.append(hub.close)
        audit = ScrubbedAudit(stores.audit)  # card numbers masked in what people type
        lists = ListService(
            stores.lists,
            stores.requests,
            audit,
            protector,
            read_model,
            uow,
            cards.masked,
            stream_time=stores.events.stream_time,
        )

        def listed_by_label(feedback: Event, recall: Recall) -> list[ListEntry]:
            return lists.label_consequences(feedback, recall, rules.active.policy_values)

        engine = Engine(
            rules=rules,
            log=stores.events,
            state=state,
            transfers=stores.transfers,
            cards=cards,
            protector=protector,
            lookups=read_model,
            uow=uow,
            observer=metrics,
            snapshot_every=settings.snapshot_every,
            on_label=listed_by_label,
            consortium=consortium,
        )
        sharing = SharingService(
            stores.sharing,
            audit,
            consortium,
            uow,
            home_institution=settings.institution_id,
            read_model=read_model,
            signer=_member_signer(settings),
            verifier=None if not settings.sharing_members_ca else X509ReportVerifier(settings.sharing_members_ca),
            peers=peers,
            hub_url=None if hub is None else hub.url,
            pseudonyms=Sm3Protector(load_or_create_key(None if keys is None else keys / "sharing-pseudonyms.key")),
        )
        merchants = MerchantService(
            stores.merchants, audit, protector, read_model, uow, rules.policy_value, sharing=sharing
        )
        hasher = ScryptHasher()
        access = AccessService(
            stores.credentials,
            protector,
            hasher,
            Sm4SecretSealer(masters),
            TotpCodes(),
            audit,
            home_institution=settings.institution_id,
            sso=_sso(settings),
            sso_claims=SsoClaims(
                settings.oidc_username_claim, settings.oidc_roles_claim, settings.oidc_institution_claim
            ),
            session_hours=settings.session_hours,
        )
        orders = OrderService(lists, stores.transfers, rules.policy_value, uow)
        reference = ReferenceData(stores.reference, read_model, uow, protector)

        def set_disposition(payload: dict[str, Any], checker: str) -> None:
            """A cash-out disposition a second person approved (batch/monitoring.py proposes it)."""
            reason = f"approved by {checker}: {payload.get('reason', '')}"
            reference.set(payload["kind"], payload["entity_id"], payload["values"], actor=checker, reason=reason)

        lists.on_approval(DISPOSITION_ACTION, set_disposition)
        platform = Platform(
            engine=engine,
            holds=HoldService(engine, audit),
            read_model=read_model,
            rules=rules,
            reference=reference,
            lists=lists,
            orders=orders,
            requests=RequestService(orders, stores.transfers, audit, cards),
            vault=VaultService(cards, stores.tokens, audit, read_model, uow),
            access=access,
            credentials=CredentialAdmin(
                stores.credentials,
                protector,
                hasher,
                audit,
                home_institution=settings.institution_id,
                changed=access.forget,
            ),
            merchants=merchants,
            terminal_keys=TerminalKeys(merchants, rules.policy_value),
            terminal_checks=TerminalChecks(merchants, rules.policy_value),
            blacklists=BlacklistService(lists, rules.policy_value, sharing=sharing, registry=merchants),
            sharing=sharing,
            sharing_exchange=SharingExchange(hub, peers, stores.sharing, audit, uow, read_model),
            audit=audit,
            oversight=Oversight(audit, stores.requests, uow),
            key_rotation=None
            if stores.rekeying is None
            else KeyRotation(stores.rekeying, protector, cards, audit, uow),
            events=stores.events,
            metrics=metrics,
            closers=closers,
        )
        read_model.refresh(force=True)
        if open_engine:
            engine.open()
    except BaseException:
        for close in closers:
            close()
        raise
    return platform


def rotate_identifier_keys(
    settings: Settings, *, actor: str, reason: str, progress: Callable[[str, int], None] = lambda _t, _n: None
) -> Rotation:
    """Re-key every stored identifier hash to the newest key of the keyring, adding a key to the
    keyring file first when it has none newer than the database's (with keys given in the
    settings, the operator adds `vN:HEX` there). Every process on the database must be stopped:
    one still running commits nothing more and must be restarted."""
    if settings.in_memory:
        raise InputError("database_url", "memory:// keeps nothing: there is nothing to re-key")
    keyring = load_or_create_keyring(settings.key_file, settings.hash_key)
    stores = build_stores(settings)
    try:
        current = stores.rekeying.key_version() if stores.rekeying is not None else keyring.newest
    finally:
        stores.close()
    if keyring.newest <= current:
        if settings.hash_key or settings.key_file is None:
            raise InputError(
                "hash_key",
                f"the keyring holds no key newer than version {current}: add v{current + 1}:HEX to FENGKONG_HASH_KEY",
            )
        write_keyring(settings.key_file, keyring.with_new_key())  # kept if the re-keying fails: reused
    with build_platform(settings, open_engine=False) as platform:
        assert platform.key_rotation is not None
        rotation = platform.key_rotation.rotate(
            load_or_create_keyring(settings.key_file, settings.hash_key).newest,
            actor=actor,
            reason=reason,
            progress=progress,
        )
    for part in settings.analytics_dir.glob("events-*.parquet"):  # exported with the old hashes
        part.unlink()
    return rotation


def _card_vault(masters: MasterKeys, protector: Sm3Protector, stores: Stores) -> Sm4CardVault:
    """The vault over the stores, with a committed data key (sealing at the door never makes one)."""
    cards = Sm4CardVault(masters, protector, stores.vault, stores.uow)
    cards.ensure_data_key()
    return cards


def _master_keys(settings: Settings) -> MasterKeys:
    keys = settings.keys_dir
    return load_master_keys(None if keys is None else keys / "master-keys.json", settings.master_keys)


def protect_account_numbers(
    settings: Settings, *, actor: str, progress: Callable[[str, int], None] = lambda _t, _n: None
) -> dict[str, int]:
    """Turn the account numbers a database from before account references keeps in clear into
    references sealed in the vault (every fengkong process on it stopped)."""
    stores = build_stores(settings, accounts_in_clear=True)
    try:
        if stores.accounts is None or stores.rekeying is None:
            raise InputError("database_url", "memory:// keeps nothing: there is nothing to protect")
        protector = Sm3Protector(
            load_or_create_keyring(settings.key_file, settings.hash_key), stores.rekeying.key_version()
        )
        cards = _card_vault(_master_keys(settings), protector, stores)
        service = AccountNumbers(stores.accounts, cards, ScrubbedAudit(stores.audit), stores.uow)
        return service.protect(actor=actor, progress=progress)
    finally:
        stores.close()


def _member_signer(settings: Settings) -> X509ReportSigner | None:
    """This institution's member certificate and key, which sign its reports, when configured."""
    if settings.sharing_cert is None or settings.sharing_key is None:
        return None
    return X509ReportSigner(settings.sharing_cert, settings.sharing_key)


def _sharing_hub(settings: Settings) -> HttpSharingHub | None:
    """The hub this institution shares with, when the settings name one."""
    if not settings.sharing_hub_url:
        return None
    assert settings.sharing_hub_ca and settings.sharing_cert and settings.sharing_key  # Settings checked
    return HttpSharingHub(
        settings.sharing_hub_url,
        ca_bundle=settings.sharing_hub_ca,
        certificate=settings.sharing_cert,
        private_key=settings.sharing_key,
        credential=settings.sharing_hub_credential or "",
    )


def _sso(settings: Settings) -> ports.BearerVerifier | None:
    if not (settings.oidc_issuer and settings.oidc_jwks):
        return None
    from fengkong.adapters.oidc import OidcVerifier

    return OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks)


def build_monitoring(platform: Platform, settings: Settings) -> Monitoring:
    """The batch scans over the platform's event log, acting through its services."""
    return Monitoring(
        platform.events,
        settings.analytics_dir,
        reference=platform.reference,
        lists=platform.lists,
        merchants=platform.merchants,
        policy=platform.rules.policy_value,
    )


def build_rules(settings: Settings) -> RuleRepository:
    """The rule files and policy the settings name, compiled (RuleSetError lists every problem)."""
    return RuleRepository(RuleFiles(settings.rule_paths, settings.policy_path), settings.lateness_s)


def build_metrics() -> ports.Metrics:
    return PrometheusMetrics()


def embedded(data_dir: str | Path = "fengkong-data", **overrides: Any) -> Platform:
    """The embedded default: a SQLite file and keys under `data_dir`, in-process feature state.

    >>> import tempfile, fengkong
    >>> with tempfile.TemporaryDirectory() as d, fengkong.embedded(d) as platform:
    ...     platform.engine.ruleset.version == platform.rules.active.version
    True
    """
    return build_platform(Settings.embedded(data_dir, **overrides))


def in_memory(**overrides: Any) -> Platform:
    """Everything in memory, nothing kept: for tests, notebooks and trying rules out."""
    return build_platform(Settings.memory(**overrides))
