"""The interfaces the core needs from the outside world: one per store or service it uses.

Adapters implement them: SQL (SQLite, PostgreSQL) and in-memory ones for every store, Redis and
in-memory ones for feature state, SM3/SM4 for hashing and the vault. Each port has a contract
suite in tests/contract that every adapter passes. Services name the narrow port they use and
never an adapter; `bootstrap.py` is the one place that chooses adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fengkong.domain.access.credentials import ApiKey, Session, User
from fengkong.domain.audit import AuditRecord, ChainCheck
from fengkong.domain.cards import SealedCard
from fengkong.domain.changes import ChangeRequest
from fengkong.domain.decisions import Decision, EventError
from fengkong.domain.events import Event
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.tokens import PaymentToken
from fengkong.domain.tracing import Transfer

# ---------------------------------------------------------------------------------------- commits


class UnitOfWork(Protocol):
    """One commit across stores: what a use case writes inside `atomic()` (the event log, the
    transfer index, the vault, lists, audit rows, ...) is committed together or not at all."""

    def atomic(self) -> AbstractContextManager[None]:
        """A block whose writes commit together when it ends (and roll back if it raises).
        Blocks nest: an inner block joins the outer one, which commits."""
        ...

    def on_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the enclosing block has committed (at once outside any block);
        never after a rollback. For caches that must only ever show committed data."""
        ...


# ---------------------------------------------------------------------------------------- identifiers


class IdentifierProtector(Protocol):
    """Keyed hashes for identifiers that are matched but never stored in clear."""

    @property
    def version(self) -> int:
        """The key version the hashes are made with: state built from them is rebuilt when it
        changes (a rotation re-keys what is stored)."""
        ...

    def card_reference(self, pan: str) -> str:
        """The stable reference of a card number (a keyed hash; the number is not kept)."""
        ...

    def account_reference(self, number: str) -> str:
        """The stable reference of an account number (canonical form; a keyed hash)."""
        ...

    def identifier_hash(self, kind: str, value: str) -> str:
        """Keyed hash of an identifier of a given kind (`id_number`, `phone`, ...)."""
        ...

    def rekeyed(self, stored: str, to_version: int) -> str:
        """What a hash or card reference made at `version` becomes at a later key version
        (computed from the stored value: the clear one is not kept)."""
        ...


class CardSealer(Protocol):
    """What the door needs of the vault: a card or account number turned into its reference and
    sealed."""

    def seal(self, pan: str) -> SealedCard: ...

    def seal_account(self, number: str) -> SealedCard:
        """An account number (canonical form) as its reference, masked, sealed for the vault."""
        ...


class CardVault(CardSealer, Protocol):
    """Card numbers kept only encrypted (SM4 under envelope keys), revealed on request."""

    def store(self, cards: Sequence[SealedCard]) -> None:
        """Keep newly sealed cards, inside the caller's unit of work (a card stored twice is one)."""
        ...

    def masked(self, ref: str) -> str | None:
        """The masked number of a stored card, None if the vault does not hold it."""
        ...

    def reveal(self, ref: str) -> str: ...

    def reseal(self, old_ref: str, new_ref: str, ciphertext: bytes, dek_id: str) -> bytes:
        """A stored card's ciphertext bound to the reference a key rotation gives it."""
        ...

    def rotate_master(self, new_version: str) -> int:
        """Add a master key version and re-wrap every data key with it; returns how many."""
        ...

    def new_data_key(self) -> str:
        """Start a new data key for cards stored from now on; returns its id."""
        ...

    def check_all(self) -> tuple[int, list[str]]:
        """Decrypt every stored card: (readable count, references that failed)."""
        ...


class IdentifierRekeying(Protocol):
    """Every stored identifier hash and card reference re-keyed at once (a key rotation)."""

    def key_version(self) -> int:
        """The key version the stored hashes are made with."""
        ...

    def rekey(
        self,
        rekey: Callable[[str], str],
        reseal: Callable[[str, str, bytes, str], bytes],
        to_version: int,
        progress: Callable[[str, int], None],
    ) -> dict[str, int]:
        """Rewrite every store inside the caller's unit of work, recording `to_version` with it;
        returns the rows changed per store."""
        ...


class AccountProtection(Protocol):
    """Account numbers kept in clear by a database from before account references, turned into
    references at once."""

    def protected(self) -> bool:
        """True once the stored account numbers are references (always, for a new database)."""
        ...

    def protect(
        self, key: Callable[[str], tuple[str, str] | None], progress: Callable[[str, int], None]
    ) -> dict[str, int]:
        """Rewrite every store inside the caller's unit of work with `key` (an account value ->
        its reference and masked number, or None to leave it); returns the rows changed."""
        ...


class VaultStore(Protocol):
    """The vault's storage: wrapped data keys and encrypted card numbers (never a clear one)."""

    def active_key(self) -> tuple[str, bytes, str] | None:
        """(data key id, wrapped key, master version) of the key that encrypts new cards."""
        ...

    def key(self, dek_id: str) -> tuple[bytes, str]: ...

    def keys(self) -> list[tuple[str, bytes, str]]: ...

    def add_key(self, dek_id: str, wrapped: bytes, master_version: str) -> None:
        """Add a data key and make it the active one."""
        ...

    def rewrap(self, dek_id: str, wrapped: bytes, master_version: str) -> None: ...

    def add_cards(self, cards: Sequence[SealedCard]) -> None:
        """Store sealed cards; one already stored is left as it is."""
        ...

    def card(self, ref: str) -> SealedCard | None: ...

    def cards(self) -> Iterator[SealedCard]: ...


# ---------------------------------------------------------------------------------------- events and state


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An accepted event as the log returns it for replay: position, record and its decision."""

    seq: int
    record: dict[str, Any]
    decision: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    event_id: str | None
    field: str
    message: str
    raw_excerpt: str
    raw_size: int
    received_at: str


# Stored columns of every event, in the order `EventLog.columns` returns them (before the paths).
# How many of the latest logged events the stream's event-time clock looks at (a late one
# among them does not turn the clock back).
RECENT_EVENTS = 100

EVENT_COLUMNS = ("seq", "event_id", "ts", "type", "decision", "amount_fen", "customer_id", "account_id", "card_id")


class EventLog(Protocol):
    """Durable, ordered record of accepted events with their decisions; the source of truth.

    Single writer: one engine process appends to a log at a time (production scale-out
    partitions by customer, see docs/operations.md).
    """

    def append(self, entries: Sequence[tuple[Event, Decision]], rejected: Sequence[RejectedRecord] = ()) -> int:
        """Store events with their decisions (and rejected inputs), inside the caller's unit of
        work; returns the log position of the last event appended (0 if none). An event id
        stored before raises Conflict and nothing of the batch is kept."""
        ...

    def find_decisions(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def find_events(self, event_ids: Iterable[str]) -> dict[str, LoggedEvent]:
        """Stored events (record and decision) by id, e.g. the original of a reversal."""
        ...

    def replay(self, after_seq: int) -> Iterator[LoggedEvent]:
        """Every event after a position, in log order."""
        ...

    def last_seq(self) -> int: ...

    def stream_time(self) -> float | None:
        """The stream's event-time clock: the latest event time among the most recently logged
        events (`RECENT_EVENTS`), or None before the first. What people do to lists is stamped
        with it, so a replay of the log meets their changes where live did."""
        ...

    def count(self) -> int: ...

    def rejected(self, limit: int = 100) -> list[RejectedRecord]:
        """The most recent rejected inputs, newest first."""
        ...

    def columns(self, after_seq: int, paths: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
        """Up to `limit` events after a position, in log order, as flat rows for analytics: the
        `EVENT_COLUMNS`, then the record's value at each dotted path (None where absent)."""
        ...

    def save_snapshot(self, fingerprint: str, seq: int, states: Mapping[str, Any]) -> None: ...

    def load_snapshot(self, fingerprint: str) -> tuple[int, dict[str, Any]] | None: ...

    def record_ruleset(self, version: str, files: Sequence[str]) -> None:
        """Archive a rule set version the first time it is used."""
        ...

    def rulesets(self) -> list[tuple[str, list[str]]]:
        """Every archived rule set version with its files, oldest first."""
        ...


class StateStore(Protocol):
    """Feature state per entity key. Values are plain JSON-ready data owned by the reducers.

    `apply` writes changed keys and the log position they reflect together (atomically where the
    backend allows), so that recovery can replay exactly the events after `checkpoint()`.
    """

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def apply(self, states: Mapping[str, dict[str, Any]], seq: int) -> None: ...

    def checkpoint(self, fingerprint: str) -> int | None:
        """Last applied log position for this feature fingerprint, or None if state is unusable."""
        ...

    def reset(self, fingerprint: str) -> None: ...

    def export(self) -> dict[str, dict[str, Any]]: ...

    def load(self, states: Mapping[str, dict[str, Any]], seq: int, fingerprint: str) -> None: ...

    @property
    def durable(self) -> bool:
        """True if state survives a process restart on its own (Redis); False for memory."""
        ...


class TransferLog(Protocol):
    """Transfers between accounts, indexed for fund tracing (written with their events)."""

    def record(self, transfers: Sequence[tuple[Transfer, str]]) -> None:
        """Keep (transfer, decision outcome) pairs, inside the caller's unit of work."""
        ...

    def settle(self, event_id: str, decision: str) -> None:
        """A held transfer's outcome changed (released, declined, expired): only approved ones
        are followed by tracing. Inside the caller's unit of work."""
        ...

    def get(self, event_id: str) -> Transfer | None: ...

    def outgoing(self, accounts: Sequence[str], since: float, until: float) -> list[Transfer]:
        """Approved transfers from these accounts between two times."""
        ...


# ---------------------------------------------------------------------------------------- what decisions read


class Lookups(Protocol):
    """What the decision path reads besides feature state: reference records and lists."""

    def reference(self, kind: str, entity_key: str) -> Mapping[str, Any] | None: ...

    def listed(self, list_type: str, value: str, ts: float) -> dict[str, Any] | None: ...

    def has_entries(self, list_type: str) -> bool:
        """Whether a list holds anything at all (a look-up over many values skips an empty list)."""
        ...

    def shared(self, subject_type: str, subject_hash: str, risk_type: str | None, ts: float) -> dict[str, Any] | None:
        """What member institutions reported about a subject (by its consortium hash) up to
        event time `ts`, of one risk type (None: any): counts, never who did not consent."""
        ...


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    kind: str
    entity_id: str
    record: dict[str, Any] | None  # None: removed
    version: int
    changed_at: str
    changed_by: str
    reason: str


class ReferenceStore(Protocol):
    """Customers' limits, accounts' transfer agreements and cash-out dispositions, with a history
    of every change (who, when, why, what)."""

    def load(self) -> dict[tuple[str, str], dict[str, Any]]: ...

    def put(self, kind: str, entity_id: str, record: dict[str, Any] | None, actor: str, reason: str) -> ReferenceChange:
        """Set (None: remove) a record; the change is appended to its history."""
        ...

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]: ...

    def stamp(self) -> int:
        """A number that changes on every write (the read model reloads when it moves)."""
        ...


class ListStore(Protocol):
    """List entries (block and allow lists, orders, penalties). Nothing is deleted: a removal
    ends an entry at a time, so what applied to an event can always be read again."""

    def add(self, entry: ListEntry) -> ListEntry:
        """Store an entry (its `id` is ignored) and return it with the id it was given."""
        ...

    def end(self, entry_id: int, at: float) -> ListEntry | None:
        """End an entry at `at` (an earlier end is kept); the entry as it now is."""
        ...

    def get(self, entry_id: int) -> ListEntry | None:
        """An entry by id, ended or not."""
        ...

    def all(self) -> list[ListEntry]:
        """Every entry, ended ones too (the index answers by event time)."""
        ...

    def find(self, list_type: str, match_key: str) -> list[ListEntry]:
        """The entries of a list for one match key, ended ones too, oldest first."""
        ...

    def stamp(self) -> int: ...


class ChangeRequests(Protocol):
    """Maker-checker requests."""

    def create(self, action: str, payload: dict[str, Any], maker: str, reason: str) -> ChangeRequest: ...

    def get(self, request_id: int) -> ChangeRequest | None: ...

    def pending(self) -> list[ChangeRequest]: ...

    def decide(self, request_id: int, status: str, checker: str, note: str) -> bool:
        """Move a pending request to approved or rejected; False if it was no longer pending."""
        ...


class AuditLog(Protocol):
    """The hash-chained audit log: each row's hash covers the row and the previous hash."""

    def append(self, actor: str, action: str, subject: str, reason: str, payload: object) -> AuditRecord: ...

    def records(self, after: int = 0, limit: int | None = None) -> list[AuditRecord]: ...

    def verify(self) -> ChainCheck:
        """Recompute the chain; names the first row that was changed, removed or inserted."""
        ...


class CredentialStore(Protocol):
    """API keys, local users and their sessions (domain/access/credentials.py); `put_*` inserts
    or replaces by id. `stamp` moves with every write, so a process knows its cache is stale."""

    def put_key(self, key: ApiKey) -> None: ...

    def get_key(self, key_id: str) -> ApiKey | None: ...

    def keys(self) -> list[ApiKey]: ...

    def put_user(self, user: User) -> None: ...

    def get_user(self, username: str) -> User | None: ...

    def users(self) -> list[User]: ...

    def put_session(self, session: Session) -> None: ...

    def get_session(self, session_id: str) -> Session | None: ...

    def stamp(self) -> int: ...


class PasswordHasher(Protocol):
    """A memory-hard KDF: `hash` salts and encodes its parameters; `verify` takes constant time."""

    def hash(self, password: str) -> str: ...

    def verify(self, password: str, encoded: str) -> bool: ...


class SecretSealer(Protocol):
    """Small secrets a person's login needs (TOTP seeds), encrypted under the vault's keys."""

    def seal(self, secret: bytes, context: str) -> str: ...

    def open(self, sealed: str, context: str) -> bytes: ...


class OneTimeCodes(Protocol):
    """Time-based one-time passwords (RFC 6238)."""

    def new_seed(self) -> bytes: ...

    def uri(self, seed: bytes, account: str, issuer: str) -> str: ...

    def verify(self, seed: bytes, code: str, at: float) -> int | None:
        """The time step the code belongs to (so a used one can be refused), or None."""
        ...


class BearerVerifier(Protocol):
    """Verifies an identity provider's access token (OIDC, JWT): its claims, or InputError."""

    def verify(self, token: str) -> dict[str, Any]: ...


class TokenStore(Protocol):
    """Payment tokens with their status and domain controls."""

    def add(self, token: PaymentToken) -> None: ...

    def get(self, token: str) -> PaymentToken | None: ...

    def set_status(self, token: str, status: str) -> None: ...

    def all(self) -> list[PaymentToken]: ...

    def stamp(self) -> int: ...


class MerchantStore(Protocol):
    """Merchant and terminal records (`kind` is merchant or terminal)."""

    def put(
        self, kind: str, entity_id: str, record: dict[str, Any], status: str, identity_hash: str | None = None
    ) -> None: ...

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None: ...

    def all(self, kind: str | None = None) -> list[tuple[str, str, dict[str, Any]]]: ...

    def count_identity(self, kind: str, identity_hash: str, excluding: str) -> int:
        """How many other records of a kind share a legal representative's identity."""
        ...

    def stamp(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SharedReport:
    institution_id: str  # the reporter; for a report pulled from a hub, the hub's pseudonym of it
    risk_type: str
    reported_at: datetime
    report_id: str | None = None  # None: a report from before reports had ids
    amount_fen: int | None = None
    card_count: int | None = None
    disclosed_by: str | None = None  # the reporter's name where it consented to disclosure
    origin: str = "local"  # local (reported here), peer (signed, received), hub (pulled)


@dataclass(frozen=True, slots=True)
class SharedQuery:
    institution_id: str
    subject_type: str
    allowed: bool
    asked_at: datetime


class SharingLedger(Protocol):
    """Reports exchanged between member institutions (subjects as consortium-keyed hashes) and
    every query asked of them."""

    def add_report(self, institution_id: str, subject_type: str, subject_hash: str, risk_type: str) -> None: ...

    def has_reported(self, institution_id: str) -> bool: ...

    def reports_about(self, subject_type: str, subject_hash: str) -> list[SharedReport]: ...

    def log_query(self, institution_id: str, subject_type: str, subject_hash: str, allowed: bool) -> None: ...

    def queries(self, limit: int = 100) -> list[SharedQuery]:
        """The most recent queries, newest first."""
        ...

    def add(self, subject_type: str, subject_hash: str, report: SharedReport) -> None:
        """Keep a report with everything it says (`add_report` is the short form)."""
        ...

    def has_report(self, report_id: str) -> bool:
        """Whether a report with this id is kept already (a second one is a replay)."""
        ...

    def all_reports(self) -> list[tuple[str, str, SharedReport]]:
        """(subject type, subject hash, report) of every report, oldest first."""
        ...

    def reports_after(self, after: int, limit: int) -> list[tuple[int, str, str, SharedReport]]:
        """(position, subject type, subject hash, report) of the reports kept after position
        `after`, in order: what a member pulls page by page."""
        ...

    def stamp(self) -> int:
        """Moves with every report kept (the read model reloads when it moved)."""
        ...


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    peer: str
    report_id: str
    payload: str  # the signed report as JSON, sent as it is
    state: str  # pending | sent | refused
    attempts: int
    last_error: str | None
    queued_at: datetime
    sent_at: datetime | None = None


class SharingPeerLog(Protocol):
    """What is exchanged with a peer: signed reports waiting to be sent (kept until the peer
    took them; refused ones kept with the reason) and how far reports were pulled from it."""

    def enqueue(self, peer: str, report_id: str, payload: str) -> None: ...

    def pending(self, peer: str, limit: int) -> list[OutboxItem]:
        """Reports not yet taken by the peer, oldest first."""
        ...

    def mark_sent(self, item_id: int) -> None: ...

    def mark_failed(self, item_id: int, error: str, *, refused: bool) -> None:
        """A try that failed: retried later, or never again when the peer `refused` it."""
        ...

    def outbox(self, limit: int = 100) -> list[OutboxItem]:
        """The most recent items in any state, newest first."""
        ...

    def cursor(self, peer: str) -> int:
        """The position after which the next pull from the peer starts (0: from the start)."""
        ...

    def set_cursor(self, peer: str, position: int) -> None: ...


class ReportSigner(Protocol):
    """Signs reports with the private key of this institution's member certificate."""

    @property
    def institution(self) -> str:
        """The institution the certificate names (what receivers will take the report to be from)."""
        ...

    @property
    def certificate_pem(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class ReportVerifier(Protocol):
    """Checks a signed report against the members' CA."""

    def signer_of(self, data: bytes, signature: bytes, certificate_pem: str, at: datetime) -> str:
        """The institution whose member certificate made `signature` over `data`; InputError
        naming `certificate` or `signature` when it is not a valid member's signature."""
        ...


class SharingHub(Protocol):
    """The peer (a hub, or another fengkong) this institution sends its reports to and pulls
    the others' from."""

    @property
    def url(self) -> str: ...

    def send(self, signed_report: Mapping[str, Any]) -> None:
        """Deliver one signed report. Unavailable when the peer cannot be reached or fails
        (try again later); InputError when it refused the report (trying again will not help)."""
        ...

    def feed(self, after: int, limit: int) -> Mapping[str, Any]:
        """The reports the peer lets this institution see after position `after`:
        `{"reports": [...], "next": position}`."""
        ...


# ---------------------------------------------------------------------------------------- rules and observers


class RuleSource(Protocol):
    """Where rule files and the policy file come from (files on disk, in production)."""

    def rule_texts(self) -> list[tuple[str, str]]:
        """(name, text) of every rule file, in load order."""
        ...

    def policy_text(self) -> tuple[str, str]:
        """(name, text) of the policy file."""
        ...

    def fingerprint(self) -> Hashable:
        """Changes whenever a rule or policy file changes."""
        ...


class DecisionObserver(Protocol):
    """Receives every outcome (metrics, logs). Must be fast and must not raise."""

    def decided(self, event: Event, decision: Decision, faults: Sequence[str]) -> None: ...

    def rejected(self, error: EventError) -> None: ...

    def replayed(self, decision: Decision) -> None: ...


class Metrics(DecisionObserver, Protocol):
    """Decision metrics plus request timings, exposed in a scrape format."""

    def request_seconds(self, route: str, seconds: float) -> None: ...

    def exposition(self) -> tuple[bytes, str]:
        """(body, content type) of the current metrics."""
        ...
