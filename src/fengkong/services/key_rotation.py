"""Identifier-hash key rotation (issue 12, part 4): every stored keyed hash and card reference
re-keyed to the newest key version in one transaction, recorded in the audit log.

Offline by design: what a running process caches (lists, feature state) is keyed with the old
version, so it commits nothing once the rotation is done (the database refuses it) and must be
restarted; feature state is then rebuilt from the re-keyed event log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fengkong.domain.errors import InputError, required
from fengkong.domain.ports import AuditLog, CardVault, IdentifierProtector, IdentifierRekeying, UnitOfWork
from fengkong.domain.sensitive import scrub_free_text


@dataclass(frozen=True, slots=True)
class Rotation:
    from_version: int
    to_version: int
    rows: dict[str, int]  # rows re-keyed per store


class KeyRotation:
    def __init__(
        self,
        rekeying: IdentifierRekeying,
        protector: IdentifierProtector,
        cards: CardVault,
        audit: AuditLog,
        uow: UnitOfWork,
    ):
        self.rekeying = rekeying
        self.protector = protector
        self.cards = cards
        self.audit = audit
        self.uow = uow

    def rotate(
        self, to_version: int, *, actor: str, reason: str, progress: Callable[[str, int], None] = lambda _t, _n: None
    ) -> Rotation:
        required(actor=actor, reason=reason)
        from_version = self.protector.version
        if self.rekeying.key_version() != from_version:
            raise InputError("hash_key", "the database was re-keyed by another process: run the rotation again")
        if to_version <= from_version:
            raise InputError("hash_key", f"the stored identifiers are already keyed with version {from_version}")
        with self.uow.atomic():
            rows = self.rekeying.rekey(
                lambda stored: self.protector.rekeyed(stored, to_version), self.cards.reseal, to_version, progress
            )
            self.audit.append(
                actor,
                "keys.rotate_identifier_hash",
                f"identifier_keys:v{to_version}",
                scrub_free_text(reason),
                {"from_version": from_version, "to_version": to_version, "rows": rows},
            )
        return Rotation(from_version, to_version, rows)
