"""The small interfaces the core needs from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fengkong.domain.decisions import Decision
from fengkong.domain.events import Event


class IdentifierProtector(Protocol):
    """Turns sensitive identifiers into stable keyed hashes / tokens before anything is stored."""

    def card_token(self, pan: str) -> str:
        """A stable token for a raw card number (keyed hash; the number itself is not kept)."""
        ...

    def identifier_hash(self, kind: str, value: str) -> str:
        """Keyed hash of an identifier of a given kind (`id_number`, `phone`, ...)."""
        ...


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


class EventLog(Protocol):
    """Durable, ordered record of accepted events with their decisions; the source of truth.

    Single writer: one engine process appends to a log at a time (production scale-out
    partitions by customer, see docs/operations.md).
    """

    def append(
        self,
        entries: Sequence[tuple[Event, Decision]],
        rejected: Sequence[RejectedRecord] = (),
    ) -> int:
        """Commit events with their decisions (and rejected inputs) in one transaction; returns
        the log position of the last event appended (0 if none)."""
        ...

    def find_decisions(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def replay(self, after_seq: int) -> Iterator[LoggedEvent]: ...

    def last_seq(self) -> int: ...

    def count(self) -> int: ...

    def rejected(self, limit: int = 100) -> list[RejectedRecord]: ...

    def save_snapshot(self, fingerprint: str, seq: int, states: Mapping[str, Any]) -> None: ...

    def load_snapshot(self, fingerprint: str) -> tuple[int, dict[str, Any]] | None: ...

    def record_ruleset(self, version: str, files: Sequence[str]) -> None: ...

    def find_events(self, event_ids: Iterable[str]) -> dict[str, LoggedEvent]:
        """Stored events (record and decision) by id, e.g. the original of a reversal."""
        ...

    def close(self) -> None: ...


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

    def close(self) -> None: ...


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
    """Customers' limits and accounts' transfer agreements, with a history of every change."""

    def load(self) -> dict[tuple[str, str], dict[str, Any]]: ...

    def put(self, kind: str, entity_id: str, record: dict[str, Any] | None, actor: str, reason: str) -> ReferenceChange: ...

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]: ...

    def stamp(self) -> int:
        """A number that changes whenever any record changes (for cache refresh)."""
        ...

    def close(self) -> None: ...


class Controls(Protocol):
    """Data the decision path reads besides feature state: reference records and lists."""

    def reference(self, kind: str, entity_key: str) -> Mapping[str, Any] | None: ...

    def listed(self, list_type: str, value: str, ts: float) -> dict[str, Any] | None: ...
