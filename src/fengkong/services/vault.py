"""The token vault (R5) as people use it: payment tokens with domain controls, audited and
permissioned detokenization, and key rotation. Card numbers are kept by the CardVault port,
only ever encrypted."""

from __future__ import annotations

import secrets
from typing import Any

from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission
from fengkong.domain.errors import InputError, NotFound, NotPermitted, required
from fengkong.domain.ports import AuditLog, CardVault, TokenStore, UnitOfWork
from fengkong.domain.sensitive import looks_like_pan
from fengkong.domain.tokens import STATUSES, PaymentToken, validate_controls
from fengkong.services.read_model import DecisionReadModel


class VaultService:
    def __init__(
        self,
        cards: CardVault,
        tokens: TokenStore,
        audit: AuditLog,
        read_model: DecisionReadModel,
        uow: UnitOfWork,
    ):
        self.cards = cards
        self.tokens = tokens
        self.audit = audit
        self.read_model = read_model
        self.uow = uow

    def issue(
        self,
        *,
        actor: str,
        reason: str,
        card_number: str | None = None,
        card_ref: str | None = None,
        controls: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new payment token for a card (given by number, kept in the vault, or by reference)."""
        required(actor=actor, reason=reason)
        record_controls = validate_controls(controls or {})
        with self.uow.atomic():
            if card_number:
                if not looks_like_pan(card_number):
                    raise InputError("card_number", "is not a valid card number (13-19 digits, Luhn)")
                sealed = self.cards.seal(card_number)
                self.cards.store([sealed])
                ref, masked = sealed.ref, sealed.masked
            elif card_ref:
                found = self.cards.masked(card_ref)
                if found is None:
                    raise InputError("card_ref", "no card with this reference in the vault")
                ref, masked = card_ref, found
            else:
                raise InputError("card_number", "give card_number or card_ref")
            token = PaymentToken("ptk_" + secrets.token_hex(12), ref, masked, "active", record_controls, actor)
            self.tokens.add(token)
            self.audit.append(
                actor, "token.issue", f"token:{token.token}", reason, {"masked": masked, "controls": record_controls}
            )
            stamp = self.tokens.stamp()
            self.uow.on_commit(lambda: self.read_model.token_changed(token, stamp))
        return {"token": token.token, "masked": masked, "status": token.status, "controls": record_controls}

    def set_status(self, token: str, status: str, *, actor: str, reason: str) -> dict[str, Any]:
        record = self._token(token)
        if status not in STATUSES:
            raise InputError("status", f"one of {', '.join(STATUSES)}")
        if record.status == "deleted":
            raise InputError("status", "a deleted token cannot change any more")
        required(actor=actor, reason=reason)
        changed = PaymentToken(
            record.token, record.card_ref, record.masked, status, record.controls, record.created_by, record.created_at
        )
        with self.uow.atomic():
            self.tokens.set_status(token, status)
            self.audit.append(actor, f"token.{status}", f"token:{token}", reason, {"from": record.status})
            stamp = self.tokens.stamp()
            self.uow.on_commit(lambda: self.read_model.token_changed(changed, stamp))
        return {"token": token, "masked": record.masked, "status": status}

    def show(self, token: str) -> dict[str, Any]:
        return self._token(token).to_dict()

    def _token(self, token: str) -> PaymentToken:
        record = self.tokens.get(token)
        if record is None:
            raise NotFound("token", "no such payment token")
        return record

    def detokenize(self, token: str, *, principal: Principal, purpose: str) -> str:
        """The card or account number behind a payment token or a reference: the secops role and a
        stated reason only, every attempt audited (allowed or not) with the caller's roles."""
        permitted = principal.can(Permission.TOKENS_DETOKENIZE)
        allowed = permitted and bool(purpose.strip())
        self.audit.append(
            principal.name,
            "token.detokenize" if allowed else "token.detokenize_refused",
            f"token:{token}",
            purpose,
            {"allowed": allowed, "roles": sorted(principal.roles)},
        )
        if not permitted:
            raise NotPermitted("(authorization)", "revealing a card number needs the secops role")
        required(purpose=purpose)
        record = self.tokens.get(token)
        return self.cards.reveal(record.card_ref if record is not None else token)

    def rotate_master(self, new_version: str, *, actor: str) -> int:
        required(actor=actor)
        count = self.cards.rotate_master(new_version)
        self.audit.append(actor, "vault.rotate_master", f"master:{new_version}", "rotation", {"rewrapped": count})
        return count

    def rotate_data_key(self, *, actor: str) -> str:
        required(actor=actor)
        dek_id = self.cards.new_data_key()
        self.audit.append(actor, "vault.rotate_data_key", f"dek:{dek_id}", "rotation", {})
        return dek_id

    def check(self) -> tuple[int, list[str]]:
        """Decrypt every stored card (after a rotation): (readable, failing references)."""
        return self.cards.check_all()
