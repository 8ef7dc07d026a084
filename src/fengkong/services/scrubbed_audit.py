"""The audit log as every service writes to it: reasons, notes and payloads are typed by people
and copied from requests, so a card number pasted into one is masked before it is chained (the
audit chain can never be rewritten afterwards)."""

from __future__ import annotations

from typing import Any

from fengkong.domain.audit import AuditRecord, ChainCheck
from fengkong.domain.ports import AuditLog
from fengkong.domain.sensitive import scrub_free_text


def scrubbed(value: Any, depth: int = 0) -> Any:
    """The value with every card number in its strings masked (keys too), at any depth."""
    if isinstance(value, str):
        return scrub_free_text(value)
    if depth > 16:
        return value
    if isinstance(value, dict):
        return {scrubbed(k, depth + 1): scrubbed(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(v, depth + 1) for v in value]
    return value


class ScrubbedAudit:
    """AuditLog that masks card numbers in what it is given, over any AuditLog."""

    def __init__(self, inner: AuditLog):
        self.inner = inner

    def append(self, actor: str, action: str, subject: str, reason: str, payload: object) -> AuditRecord:
        return self.inner.append(
            scrub_free_text(actor), action, scrub_free_text(subject), scrub_free_text(reason), scrubbed(payload)
        )

    def records(self, after: int = 0, limit: int | None = None) -> list[AuditRecord]:
        return self.inner.records(after, limit)

    def verify(self) -> ChainCheck:
        return self.inner.verify()
