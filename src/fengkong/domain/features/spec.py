"""A feature definition: which entity, which aggregate of which field, over which window, when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fengkong.domain.events import Event
from fengkong.domain.features.reducers import Reducer
from fengkong.domain.features.windows import Window
from fengkong.domain.sharing.entities import SHARED_ENTITIES

# Entity kinds and the event field that identifies them.
ENTITY_FIELDS: dict[str, str] = {
    "customer": "customer_id",
    "account": "account_id",
    "card": "card_id",
    "device": "device_id",
    "ip": "ip",
    "phone": "phone_hash",  # keyed hash of the phone's digits: the phone itself is never kept
    "counterparty": "counterparty_account_id",
    "merchant": "merchant_id",
    "terminal": "terminal_id",
    "institution": "institution_id",
    "person": "id_number_hash",
    "preauth": "preauth_id",
    # subjects as the member institutions know them: consortium-keyed hashes made at the door
    **{entity: field for entity, (_, field) in SHARED_ENTITIES.items()},
}

# Fields aggregated as integer fen and returned as exact Decimal yuan.
MONEY_FIELDS = frozenset({"amount", "balance_after", "labelled_amount"})
# What a feedback event carries of the event it labels (set by the engine when it arrives).
LABELLED = "labelled"
LABELLED_FIELDS = (
    *ENTITY_FIELDS.values(),
    *("amount", "type", "txn_type", "occurred_at", "card_masked", "account_masked", "counterparty_masked"),
)

Predicate = Callable[[Event, str | None], bool]

# Entity kinds that name the same things: an account is the debited account of its own payments
# and the counterparty of payments made to it, so a feature of one may be keyed by the other.
SAME_THINGS: dict[str, frozenset[str]] = {
    "account": frozenset({"counterparty"}),
    "counterparty": frozenset({"account"}),
}
KEYED_BY = "by:"


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    entity: tuple[str, ...]
    aggregate: str
    window: Window
    reducer: Reducer | None = field(compare=False)  # None for a lookup (features/lookups.py)
    of: str | None = None
    where: Predicate | None = field(default=None, compare=False)
    where_text: str = ""
    description: str = ""
    event_types: frozenset[str] | None = None  # event types the filter can accept (None: any)
    txn_types: frozenset[str] | None = None  # transaction types it can accept (None: any)
    reversible: bool = False  # a reversal / void / refund of a counted event gives its share back
    source: str | None = None  # for a lookup: the record kind or the list type
    # A feature that follows labels: a feedback event counts on this entity of the event it
    # labels (e.g. the payee of a confirmed fraud), read by any later event of the entity.
    labelled: str | None = None
    # A feature keyed by another field of the counted event that names the same thing: an
    # account's money received is counted on payments whose counterparty it is
    # (`entity: account, keyed_by: counterparty`) and read when the account itself pays.
    keyed_by: str | None = None

    @property
    def fold_entity(self) -> tuple[str, ...]:
        """The entity whose key an event folds into this feature by (its own, the labelled
        event's for a feature that follows labels, or another field naming the same thing)."""
        if self.labelled is not None:
            return (self.entity[0], f"{LABELLED}:{self.labelled}")
        if self.keyed_by is not None:
            return (self.entity[0], f"{KEYED_BY}{self.keyed_by}")
        return self.entity

    @property
    def kind(self) -> str:
        """`windowed` (a reducer over events in a window) or `lookup` (found at decision time)."""
        return "lookup" if self.reducer is None else "windowed"

    @property
    def is_money(self) -> bool:
        """Money results are exact yuan: sums, means, extremes, and a money field's last value."""
        return (
            self.of in MONEY_FIELDS
            and self.reducer is not None
            and (self.reducer.numeric or self.reducer.carries_value)
        )

    def identity(self) -> str:
        """Everything that changes what the state means; a change invalidates stored state."""
        return "|".join(
            [
                self.name,
                "+".join(self.entity),
                self.aggregate,
                self.window.text,
                str(self.window.resolution_s),
                self.of or "",
                self.where_text,
                str(self.reducer.lateness_s) if self.reducer else "",
                str(self.reducer.max_distinct) if self.reducer else "",
                str(self.reversible),
                self.source or "",
                self.labelled or "",
                self.keyed_by or "",
            ]
        )
