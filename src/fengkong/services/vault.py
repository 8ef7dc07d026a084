"""The token vault (R5): card numbers replaced by tokens, kept only SM4-encrypted under
envelope keys; payment tokens with domain controls; audited, permissioned detokenization;
master-key rotation that re-wraps data keys while the vault keeps serving."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from datetime import datetime
from typing import Any

from fengkong.adapters.crypto.sm3 import Sm3Protector
from fengkong.adapters.crypto.sm4 import KEY_BYTES, MasterKeys, sm4_gcm_decrypt, sm4_gcm_encrypt
from fengkong.adapters.storage.controls import SqlControlStore
from fengkong.adapters.storage.vault import SqlVaultStore
from fengkong.domain import clock
from fengkong.domain.events import Channel
from fengkong.domain.money import MoneyError, fen_to_yuan, parse_yuan
from fengkong.domain.sensitive import looks_like_pan, mask_pan
from fengkong.services.controls import ControlError

STATUSES = ("active", "suspended", "deleted")


class Vault:
    """Encrypts card numbers as they arrive (door tokenization) and reveals them on request."""

    def __init__(self, store: SqlVaultStore, masters: MasterKeys, hasher: Sm3Protector, remember: int = 200_000):
        self.store = store
        self.masters = masters
        self.hasher = hasher
        self._deks: dict[str, bytes] = {}
        self._known: OrderedDict[str, None] = OrderedDict()
        self._remember = remember

    def _dek(self, dek_id: str) -> bytes:
        if dek_id not in self._deks:
            wrapped, version = self.store.key(dek_id)
            self._deks[dek_id] = self.masters.unwrap(dek_id, wrapped, version)
        return self._deks[dek_id]

    def _active(self) -> tuple[str, bytes]:
        active = self.store.active_key()
        if active is None:
            return self.new_data_key()
        dek_id = active[0]
        return dek_id, self._dek(dek_id)

    def new_data_key(self) -> tuple[str, bytes]:
        dek_id = "dek_" + secrets.token_hex(8)
        dek = secrets.token_bytes(KEY_BYTES)
        wrapped, version = self.masters.wrap(dek_id, dek)
        self.store.add_key(dek_id, wrapped, version)
        self._deks[dek_id] = dek
        return dek_id, dek

    def protect(self, pan: str) -> str:
        """The card's stable reference; stores it encrypted the first time it is seen."""
        ref = self.hasher.card_token(pan)
        if ref in self._known:
            self._known.move_to_end(ref)
            return ref
        if not self.store.has_card(ref):
            dek_id, dek = self._active()
            self.store.add_card(ref, sm4_gcm_encrypt(dek, pan.encode(), ref.encode()), dek_id, mask_pan(pan))
        self._known[ref] = None
        if len(self._known) > self._remember:
            self._known.popitem(last=False)
        return ref

    def reveal(self, card_ref: str) -> str:
        found = self.store.card(card_ref)
        if found is None:
            raise ControlError("token", "unknown card reference")
        ciphertext, dek_id, _ = found
        return sm4_gcm_decrypt(self._dek(dek_id), ciphertext, card_ref.encode()).decode()

    def rotate_master(self, new_version: str) -> int:
        """Add a master key version and re-wrap every data key with it; data is not re-encrypted
        and stays readable throughout (each data key records the version that wraps it)."""
        self.masters.add_version(new_version)
        count = 0
        for dek_id, wrapped, version in self.store.keys():
            dek = self.masters.unwrap(dek_id, wrapped, version)
            rewrapped, active = self.masters.wrap(dek_id, dek)
            self.store.rewrap(dek_id, rewrapped, active)
            count += 1
        return count

    def check_all(self) -> tuple[int, list[str]]:
        """Decrypt every stored card (after a rotation): (readable count, failing refs)."""
        ok, bad = 0, []
        for ref, ciphertext, dek_id in self.store.cards():
            try:
                looks = sm4_gcm_decrypt(self._dek(dek_id), ciphertext, ref.encode()).decode()
                ok += looks_like_pan(looks)
            except Exception:  # noqa: BLE001 - report every unreadable card
                bad.append(ref)
        return ok, bad


class VaultProtector:
    """The door's IdentifierProtector: card numbers go into the vault, identifiers are hashed."""

    def __init__(self, hasher: Sm3Protector, vault: Vault):
        self._hasher = hasher
        self._vault = vault

    def card_token(self, pan: str) -> str:
        return self._vault.protect(pan)

    def identifier_hash(self, kind: str, value: str) -> str:
        return self._hasher.identifier_hash(kind, value)


def _controls(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a token's domain controls; money as exact decimal strings, times as epoch seconds."""
    allowed = {"max_uses", "per_use_max", "total_max", "valid_from", "valid_until", "channels", "merchants"}
    unknown = set(values) - allowed
    if unknown:
        raise ControlError(sorted(unknown)[0], f"not a token control; controls: {', '.join(sorted(allowed))}")
    out: dict[str, Any] = {}
    if values.get("max_uses") is not None:
        uses = values["max_uses"]
        if isinstance(uses, bool) or not isinstance(uses, int) or uses < 1:
            raise ControlError("max_uses", "must be a whole number, 1 or more")
        out["max_uses"] = uses
    for name in ("per_use_max", "total_max"):
        if values.get(name) is not None:
            try:
                out[name] = str(fen_to_yuan(parse_yuan(values[name])))
            except MoneyError as exc:
                raise ControlError(name, str(exc)) from None
    for name in ("valid_from", "valid_until"):
        if values.get(name):
            try:
                moment = datetime.fromisoformat(str(values[name]))
            except ValueError:
                raise ControlError(name, "must be an ISO-8601 time with offset") from None
            if moment.tzinfo is None:
                raise ControlError(name, "needs a UTC offset")
            out[name] = clock.to_epoch_seconds(moment)
    if "valid_from" in out and "valid_until" in out and out["valid_until"] <= out["valid_from"]:
        raise ControlError("valid_until", "must be after valid_from")
    if values.get("channels") is not None:
        channels = values["channels"]
        known = {c.value for c in Channel}
        if not isinstance(channels, list) or not channels or any(c not in known for c in channels):
            raise ControlError("channels", f"a non-empty list of {', '.join(sorted(known))}")
        out["channels"] = channels
    if values.get("merchants") is not None:
        merchants = values["merchants"]
        if not isinstance(merchants, list) or not merchants or not all(isinstance(m, str) and m for m in merchants):
            raise ControlError("merchants", "a non-empty list of merchant ids")
        out["merchants"] = merchants
    return out


class VaultService:
    def __init__(self, vault: Vault, audit: SqlControlStore, engine: Any, detokenizers: frozenset[str]):
        self.vault = vault
        self.audit = audit
        self.engine = engine
        self.detokenizers = detokenizers

    def _refresh(self) -> None:
        self.engine.refresh_reference(force=True)

    def issue(self, *, actor: str, reason: str, card_number: str | None = None, card_ref: str | None = None,
              controls: dict[str, Any] | None = None) -> dict[str, Any]:
        if not actor.strip() or not reason.strip():
            raise ControlError("actor" if not actor.strip() else "reason", "is required")
        if card_number:
            if not looks_like_pan(card_number):
                raise ControlError("card_number", "is not a valid card number (13-19 digits, Luhn)")
            ref = self.vault.protect(card_number)
        elif card_ref:
            if self.vault.store.card(card_ref) is None:
                raise ControlError("card_ref", "no card with this reference in the vault")
            ref = card_ref
        else:
            raise ControlError("card_number", "give card_number or card_ref")
        record_controls = _controls(controls or {})
        token = "ptk_" + secrets.token_hex(12)
        masked = self.vault.store.card(ref)[2]  # type: ignore[index]
        self.vault.store.add_token(token, ref, masked, record_controls, actor)
        self.audit.append_audit(actor, "token.issue", f"token:{token}", reason, {"masked": masked, "controls": record_controls})
        self._refresh()
        return {"token": token, "masked": masked, "status": "active", "controls": record_controls}

    def set_status(self, token: str, status: str, *, actor: str, reason: str) -> dict[str, Any]:
        record = self.vault.store.token(token)
        if record is None:
            raise ControlError("token", "no such payment token")
        if status not in STATUSES:
            raise ControlError("status", f"one of {', '.join(STATUSES)}")
        if record["status"] == "deleted":
            raise ControlError("status", "a deleted token cannot change any more")
        if not actor.strip() or not reason.strip():
            raise ControlError("actor" if not actor.strip() else "reason", "is required")
        self.vault.store.set_status(token, status)
        self.audit.append_audit(actor, f"token.{status}", f"token:{token}", reason, {"from": record["status"]})
        self._refresh()
        return {"token": token, "masked": record["masked"], "status": status}

    def show(self, token: str) -> dict[str, Any]:
        record = self.vault.store.token(token)
        if record is None:
            raise ControlError("token", "no such payment token")
        return {k: v for k, v in record.items() if k != "card_ref"}

    def detokenize(self, token: str, *, actor: str, purpose: str) -> str:
        """The card number behind a payment token or card reference: permitted actors only,
        every attempt audited (allowed or not)."""
        allowed = actor in self.detokenizers and bool(purpose.strip())
        self.audit.append_audit(actor or "-", "token.detokenize" if allowed else "token.detokenize_refused",
                                f"token:{token}", purpose, {"allowed": allowed})
        if actor not in self.detokenizers:
            raise ControlError("actor", "not permitted to detokenize (FENGKONG_DETOKENIZERS)")
        if not purpose.strip():
            raise ControlError("purpose", "is required")
        record = self.vault.store.token(token)
        ref = record["card_ref"] if record is not None else token
        return self.vault.reveal(ref)

    def rotate_master(self, new_version: str, *, actor: str) -> int:
        count = self.vault.rotate_master(new_version)
        self.audit.append_audit(actor, "vault.rotate_master", f"master:{new_version}", "rotation", {"rewrapped": count})
        return count

    def rotate_data_key(self, *, actor: str) -> str:
        dek_id, _ = self.vault.new_data_key()
        self.audit.append_audit(actor, "vault.rotate_data_key", f"dek:{dek_id}", "rotation", {})
        return dek_id
