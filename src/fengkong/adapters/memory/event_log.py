"""The event log in memory. Records are kept as the SQL log keeps them (JSON round trip), so a
replay sees exactly what it would see after a restart on SQL."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fengkong import jsonio
from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.decisions import Decision
from fengkong.domain.errors import Conflict
from fengkong.domain.events import Event
from fengkong.domain.ports import EVENT_COLUMNS, RECENT_EVENTS, LoggedEvent, RejectedRecord

_TS = EVENT_COLUMNS.index("ts")


@dataclass(frozen=True, slots=True)
class _Row:
    seq: int
    columns: tuple[Any, ...]  # EVENT_COLUMNS
    record: dict[str, Any]
    decision: dict[str, Any]


def _at(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if value is None or isinstance(value, str):
        return value
    return jsonio.dumps_str(value) if isinstance(value, dict | list | bool) else str(value)


class MemoryEventLog:
    """EventLog in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._rows: list[_Row] = []
        self._seqs: list[int] = []
        self._by_id: dict[str, _Row] = {}
        self._rejected: list[RejectedRecord] = []
        self._snapshots: dict[str, tuple[int, bytes]] = {}
        self._rulesets: dict[str, list[str]] = {}
        self._next = 1

    def append(self, entries: Sequence[tuple[Event, Decision]], rejected: Sequence[RejectedRecord] = ()) -> int:
        with self._uow.atomic():
            ids = [ev.event_id for ev, _ in entries]
            if len(set(ids)) != len(ids) or any(i in self._by_id for i in ids):
                raise Conflict("event_id", "an event with this id is stored already")
            before_rows, before_rejected, before_next = len(self._rows), len(self._rejected), self._next
            last = 0
            for ev, decision in entries:
                record, answer = (
                    jsonio.loads(jsonio.dumps(ev.to_record())),
                    jsonio.loads(jsonio.dumps(decision.to_dict())),
                )
                fields = ev.fields
                row = _Row(
                    self._next,
                    (
                        self._next,
                        ev.event_id,
                        ev.ts,
                        ev.type.value,
                        decision.decision.value,
                        ev.amount_fen,
                        fields.get("customer_id"),
                        fields.get("account_id"),
                        fields.get("card_id"),
                    ),
                    record,
                    answer,
                )
                self._rows.append(row)
                self._seqs.append(row.seq)
                self._by_id[ev.event_id] = row
                last = self._next
                self._next += 1
            self._rejected.extend(rejected)
            self._uow.journal(lambda: self._undo(before_rows, before_rejected, before_next))
            return last

    def _undo(self, rows: int, rejected: int, next_seq: int) -> None:
        for row in self._rows[rows:]:
            del self._by_id[row.columns[1]]
        del self._rows[rows:], self._seqs[rows:], self._rejected[rejected:]
        self._next = next_seq

    def find_decisions(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        with self._uow.reading():
            return {i: dict(self._by_id[i].decision) for i in event_ids if i in self._by_id}

    def find_events(self, event_ids: Iterable[str]) -> dict[str, LoggedEvent]:
        with self._uow.reading():
            return {
                i: LoggedEvent(r.seq, dict(r.record), dict(r.decision))
                for i in event_ids
                if (r := self._by_id.get(i)) is not None
            }

    def _after(self, after_seq: int, limit: int) -> list[_Row]:
        with self._uow.reading():
            start = bisect.bisect_right(self._seqs, after_seq)
            return self._rows[start : start + limit]

    def replay(self, after_seq: int) -> Iterator[LoggedEvent]:
        after = after_seq
        while page := self._after(after, 2000):
            for row in page:
                yield LoggedEvent(row.seq, dict(row.record), dict(row.decision))
            after = page[-1].seq

    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def stream_time(self) -> float | None:
        with self._uow.reading():
            recent = self._rows[-RECENT_EVENTS:]
        return max((float(row.columns[_TS]) for row in recent), default=None)

    def count(self) -> int:
        return len(self._rows)

    def rejected(self, limit: int = 100) -> list[RejectedRecord]:
        with self._uow.reading():
            return list(reversed(self._rejected[-limit:])) if limit > 0 else []

    def columns(self, after_seq: int, paths: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
        return [(*row.columns, *(_at(row.record, p) for p in paths)) for row in self._after(after_seq, limit)]

    def save_snapshot(self, fingerprint: str, seq: int, states: Mapping[str, Any]) -> None:
        with self._uow.atomic():
            previous = self._snapshots.get(fingerprint)
            self._snapshots[fingerprint] = (seq, jsonio.dumps(states))
            self._uow.journal(lambda: self._restore_snapshot(fingerprint, previous))

    def _restore_snapshot(self, fingerprint: str, previous: tuple[int, bytes] | None) -> None:
        if previous is None:
            self._snapshots.pop(fingerprint, None)
        else:
            self._snapshots[fingerprint] = previous

    def load_snapshot(self, fingerprint: str) -> tuple[int, dict[str, Any]] | None:
        found = self._snapshots.get(fingerprint)
        return None if found is None else (found[0], jsonio.loads(found[1]))

    def record_ruleset(self, version: str, files: Sequence[str]) -> None:
        with self._uow.atomic():
            if version not in self._rulesets:
                self._rulesets[version] = list(files)
                self._uow.journal(lambda: self._rulesets.pop(version, None))

    def rulesets(self) -> list[tuple[str, list[str]]]:
        return [(version, list(files)) for version, files in self._rulesets.items()]
