"""Who is calling: API keys of institution systems, people logged in with a password (and TOTP)
against the built-in user store, and the bank's OIDC access tokens; logging in and out, and a
person's own password and second factor. Every login is audited. (Making and ending keys and
users is services/credentials.py.)

A credential is checked in full once, then remembered (by a digest, never in clear) until it
expires or the credential store's stamp moves, so a decision pays a dictionary lookup for it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fengkong.domain.access.credentials import (
    KEY_PREFIX,
    LOCK_MINUTES,
    MAX_FAILED_LOGINS,
    SESSION_PREFIX,
    USERNAME,
    Session,
    User,
    split_credential,
)
from fengkong.domain.access.password_policy import check_staff_password
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import ROLES, validate_roles
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted, Unauthenticated
from fengkong.domain.ports import (
    AuditLog,
    BearerVerifier,
    CredentialStore,
    IdentifierProtector,
    OneTimeCodes,
    PasswordHasher,
    SecretSealer,
)

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


def existing_user(store: CredentialStore, username: str) -> User:
    user = store.get_user(username.strip().lower())
    if user is None:
        raise NotFound("username", "no such user")
    return user


def new_secret(protector: IdentifierProtector, kind: str) -> tuple[str, str]:
    """A new secret and the keyed hash kept of it (the secret itself is shown once, never kept)."""
    secret = secrets.token_urlsafe(32)
    return secret, protector.identifier_hash(kind, secret)


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

    def forget(self) -> None:
        """Drop every remembered credential (a key, user or session changed in this process)."""
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
        if user.totp_confirmed:
            step = self._code_step(user, code, now)
            if step is None:
                self._failed(user, now, "wrong or used one-time code")
                raise Unauthenticated("a valid one-time code (TOTP) is required, each code once")
            user = replace(user, extra={**user.extra, "totp_step": str(step)})
            self.store.put_user(user)
        session_id = secrets.token_hex(8)
        secret, hashed = new_secret(self.protector, "session")
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

    def _code_step(self, user: User, code: str | None, now: datetime) -> int | None:
        """The time step of a right code not used before (a code seen once is refused: no replay)."""
        if not code or user.totp_sealed is None:
            return None
        seed = self.sealer.open(user.totp_sealed, f"totp:{user.username}")
        step = self.codes.verify(seed, code, now.timestamp())
        if step is None or step <= int(user.extra.get("totp_step", "-1")):
            return None
        return step

    def logout(self, principal: Principal) -> None:
        if principal.kind != "user":
            raise InputError("(authorization)", "only a person's session can be ended; revoke a key instead")
        session = self.store.get_session(principal.credential)
        if session is not None and session.ended_at is None:
            self.store.put_session(replace(session, ended_at=self.clock()))
        self.audit.append(principal.name, "access.logout", f"session:{principal.credential}", "logout", {})
        self.forget()

    def change_password(self, principal: Principal, current: str, new: str) -> dict[str, Any]:
        if principal.kind != "user":
            raise InputError("(authorization)", "only a person logged in with a password can change it")
        user = existing_user(self.store, principal.name)
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
        self.forget()
        return changed.to_dict()

    def enrol_totp(self, principal: Principal) -> dict[str, Any]:
        """A new TOTP seed for the caller, active once `confirm_totp` sees a code from it."""
        user = existing_user(self.store, principal.name) if principal.kind == "user" else None
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
        user = existing_user(self.store, principal.name)
        if user.totp_sealed is None:
            raise Conflict("code", "enrol a second factor first")
        step = self._code_step(user, code, self.clock())
        if step is None:
            raise InputError("code", "does not match the enrolled authenticator")
        changed = replace(user, totp_confirmed=True, extra={**user.extra, "totp_step": str(step)})
        self.store.put_user(changed)
        self.audit.append(user.username, "access.totp_confirm", f"user:{user.username}", "second factor", {})
        return changed.to_dict()

    def has_credentials(self) -> bool:
        return bool(self.store.keys() or self.store.users() or self.sso is not None)
