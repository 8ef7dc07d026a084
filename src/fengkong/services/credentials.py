"""Administering credentials: API keys for institution systems (made, rotated, revoked) and the
people who log in (made with an initial password, given roles, disabled, reset). Every change is
audited, and the processes' remembered credentials are told at once (`changed`) — others see
the store's stamp move within a second."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fengkong.domain.access.credentials import KEY_PREFIX, ApiKey, User, check_institution, check_username
from fengkong.domain.access.password_policy import check_staff_password
from fengkong.domain.access.roles import validate_roles
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted, required
from fengkong.domain.ports import AuditLog, CredentialStore, IdentifierProtector, PasswordHasher
from fengkong.domain.sensitive import scrub_free_text
from fengkong.services.access import Issued, existing_user, new_secret

MAX_KEY_DAYS = 730


class CredentialAdmin:
    def __init__(
        self,
        store: CredentialStore,
        protector: IdentifierProtector,
        hasher: PasswordHasher,
        audit: AuditLog,
        *,
        home_institution: str,
        changed: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.store = store
        self.protector = protector
        self.hasher = hasher
        self.audit = audit
        self.home_institution = home_institution
        self.changed = changed  # forget remembered credentials in this process
        self.clock = clock

    # --------------------------------------------------------------------------------------- keys

    def create_key(
        self, actor: str, *, label: str, institution: str, roles: Iterable[str], days: int = 365, reason: str = ""
    ) -> Issued:
        """A new API key, shown once; only its keyed hash is kept."""
        required(actor=actor, label=label)
        chosen = validate_roles(roles)
        if not 1 <= days <= MAX_KEY_DAYS:
            raise InputError("days", f"a key lives 1 to {MAX_KEY_DAYS} days")
        key_id = secrets.token_hex(8)
        secret, hashed = new_secret(self.protector, "api-key")
        now = self.clock()
        key = ApiKey(
            key_id, scrub_free_text(label.strip()[:128]), check_institution(institution), chosen, hashed, actor, now,
            now + timedelta(days=days),
        )  # fmt: skip
        self.store.put_key(key)
        self.audit.append(actor, "access.key_create", f"key:{key_id}", reason or "new key", key.to_dict())
        return Issued(key.to_dict(), f"{KEY_PREFIX}_{key_id}_{secret}")

    def keys(self) -> list[dict[str, Any]]:
        return [k.to_dict() for k in self.store.keys()]

    def _key(self, key_id: str) -> ApiKey:
        key = self.store.get_key(key_id)
        if key is None:
            raise NotFound("key_id", "no such API key")
        return key

    def rotate_key(self, actor: str, key_id: str, *, overlap_hours: float = 24.0, reason: str = "") -> Issued:
        """A new key with the same label, institution and roles; the old one keeps working for
        `overlap_hours` so the client can switch without a gap."""
        old = self._key(key_id)
        if old.revoked_at is not None:
            raise Conflict("key_id", "a revoked key cannot be rotated: create a new one")
        if not 0 <= overlap_hours <= 24 * 7:
            raise InputError("overlap_hours", "0 to 168 hours")
        days = max(1, min(MAX_KEY_DAYS, (old.expires_at - old.created_at).days))
        issued = self.create_key(
            actor, label=old.label, institution=old.institution, roles=old.roles, days=days,
            reason=reason or f"rotation of {key_id}",
        )  # fmt: skip
        now = self.clock()
        self.store.put_key(
            replace(
                old,
                expires_at=min(old.expires_at, now + timedelta(hours=overlap_hours)),
                replaced_by=str(issued.record["key_id"]),
            )
        )
        self.audit.append(actor, "access.key_rotate", f"key:{key_id}", reason or "rotation", {"new": issued.record})
        self.changed()
        return issued

    def revoke_key(self, actor: str, key_id: str, *, reason: str) -> dict[str, Any]:
        required(reason=reason)
        key = self._key(key_id)
        revoked = replace(key, revoked_at=key.revoked_at or self.clock())
        self.store.put_key(revoked)
        self.audit.append(actor, "access.key_revoke", f"key:{key_id}", reason, {})
        self.changed()
        return revoked.to_dict()

    # -------------------------------------------------------------------------------------- users

    def create_user(
        self,
        actor: str,
        username: str,
        *,
        roles: Iterable[str],
        institution: str | None = None,
        password: str | None = None,
        reason: str = "",
    ) -> Issued:
        """A person who logs in. The password an administrator sets (or the one generated here)
        is an initial password: the first login must change it."""
        name = check_username(username)
        if self.store.get_user(name) is not None:
            raise Conflict("username", "a user with this name exists already")
        chosen = validate_roles(roles)
        initial = password or _initial_password()
        check_staff_password(initial, username=name)
        now = self.clock()
        user = User(
            name, chosen, check_institution(institution or self.home_institution), self.hasher.hash(initial), actor, now
        )
        self.store.put_user(user)
        self.audit.append(actor, "access.user_create", f"user:{name}", reason or "new user", user.to_dict())
        return Issued(user.to_dict(), "" if password else initial)

    def users(self) -> list[dict[str, Any]]:
        return [u.to_dict() for u in self.store.users()]

    def _user(self, username: str) -> User:
        return existing_user(self.store, username)

    def _admin_change(self, actor: str, username: str, action: str, reason: str, change: dict[str, Any]) -> User:
        required(reason=reason)
        user = self._user(username)
        if actor == user.username:
            raise NotPermitted("username", "an administrator cannot change their own account: ask another")
        changed = replace(user, **change)
        self.store.put_user(changed)
        self.audit.append(actor, f"access.{action}", f"user:{user.username}", reason, changed.to_dict())
        self.changed()
        return changed

    def set_roles(self, actor: str, username: str, roles: Iterable[str], *, reason: str) -> dict[str, Any]:
        return self._admin_change(actor, username, "user_roles", reason, {"roles": validate_roles(roles)}).to_dict()

    def disable_user(self, actor: str, username: str, *, reason: str, disabled: bool = True) -> dict[str, Any]:
        action = "user_disable" if disabled else "user_enable"
        return self._admin_change(actor, username, action, reason, {"disabled": disabled}).to_dict()

    def reset_password(self, actor: str, username: str, *, reason: str) -> Issued:
        """A new initial password (and the lock lifted); the user must change it at login."""
        initial = _initial_password()
        user = self._admin_change(
            actor, username, "user_password_reset", reason,
            {"password_hash": self.hasher.hash(initial), "must_change_password": True, "failed_logins": 0,
             "locked_until": None},
        )  # fmt: skip
        return Issued(user.to_dict(), initial)


def _initial_password() -> str:
    """16 characters from four classes, drawn until the policy accepts it (nearly always at once)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789#%+=@"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(16))
        try:
            check_staff_password(candidate, username="-")
            return candidate
        except InputError:
            continue
