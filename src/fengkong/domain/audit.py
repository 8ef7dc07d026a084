"""The audit chain: every change to lists, orders, penalties and limits is one row whose hash
covers the row and the previous hash, so changing or deleting any row breaks the chain."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    reason: str
    payload: str  # canonical JSON
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def digest(
    seq: int,
    at: str,
    actor: str,
    action: str,
    obj: str,
    reason: str,
    payload: str,
    prev_hash: str,
    hash_hex: Callable[[bytes], str],
) -> str:
    body = json.dumps(
        [seq, at, actor, action, obj, reason, payload, prev_hash], ensure_ascii=False, separators=(",", ":")
    )
    return hash_hex(body.encode())


def canonical(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(records: Iterable[AuditRecord], hash_hex: Callable[[bytes], str]) -> ChainCheck:
    prev = GENESIS
    expected_seq = 1
    n = 0
    for r in records:
        n += 1
        if r.seq != expected_seq:
            return ChainCheck(False, n, r.seq, f"row {expected_seq} is missing")
        if r.prev_hash != prev:
            return ChainCheck(False, n, r.seq, "does not link to the previous row")
        if digest(r.seq, r.at, r.actor, r.action, r.subject, r.reason, r.payload, r.prev_hash, hash_hex) != r.hash:
            return ChainCheck(False, n, r.seq, "content does not match its hash (changed after writing)")
        prev = r.hash
        expected_seq += 1
    return ChainCheck(True, n)
