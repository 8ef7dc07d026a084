"""Who is calling, and what they may do: API keys for institution systems, local users with
passwords and TOTP for people (the embedded profile, or a bank without an identity provider),
and the bank's OIDC access tokens. Every change to a credential and every login is audited.

A credential is checked in full once, then remembered (by a digest, never in clear) until it
expires or the credential store's stamp moves, so a decision pays a dictionary lookup for it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fengkong.domain.access.credentials import (
    KEY_PREFIX,
    LOCK_MINUTES,
    MAX_FAILED_LOGINS,
    SESSION_PREFIX,
    USERNAME,
    ApiKey,
    Session,
    User,
    check_institution,
    check_username,
    split_credential,
)
from fengkong.domain.access.password_policy import check_staff_password
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import ROLES, validate_roles
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted, Unauthenticated, required
from fengkong.domain.ports import (
    AuditLog,
    BearerVerifier,
    CredentialStore,
    IdentifierProtector,
    OneTimeCodes,
    PasswordHasher,
    SecretSealer,
)

MAX_KEY_DAYS = 730
STAMP_CHECK_S = 1.0  # how stale a remembered credential may be after a change made elsewhere
CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class SsoClaims:
    """Which claims of the identity provider's token carry the user name, roles and institution."""

    username: str = "preferred_username"
    roles: str = "roles"
    institution: str = "institution"


@dataclass(frozen=True)
class Issued:
    """A credential shown once: what was made, and the secret its owner must keep."""

    record: dict[str, Any]
    secret: str


def _digest(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()


class AccessService:
    def __init__(
        self,
        store: CredentialStore,
        protector: IdentifierProtector,
        hasher: PasswordHasher,
        sealer: SecretSealer,
        codes: OneTimeCodes,
        audit: AuditLog,
        *,
        home_institution: str,
        sso: BearerVerifier | None = None,
        sso_claims: SsoClaims = SsoClaims(),
        session_hours: float = 8.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.store = store
        self.protector = protector
        self.hasher = hasher
        self.sealer = sealer
        self.codes = codes
        self.audit = audit
        self.home_institution = home_institution
        self.sso = sso
        self.sso_claims = sso_claims
        self.session_hours = session_hours
        self.clock = clock
        self._known: dict[str, tuple[Principal, float]] = {}  # digest -> (principal, valid until)
        self._lock = threading.Lock()
        self._stamp = -1
        self._stamp_checked = 0.0
        self._decoy = ""  # a hash to verify against for unknown users, so they take as long

    # ------------------------------------------------------------------------------ authentication

    def authenticate(self, credential: str | None) -> Principal:
        """The principal behind a bearer credential, or Unauthenticated."""
        if not credential:
            raise Unauthenticated("send Authorization: Bearer <API key or access token>")
        now = time.monotonic()
        if now - self._stamp_checked > STAMP_CHECK_S:
            self._refresh(now)
        digest = _digest(credential)
        known = self._known.get(digest)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, until = self._check(credential)
        with self._lock:
            if len(self._known) >= CACHE_LIMIT:
                self._known.clear()
            self._known[digest] = (principal, until)
        return principal

    def verified(self, credential: str) -> str | None:
        """The credential's digest when it was verified and has not expired since; else None
        (unknown, or not checked yet). No store is read: this is for counting calls."""
        digest = _digest(credential)
        known = self._known.get(digest)
        return digest if known is not None and time.time() < known[1] else None

    def _refresh(self, now: float) -> None:
        stamp = self.store.stamp()
        with self._lock:
            if stamp != self._stamp:
                self._known.clear()
                self._stamp = stamp
            self._stamp_checked = now

    def _forget(self) -> None:
        with self._lock:
            self._known.clear()
            self._stamp_checked = 0.0

    def _check(self, credential: str) -> tuple[Principal, float]:
        parts = split_credential(credential)
        if parts is None:
            return self._check_sso(credential)
        prefix, ident, secret = parts
        now = self.clock()
        if prefix == KEY_PREFIX:
            key = self.store.get_key(ident)
            if key is None or not self._matches(secret, key.secret_hash, "api-key"):
                raise Unauthenticated("unknown API key")
            if not key.usable(now):
                raise Unauthenticated("this API key is revoked or expired: ask an administrator for a new one")
            principal = Principal(f"key:{key.key_id}", "key", key.roles, key.institution, key.key_id)
            return principal, time.time() + (key.expires_at - now).total_seconds()
        session = self.store.get_session(ident)
        if session is None or not self._matches(secret, session.secret_hash, "session"):
            raise Unauthenticated("unknown session: log in again")
        if session.ended_at is not None or now >= session.expires_at:
            raise Unauthenticated("the session has ended: log in again")
        user = self.store.get_user(session.username)
        if user is None or user.disabled:
            raise Unauthenticated("the user is disabled")
        principal = Principal(
            user.username, "user", user.roles, user.institution, session.session_id, user.must_change_password
        )
        return principal, time.time() + (session.expires_at - now).total_seconds()

    def _check_sso(self, token: str) -> tuple[Principal, float]:
        if self.sso is None or token.count(".") != 2:
            raise Unauthenticated("unknown credential")
        try:
            claims = self.sso.verify(token)
        except InputError as exc:
            raise Unauthenticated(exc.message) from None
        c = self.sso_claims
        name = str(claims.get(c.username) or claims["sub"])
        granted = claims.get(c.roles) or []
        roles = [r for r in (granted if isinstance(granted, list) else str(granted).split()) if r in ROLES]
        if not roles:
            raise NotPermitted("(authorization)", f"the identity provider grants no fengkong role in {c.roles!r}")
        try:
            chosen = validate_roles(roles)
        except InputError as exc:
            raise NotPermitted("(authorization)", exc.message) from None
        institution = str(claims.get(c.institution) or self.home_institution)
        return Principal(f"sso:{name}", "sso", chosen, institution, str(claims.get("jti") or "")), float(claims["exp"])

    def _matches(self, secret: str, stored: str, kind: str) -> bool:
        return hmac.compare_digest(self.protector.identifier_hash(kind, secret), stored)

    def _secret(self, kind: str) -> tuple[str, str]:
        secret = secrets.token_urlsafe(32)
        return secret, self.protector.identifier_hash(kind, secret)

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
        secret, hashed = self._secret("api-key")
        now = self.clock()
        key = ApiKey(
            key_id, label.strip()[:128], check_institution(institution), chosen, hashed, actor, now,
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
        self._forget()
        return issued

    def revoke_key(self, actor: str, key_id: str, *, reason: str) -> dict[str, Any]:
        required(reason=reason)
        key = self._key(key_id)
        revoked = replace(key, revoked_at=key.revoked_at or self.clock())
        self.store.put_key(revoked)
        self.audit.append(actor, "access.key_revoke", f"key:{key_id}", reason, {})
        self._forget()
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
        user = self.store.get_user(username.strip().lower())
        if user is None:
            raise NotFound("username", "no such user")
        return user

    def _admin_change(self, actor: str, username: str, action: str, reason: str, change: dict[str, Any]) -> User:
        required(reason=reason)
        user = self._user(username)
        if actor == user.username:
            raise NotPermitted("username", "an administrator cannot change their own account: ask another")
        changed = replace(user, **change)
        self.store.put_user(changed)
        self.audit.append(actor, f"access.{action}", f"user:{user.username}", reason, changed.to_dict())
        self._forget()
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

    # ------------------------------------------------------------------------------ login, logout

    def login(self, username: str, password: str, code: str | None = None) -> Issued:
        """A session token for a person; five wrong passwords lock the account for 15 minutes."""
        now = self.clock()
        user = self.store.get_user(username.strip().lower()) if username else None
        if user is None:
            self._decoy = self._decoy or self.hasher.hash(secrets.token_urlsafe(16))
            self.hasher.verify(password or "", self._decoy)
            shown = username if USERNAME.match(username or "") else "(not a user name)"
            self.audit.append("-", "access.login_failed", f"user:{shown}", "unknown user", {})
            raise Unauthenticated("wrong user name or password")
        if user.locked_until is not None and now < user.locked_until:
            raise Unauthenticated(f"too many failed logins: locked until {user.locked_until.isoformat()}")
        if user.disabled or not self.hasher.verify(password or "", user.password_hash):
            self._failed(user, now, "wrong password" if not user.disabled else "disabled")
            raise Unauthenticated("wrong user name or password")
        if user.totp_confirmed and not self._code_ok(user, code, now):
            self._failed(user, now, "wrong one-time code")
            raise Unauthenticated("a valid one-time code (TOTP) is required")
        session_id = secrets.token_hex(8)
        secret, hashed = self._secret("session")
        session = Session(session_id, hashed, user.username, now, now + timedelta(hours=self.session_hours))
        self.store.put_session(session)
        if user.failed_logins or user.locked_until:
            self.store.put_user(replace(user, failed_logins=0, locked_until=None))
        self.audit.append(
            user.username, "access.login", f"session:{session_id}", "login", {"totp": user.totp_confirmed}
        )
        return Issued(
            {
                "username": user.username,
                "expires_at": session.expires_at.isoformat(),
                "must_change_password": user.must_change_password,
            },
            f"{SESSION_PREFIX}_{session_id}_{secret}",
        )

    def _failed(self, user: User, now: datetime, why: str) -> None:
        failed = user.failed_logins + 1
        locked = now + timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_LOGINS else None
        self.store.put_user(replace(user, failed_logins=0 if locked else failed, locked_until=locked))
        self.audit.append("-", "access.login_failed", f"user:{user.username}", why, {"locked": locked is not None})

    def _code_ok(self, user: User, code: str | None, now: datetime) -> bool:
        if not code or user.totp_sealed is None:
            return False
        seed = self.sealer.open(user.totp_sealed, f"totp:{user.username}")
        return self.codes.verify(seed, code, now.timestamp())

    def logout(self, principal: Principal) -> None:
        if principal.kind != "user":
            raise InputError("(authorization)", "only a person's session can be ended; revoke a key instead")
        session = self.store.get_session(principal.credential)
        if session is not None and session.ended_at is None:
            self.store.put_session(replace(session, ended_at=self.clock()))
        self.audit.append(principal.name, "access.logout", f"session:{principal.credential}", "logout", {})
        self._forget()

    def change_password(self, principal: Principal, current: str, new: str) -> dict[str, Any]:
        if principal.kind != "user":
            raise InputError("(authorization)", "only a person logged in with a password can change it")
        user = self._user(principal.name)
        if not self.hasher.verify(current or "", user.password_hash):
            raise NotPermitted("current_password", "is wrong")
        if current == new:
            raise InputError("password", "must differ from the current password")
        check_staff_password(new, username=user.username)
        changed = replace(
            user, password_hash=self.hasher.hash(new), must_change_password=False, password_changed_at=self.clock()
        )
        self.store.put_user(changed)
        self.audit.append(user.username, "access.password_change", f"user:{user.username}", "changed by the user", {})
        self._forget()
        return changed.to_dict()

    def enrol_totp(self, principal: Principal) -> dict[str, Any]:
        """A new TOTP seed for the caller, active once `confirm_totp` sees a code from it."""
        user = self._user(principal.name) if principal.kind == "user" else None
        if user is None:
            raise InputError("(authorization)", "a second factor is for people logged in with a password")
        seed = self.codes.new_seed()
        self.store.put_user(
            replace(user, totp_sealed=self.sealer.seal(seed, f"totp:{user.username}"), totp_confirmed=False)
        )
        self.audit.append(user.username, "access.totp_enrol", f"user:{user.username}", "second factor", {})
        return {"otpauth_uri": self.codes.uri(seed, user.username, "fengkong")}

    def confirm_totp(self, principal: Principal, code: str) -> dict[str, Any]:
        if principal.kind != "user":
            raise InputError("(authorization)", "a second factor is for people logged in with a password")
        user = self._user(principal.name)
        if user.totp_sealed is None:
            raise Conflict("code", "enrol a second factor first")
        if not self._code_ok(user, code, self.clock()):
            raise InputError("code", "does not match the enrolled authenticator")
        changed = replace(user, totp_confirmed=True)
        self.store.put_user(changed)
        self.audit.append(user.username, "access.totp_confirm", f"user:{user.username}", "second factor", {})
        return changed.to_dict()

    def has_credentials(self) -> bool:
        return bool(self.store.keys() or self.store.users() or self.sso is not None)


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
