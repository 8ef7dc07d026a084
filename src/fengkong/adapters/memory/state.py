"""In-process feature state: a dict. The embedded default; snapshots go to the event log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class MemoryStateStore:
    durable = False

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}
        self._seq: int | None = None
        self._fingerprint: str | None = None

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        states = self._states
        return {k: states[k] for k in keys if k in states}

    def apply(self, states: Mapping[str, dict[str, Any]], seq: int) -> None:
        self._states.update(states)
        self._seq = seq

    def checkpoint(self, fingerprint: str) -> int | None:
        if self._seq is None or fingerprint != self._fingerprint:
            return None
        return self._seq

    def reset(self, fingerprint: str) -> None:
        self._states = {}
        self._seq = 0
        self._fingerprint = fingerprint

    def export(self) -> dict[str, dict[str, Any]]:
        return self._states

    def load(self, states: Mapping[str, dict[str, Any]], seq: int, fingerprint: str) -> None:
        self._states = dict(states)
        self._seq = seq
        self._fingerprint = fingerprint

    def __len__(self) -> int:
        return len(self._states)
