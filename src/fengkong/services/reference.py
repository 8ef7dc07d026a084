"""Reference data administration: customers' own limits, accounts' transfer agreements and
cash-out dispositions. A change takes effect on the next event; every change is kept with who
made it, when and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fengkong.domain.errors import InputError, NotFound, required
from fengkong.domain.limits import reference as reference_data
from fengkong.domain.ports import ReferenceChange, ReferenceStore, UnitOfWork
from fengkong.domain.sensitive import scrub_free_text
from fengkong.services.read_model import DecisionReadModel


class ReferenceData:
    def __init__(self, store: ReferenceStore, read_model: DecisionReadModel, uow: UnitOfWork):
        self.store = store
        self.read_model = read_model
        self.uow = uow

    def set(
        self, kind: str, entity_id: str, values: Mapping[str, Any] | None, *, actor: str, reason: str
    ) -> ReferenceChange:
        """Set a record (None: remove it)."""
        required(actor=actor, reason=reason)
        reason = scrub_free_text(reason)  # typed by people: a card number pasted in is masked
        if kind not in reference_data.KINDS:
            raise InputError("kind", f"is not a kind of record; one of {', '.join(reference_data.KINDS)}")
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
        return self.read_model.record(kind, entity_id)

    def history(self, kind: str, entity_id: str) -> list[ReferenceChange]:
        return self.store.history(kind, entity_id)
