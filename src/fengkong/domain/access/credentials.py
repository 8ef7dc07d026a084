"""Credentials as they are stored: API keys of institution systems, people (local users) and
their sessions. Secrets are never here: keys and session tokens are kept as keyed hashes,
passwords as memory-hard KDF output, TOTP seeds sealed (SM4). A credential shown to its owner
is `fk_<key id>_<secret>` or `fks_<session id>_<secret>`: the id finds the record, the secret
proves it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from fengkong.domain.errors import InputError

KEY_PREFIX = "fk"
SESSION_PREFIX = "fks"
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
INSTITUTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

MAX_FAILED_LOGINS = 5  # then the user is locked for LOCK_MINUTES (001 §3.8: brute force)
LOCK_MINUTES = 15


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    label: str
    institution: str
    roles: frozenset[str]
    secret_hash: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    replaced_by: str | None = None  # the key that rotated this one

    def usable(self, at: datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at

    def to_dict(self) -> dict[str, object]:
        """What an administrator sees of a key: never its secret or hash."""
        return {
            "key_id": self.key_id,
            "label": self.label,
            "institution": self.institution,
            "roles": sorted(self.roles),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
            "replaced_by": self.replaced_by,
        }


@dataclass(frozen=True, slots=True)
class User:
    username: str
    roles: frozenset[str]
    institution: str
    password_hash: str
    created_by: str
    created_at: datetime
    must_change_password: bool = True  # initial passwords are changed at first login (001 §4.7)
    totp_sealed: str | None = None  # the TOTP seed, sealed; None: no second factor enrolled
    totp_confirmed: bool = False
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = None
    password_changed_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)  # phone/ID hashes for the password policy

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "roles": sorted(self.roles),
            "institution": self.institution,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "must_change_password": self.must_change_password,
            "totp": self.totp_confirmed,
            "disabled": self.disabled,
            "locked_until": None if self.locked_until is None else self.locked_until.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    secret_hash: str
    username: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


def split_credential(credential: str) -> tuple[str, str, str] | None:
    """(prefix, id, secret) of an `fk_` or `fks_` credential; None for anything else (a JWT)."""
    parts = credential.split("_", 2)
    if len(parts) != 3 or parts[0] not in (KEY_PREFIX, SESSION_PREFIX) or not parts[1] or not parts[2]:
        return None
    return parts[0], parts[1], parts[2]


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InputError("username", "2-64 characters: lower-case letters, digits, '.', '_' or '-', a letter first")
    return name


def check_institution(institution: str) -> str:
    if not INSTITUTION.match(institution.strip()):
        raise InputError("institution", "1-64 characters: letters, digits, '.', '_' or '-'")
    return institution.strip()
