"""What the decision path reads besides feature state, held in memory: reference records, the
list index, payment tokens, merchants and terminals. No database round trip per event.

Changes made through this process are applied at once, after their commit; changes made
elsewhere (the CLI, another node) are picked up by `refresh` when a source's change stamp moves.
A local change names the stamp its own commit left: if nothing else was written since the last
sync, the cache is current at that stamp; otherwise the next refresh reloads the source, so a
change made elsewhere is never taken for one made here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from fengkong.domain.acquiring.admission import SAMPLE_KIND
from fengkong.domain.acquiring.links import Cluster, LinkIndex, merchant_keys
from fengkong.domain.limits import reference as reference_data
from fengkong.domain.lists.index import ListEntry, ListIndex
from fengkong.domain.lists.types import LIST_TYPES
from fengkong.domain.ports import (
    IdentifierProtector,
    ListStore,
    MerchantStore,
    ReferenceStore,
    SharedReport,
    SharingLedger,
    TokenStore,
)
from fengkong.domain.sharing.summary import SharedFact, fact_of, summarize
from fengkong.domain.tokens import PaymentToken

_UNREGISTERED: Mapping[str, Any] = {"status": "unregistered"}
_MONEY = frozenset({"single_limit", "daily_limit"})


class DecisionReadModel:
    """The Lookups port of the decision path, kept in step with the stores it caches."""

    def __init__(
        self,
        protector: IdentifierProtector,
        *,
        reference: ReferenceStore,
        lists: ListStore,
        tokens: TokenStore,
        merchants: MerchantStore,
    ):
        self._protector = protector  # unused since events carry phones hashed; kept for the composition root
        self._records: dict[str, dict[str, Any]] = {}  # '<kind>:<entity key>' -> record as rules read it
        self._lists = ListIndex()
        self._tokens: dict[str, dict[str, Any]] = {}  # payment token -> status and domain controls
        self._merchants: dict[str, dict[str, Any]] = {}
        self._terminals: dict[str, dict[str, Any]] = {}
        self._samples: dict[str, dict[str, Any]] = {}  # qualified terminal samples by sample key
        self._links = LinkIndex()  # merchants sharing an identity, an account, a licence, a terminal
        self._serials: dict[str, set[str]] = {}  # a unique identifier -> admitted terminals holding it
        self._sources: dict[str, tuple[Callable[[], int], Callable[[], None]]] = {
            "reference": (reference.stamp, lambda: self._load_reference(reference.load())),
            "lists": (lists.stamp, lambda: self._load_lists(lists.all())),
            "tokens": (tokens.stamp, lambda: self._load_tokens(tokens.all())),
            "merchants": (merchants.stamp, lambda: self._load_registry(merchants.all())),
        }
        self._stamps: dict[str, int] = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ Lookups
    def reference(self, kind: str, entity_key: str) -> Mapping[str, Any] | None:
        if kind == "payment_token":
            return self._tokens.get(entity_key.split("|", 1)[1])
        if kind == "merchant":
            return self._merchants.get(entity_key.split("|", 1)[1])
        if kind == "merchant_links":
            linked = self._links.linked(entity_key.split("|", 1)[1])
            return {"linked": list(linked), "via": linked}
        if kind == "terminal":
            record = self._terminals.get(entity_key.split("|", 1)[1])
            if record is None and self._terminals:  # the acquirer keeps a registry: this one is not in it
                return _UNREGISTERED
            return record
        return self._records.get(f"{kind}:{entity_key}")

    def has_entries(self, list_type: str) -> bool:
        return bool(self._lists.types.get(list_type))

    def listed(self, list_type: str, value: str, ts: float) -> dict[str, Any] | None:
        kind = LIST_TYPES.get(list_type)
        if kind is None or list_type not in self._lists.types:
            return None
        # `value` as an event carries it: phones (like ID numbers) already as their keyed hash
        return self._lists.lookup(list_type, value, ts)

    def record(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        """A reference record (limits, agreement, disposition) as stored: money as strings."""
        found = self._records.get(reference_data.cache_key(kind, entity_id))
        return None if found is None else {k: str(v) if isinstance(v, Decimal) else v for k, v in found.items()}

    # ------------------------------------------------------------------ refresh
    def refresh(self, force: bool = False) -> bool:
        """Reload every source whose stamp moved (all of them with `force`); True if any did."""
        changed = False
        with self._lock:
            for name, (stamp_of, load) in self._sources.items():
                stamp = stamp_of()
                if force or stamp != self._stamps.get(name):
                    load()
                    self._stamps[name] = stamp
                    changed = True
        return changed

    def _applied(self, source: str, stamp: int, writes: int = 1) -> None:
        """A change made here, whose commit's `writes` left the source's stamp at `stamp`."""
        if self._stamps.get(source) == stamp - writes:
            self._stamps[source] = stamp

    def _load_reference(self, records: dict[tuple[str, str], dict[str, Any]]) -> None:
        self._records = {
            reference_data.cache_key(kind, entity_id): reference_data.for_rules(record, kind)
            for (kind, entity_id), record in records.items()
            if kind in reference_data.KINDS
        }

    def _load_lists(self, entries: list[ListEntry]) -> None:
        self._lists = ListIndex(entries)

    def _load_tokens(self, tokens: list[PaymentToken]) -> None:
        self._tokens = {t.token: t.for_rules() for t in tokens}

    def _load_registry(self, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        merchants: dict[str, dict[str, Any]] = {}
        terminals: dict[str, dict[str, Any]] = {}
        samples: dict[str, dict[str, Any]] = {}
        links = LinkIndex()
        for kind, entity_id, record in rows:
            {"merchant": merchants, "terminal": terminals, SAMPLE_KIND: samples}[kind][entity_id] = _registry_view(
                record
            )
            _index(links, kind, entity_id, record)
        self._merchants, self._terminals, self._samples, self._links = merchants, terminals, samples, links
        self._serials = {}
        for terminal_id, record in terminals.items():
            self._serial_changed(terminal_id, None, record)

    # ------------------------------------------------------------------ changes made here
    # Each takes the source's stamp as the change's own commit left it (read inside that commit).
    def reference_changed(self, kind: str, entity_id: str, record: dict[str, Any] | None, stamp: int) -> None:
        key = reference_data.cache_key(kind, entity_id)
        with self._lock:
            if record is None:
                self._records.pop(key, None)
            else:
                self._records[key] = reference_data.for_rules(record, kind)
            self._applied("reference", stamp)

    def lists_changed(self, stamp: int, added: Sequence[ListEntry] = (), ended: Sequence[ListEntry] = ()) -> None:
        """Entries added, and entries ended (kept with their end, so late events still meet them)."""
        with self._lock:
            for entry in ended:
                self._lists.remove(entry.id)
            for entry in (*ended, *added):
                self._lists.add(entry)
            self._applied("lists", stamp, len(added) + len(ended))

    def token_changed(self, token: PaymentToken, stamp: int) -> None:
        with self._lock:
            self._tokens[token.token] = token.for_rules()
            self._applied("tokens", stamp)

    def registry_changed(self, kind: str, entity_id: str, record: dict[str, Any], stamp: int) -> None:
        with self._lock:
            if kind == "terminal":
                self._serial_changed(entity_id, self._terminals.get(entity_id), record)
            {"merchant": self._merchants, "terminal": self._terminals, SAMPLE_KIND: self._samples}[kind][entity_id] = (
                _registry_view(record)
            )
            _index(self._links, kind, entity_id, record)
            self._applied("merchants", stamp)

    # ------------------------------------------------------------------ the registry, for its services
    def _serial_changed(self, terminal_id: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
        if before and before.get("serial"):
            self._serials.get(str(before["serial"]), set()).discard(terminal_id)
        if after.get("serial") and after.get("status") != "rejected":
            self._serials.setdefault(str(after["serial"]), set()).add(terminal_id)

    def merchant_matches(self, keys: Mapping[str, list[str]], excluding: str) -> dict[str, list[str]]:
        """Registered merchants sharing any of these keys (id -> attributes shared)."""
        with self._lock:
            return self._links.matches(keys, excluding)

    def clusters(self, min_size: int = 2) -> list[Cluster]:
        with self._lock:
            return self._links.clusters(min_size)

    def sample(self, key: str) -> dict[str, Any] | None:
        return self._samples.get(key)

    def keeps_samples(self) -> bool:
        return bool(self._samples)

    def terminal_with_serial(self, serial: str, excluding: str) -> str | None:
        """The admitted terminal already registered with this unique identifier, if any."""
        with self._lock:
            holders = self._serials.get(serial, set()) - {excluding}
        return min(holders) if holders else None

    # ------------------------------------------------------------------ shared reports
    # What member institutions reported (services/sharing.py), by subject type and consortium hash.
    _shared: Mapping[str, list[SharedFact]] = MappingProxyType({})
    _home: str = ""

    def attach_sharing(self, ledger: SharingLedger, home_institution: str) -> None:
        """Follow the sharing ledger too (called once by the composition root)."""
        self._home = home_institution
        self._sources["sharing"] = (ledger.stamp, lambda: self._load_shared(ledger.all_reports()))

    def shared(self, subject_type: str, subject_hash: str, risk_type: str | None, ts: float) -> dict[str, Any] | None:
        facts = self._shared.get(f"{subject_type}:{subject_hash}")
        return None if not facts else summarize(facts, ts, risk_type, self._home)

    def shared_added(self, subject_type: str, subject_hash: str, fact: SharedFact, stamp: int) -> None:
        with self._lock:
            shared = dict(self._shared)
            key = f"{subject_type}:{subject_hash}"
            shared[key] = [*shared.get(key, ()), fact]
            self._shared = shared
            self._applied("sharing", stamp)

    def _load_shared(self, reports: list[tuple[str, str, SharedReport]]) -> None:
        shared: dict[str, list[SharedFact]] = {}
        for subject_type, subject_hash, report in reports:
            shared.setdefault(f"{subject_type}:{subject_hash}", []).append(fact_of(report))
        self._shared = shared


def _index(links: LinkIndex, kind: str, entity_id: str, record: dict[str, Any]) -> None:
    if kind == "merchant":
        links.merchant(entity_id, merchant_keys(record))
    elif kind == "terminal":
        links.terminal(entity_id, record.get("merchants") or [])


def _registry_view(record: dict[str, Any]) -> dict[str, Any]:
    """A merchant or terminal record as rules read it: limits as Decimal, without findings."""
    return {k: Decimal(v) if k in _MONEY and v is not None else v for k, v in record.items() if k != "findings"}
