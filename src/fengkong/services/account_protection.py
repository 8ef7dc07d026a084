"""Account numbers of a database from before account references (issue 12, part 4): turned into
references and sealed in the vault, once, offline, in one transaction. Until then the platform
does not open on that database: new events would key accounts by reference and old ones by
number, and a stop-payment would miss the account it names."""

from __future__ import annotations

from collections.abc import Callable

from fengkong.domain.cards import SealedCard
from fengkong.domain.errors import InputError, required
from fengkong.domain.identity.accounts import is_reference
from fengkong.domain.ports import AccountProtection, AuditLog, CardVault, UnitOfWork
from fengkong.domain.tracing import is_exit
from fengkong.domain.validation import seal_number


class AccountNumbers:
    def __init__(self, store: AccountProtection, cards: CardVault, audit: AuditLog, uow: UnitOfWork):
        self.store = store
        self.cards = cards
        self.audit = audit
        self.uow = uow

    def protect(self, *, actor: str, progress: Callable[[str, int], None] = lambda _t, _n: None) -> dict[str, int]:
        required(actor=actor)
        if self.store.protected():
            raise InputError("database", "its account numbers are kept as references already")
        sealed: dict[str, SealedCard] = {}

        def key(value: str) -> tuple[str, str] | None:
            if not value or is_reference(value) or is_exit(value):
                return None
            try:
                card = seal_number(value, self.cards)
            except InputError:  # longer than the door accepts now: keyed all the same
                card = self.cards.seal_account(value.strip().upper() or value)
            if card.new:
                sealed.setdefault(card.ref, card)
            return card.ref, card.masked

        with self.uow.atomic():
            rows = self.store.protect(key, progress)
            self.cards.store(list(sealed.values()))
            self.audit.append(
                actor,
                "accounts.protect",
                "database",
                "account numbers kept in clear turned into references, sealed in the vault",
                {"rows": rows, "numbers_sealed": len(sealed)},
            )
        return {**rows, "numbers_sealed": len(sealed)}
