"""The in-memory index the decision path reads: no database round trip per event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fengkong.domain import clock


def _iso(ts: float | None) -> str | None:
    return None if not ts else datetime.fromtimestamp(ts, UTC).isoformat()


@dataclass(frozen=True, slots=True)
class ListEntry:
    id: int
    list_type: str
    match_key: str
    display: str
    source: str
    reason: str
    evidence: str
    added_by: str
    starts_at: float
    expires_at: float | None
    amount_fen: int | None = None
    case_number: str | None = None
    authority: str | None = None
    # When the period the entry is about began, if known (e.g. when a terminal began recording
    # cards): a finding about visits reads it, an entry itself applies from `starts_at`.
    period_from: float | None = None
    # When a removal ended it (event time). Its planned expiry stays as it was: what a rule
    # showed while it was in force is shown again on replay.
    ended_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """What people and APIs see: the masked value, times as ISO-8601, the amount in yuan."""
        return {
            "id": self.id,
            "list_type": self.list_type,
            "value": self.display,
            "source": self.source,
            "reason": self.reason,
            "evidence": self.evidence,
            "added_by": self.added_by,
            "starts_at": _iso(self.starts_at),
            "expires_at": _iso(self.expires_at),
            "case_number": self.case_number,
            "authority": self.authority,
            "amount": None if self.amount_fen is None else str(Decimal(self.amount_fen).scaleb(-2)),
            "period_from": _iso(self.period_from),
            "ended_at": _iso(self.ended_at),
        }

    def active_at(self, ts: float) -> bool:
        return self.starts_at <= ts and not self.ended_by(ts)

    def ended_by(self, ts: float) -> bool:
        """Over by `ts`: expired, or removed (a removal ends an entry at a time, so a replay of
        what came before still sees it)."""
        return (self.expires_at is not None and self.expires_at <= ts) or (
            self.ended_at is not None and self.ended_at <= ts
        )

    def for_rules(self, count: int = 1, amount_fen: int | None = None) -> dict[str, Any]:
        """What a rule sees: reason, source, case, end date (business date), amount."""
        amount = amount_fen if amount_fen is not None else self.amount_fen
        return {
            "id": self.id,
            "reason": self.reason,
            "source": self.source,
            "case_number": self.case_number or "",
            "authority": self.authority or "",
            "until": "" if self.expires_at is None else clock.business_date(self.expires_at).isoformat(),
            "amount": None if amount is None else Decimal(amount).scaleb(-2),
            "count": count,
            "since": self.starts_at,  # event time the entry took effect
            "period_from": self.period_from,  # when what it is about began, if known
        }


class ListIndex:
    def __init__(self, entries: Iterable[ListEntry] = ()):
        self._by_key: dict[tuple[str, str], list[ListEntry]] = {}
        self.types: dict[str, int] = {}  # entries per list type: an empty list costs nothing to ask
        for entry in entries:
            self.add(entry)

    def add(self, entry: ListEntry) -> None:
        """Index an entry (an entry already indexed, by id, is not counted twice)."""
        entries = self._by_key.setdefault((entry.list_type, entry.match_key), [])
        if any(e.id == entry.id for e in entries):
            return
        entries.append(entry)
        self.types[entry.list_type] = self.types.get(entry.list_type, 0) + 1

    def remove(self, entry_id: int) -> None:
        for key, entries in list(self._by_key.items()):
            kept = [e for e in entries if e.id != entry_id]
            if len(kept) != len(entries):
                self.types[key[0]] -= len(entries) - len(kept)
                if not self.types[key[0]]:
                    del self.types[key[0]]
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]

    def lookup(self, list_type: str, key: str, ts: float) -> dict[str, Any] | None:
        """The entry in force at `ts` (the one lasting longest); freezes add their amounts up."""
        entries = self._by_key.get((list_type, key))
        if not entries:
            return None
        active = [e for e in entries if e.active_at(ts)]
        if not active:
            return None
        strongest = max(active, key=lambda e: float("inf") if e.expires_at is None else e.expires_at)
        total = sum(e.amount_fen or 0 for e in active) if any(e.amount_fen for e in active) else None
        return strongest.for_rules(len(active), total)

    def entries(self) -> list[ListEntry]:
        return [e for entries in self._by_key.values() for e in entries]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())
