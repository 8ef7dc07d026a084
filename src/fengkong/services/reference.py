"""Reference data administration: customers' own limits, accounts' transfer agreements and
cash-out dispositions. A change takes effect on the next event; every change is kept with who
made it, when and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import InputError, NotFound, required
from fengkong.domain.limits import reference as reference_data
from fengkong.domain.lists.types import entity_key
from fengkong.domain.ports import IdentifierProtector, ReferenceChange, ReferenceStore, UnitOfWork
from fengkong.domain.sensitive import scrub_free_text
from fengkong.services.read_model import DecisionReadModel


class ReferenceData:
    def __init__(
        self, store: ReferenceStore, read_model: DecisionReadModel, uow: UnitOfWork, protector: IdentifierProtector
    ):
        self.store = store
        self.read_model = read_model
        self.uow = uow
        self.protector = protector

    def key(self, kind: str, entity_id: str) -> str:
        """The id a record is kept under: an account or card number as its reference, the key
        the door gives it in events (the number is not kept)."""
        spec = reference_data.KINDS.get(kind)
        if spec is None:
            raise InputError("kind", f"is not a kind of record; one of {', '.join(reference_data.KINDS)}")
        text = entity_id.strip()
        if not text or len(text) > 256:
            raise InputError("id", "the id must be 1 to 256 characters")
        if spec.entity not in ("account", "card"):
            return entity_id
        return entity_key(
            spec.entity, text, self.protector, clock.business_date(clock.to_epoch_seconds(clock.utc_now()))
        )[0]

    def set(
        self, kind: str, entity_id: str, values: Mapping[str, Any] | None, *, actor: str, reason: str
    ) -> ReferenceChange:
        """Set a record (None: remove it)."""
        required(actor=actor, reason=reason)
        reason = scrub_free_text(reason)  # typed by people: a card number pasted in is masked
        entity_id = self.key(kind, entity_id)
        record = None if values is None else reference_data.normalise(kind, values)
        with self.uow.atomic():
            change = self.store.put(kind, entity_id, record, actor, reason)
            stamp = self.store.stamp()
            self.uow.on_commit(lambda: self.read_model.reference_changed(kind, entity_id, record, stamp))
        return change

    def remove(self, kind: str, entity_id: str, *, actor: str, reason: str) -> ReferenceChange:
        if self.get(kind, entity_id) is None:
            raise NotFound("id", "no record of this kind for this id")
        return self.set(kind, entity_id, None, actor=actor, reason=reason)

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        """The record in force (money as decimal strings), None if there is none."""
        return self.read_model.record(kind, self.key(kind, entity_id))

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]:
        return self.store.history(kind, self.key(kind, entity_id))
