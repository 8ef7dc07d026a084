"""The platform: every use case of fengkong, wired once (by bootstrap.py) and closed once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fengkong.domain.ports import AuditLog, EventLog, Metrics
from fengkong.services.access import AccessService
from fengkong.services.blacklists import BlacklistService
from fengkong.services.credentials import CredentialAdmin
from fengkong.services.decide import Engine
from fengkong.services.holds import HoldService
from fengkong.services.key_rotation import KeyRotation
from fengkong.services.lists import ListService
from fengkong.services.merchants import MerchantService
from fengkong.services.orders import OrderService
from fengkong.services.oversight import Oversight
from fengkong.services.read_model import DecisionReadModel
from fengkong.services.reference import ReferenceData
from fengkong.services.requests import RequestService
from fengkong.services.rules import RuleRepository
from fengkong.services.sharing import SharingService
from fengkong.services.sharing_exchange import SharingExchange
from fengkong.services.terminal_checks import TerminalChecks
from fengkong.services.terminal_keys import TerminalKeys
from fengkong.services.vault import VaultService


@dataclass
class Platform:
    """What a server, a command or an embedding program needs. Use it as a context manager, or
    call `close()`: a final snapshot of feature state, then every resource its builder opened."""

    engine: Engine  # deciding
    holds: HoldService  # payments held for review or a challenge
    read_model: DecisionReadModel  # what decisions read besides feature state
    rules: RuleRepository
    reference: ReferenceData  # customers' limits, transfer agreements, dispositions
    lists: ListService  # lists and maker-checker
    orders: OrderService  # stop-payment, freeze, penalties, tracing
    requests: RequestService  # stop-payment, freeze and quick query requested by electronic message
    vault: VaultService  # payment tokens, detokenization, keys
    merchants: MerchantService  # merchant and terminal registries
    terminal_keys: TerminalKeys  # terminal master-key records: shared and overdue keys
    terminal_checks: TerminalChecks  # qualified samples, spot checks and their schedule
    blacklists: BlacklistService  # the industry blacklists' grounds and four eyes
    sharing: SharingService
    sharing_exchange: SharingExchange  # this institution's reports sent to the hub, the others' pulled
    access: AccessService  # who is calling: API keys, people, the bank's identity provider
    credentials: CredentialAdmin  # making and ending API keys and users
    audit: AuditLog
    oversight: Oversight  # exports recorded with their approval; the sensitive-data access report
    events: EventLog
    key_rotation: KeyRotation | None = None  # None in memory://, which keeps nothing
    metrics: Metrics | None = None
    closers: Sequence[Callable[[], None]] = field(default=(), repr=False)

    def close(self) -> None:
        try:
            self.engine.close()
        finally:
            for close in self.closers:
                close()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
