"""API keys, users and sessions on SQL. A user is one JSON record: its fields change together
(a failed login, a lock, a new password) and are never queried one by one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select

from fengkong import jsonio
from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database, aware
from fengkong.adapters.sql.tables import api_keys, login_sessions, users
from fengkong.domain.access.credentials import ApiKey, Session, User


def _time(value: Any) -> datetime | None:
    return None if value is None else aware(value)


def _key(r: Any) -> ApiKey:
    return ApiKey(
        r.key_id,
        r.label,
        r.institution,
        frozenset(r.roles.split(",")),
        r.secret_hash,
        r.created_by,
        aware(r.created_at),
        aware(r.expires_at),
        _time(r.revoked_at),
        r.replaced_by,
    )


def _user_record(user: User) -> str:
    return jsonio.dumps_str(
        {
            "roles": sorted(user.roles),
            "institution": user.institution,
            "password_hash": user.password_hash,
            "created_by": user.created_by,
            "created_at": user.created_at.isoformat(),
            "must_change_password": user.must_change_password,
            "totp_sealed": user.totp_sealed,
            "totp_confirmed": user.totp_confirmed,
            "disabled": user.disabled,
            "failed_logins": user.failed_logins,
            "locked_until": None if user.locked_until is None else user.locked_until.isoformat(),
            "password_changed_at": None if user.password_changed_at is None else user.password_changed_at.isoformat(),
            "extra": user.extra,
        }
    )


def _user(username: str, text: str) -> User:
    d = jsonio.loads(text)

    def when(name: str) -> datetime | None:
        return None if d.get(name) is None else datetime.fromisoformat(d[name])

    return User(
        username,
        frozenset(d["roles"]),
        d["institution"],
        d["password_hash"],
        d["created_by"],
        datetime.fromisoformat(d["created_at"]),
        bool(d["must_change_password"]),
        d.get("totp_sealed"),
        bool(d.get("totp_confirmed")),
        bool(d.get("disabled")),
        int(d.get("failed_logins") or 0),
        when("locked_until"),
        when("password_changed_at"),
        dict(d.get("extra") or {}),
    )


class SqlCredentialStore:
    """CredentialStore over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def _replace(self, table: Table, key: str, value: str, row: dict[str, Any]) -> None:
        with self._db.transaction() as conn:
            conn.execute(delete(table).where(table.c[key] == value))
            conn.execute(insert(table).values(**row))
            stamps.bump(conn, "credentials")

    def put_key(self, key: ApiKey) -> None:
        self._replace(
            api_keys,
            "key_id",
            key.key_id,
            {
                "key_id": key.key_id,
                "label": key.label,
                "institution": key.institution,
                "roles": ",".join(sorted(key.roles)),
                "secret_hash": key.secret_hash,
                "created_by": key.created_by,
                "created_at": key.created_at,
                "expires_at": key.expires_at,
                "revoked_at": key.revoked_at,
                "replaced_by": key.replaced_by,
            },
        )

    def get_key(self, key_id: str) -> ApiKey | None:
        with self._db.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        return None if row is None else _key(row)

    def keys(self) -> list[ApiKey]:
        with self._db.connect() as conn:
            return [_key(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.created_at))]

    def put_user(self, user: User) -> None:
        self._replace(users, "username", user.username, {"username": user.username, "record": _user_record(user)})

    def get_user(self, username: str) -> User | None:
        with self._db.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return None if row is None else _user(row.username, row.record)

    def users(self) -> list[User]:
        with self._db.connect() as conn:
            return [_user(r.username, r.record) for r in conn.execute(select(users).order_by(users.c.username))]

    def put_session(self, session: Session) -> None:
        self._replace(
            login_sessions,
            "session_id",
            session.session_id,
            {
                "session_id": session.session_id,
                "secret_hash": session.secret_hash,
                "username": session.username,
                "created_at": session.created_at,
                "expires_at": session.expires_at,
                "ended_at": session.ended_at,
            },
        )

    def get_session(self, session_id: str) -> Session | None:
        with self._db.connect() as conn:
            row = conn.execute(select(login_sessions).where(login_sessions.c.session_id == session_id)).first()
        if row is None:
            return None
        return Session(
            row.session_id,
            row.secret_hash,
            row.username,
            aware(row.created_at),
            aware(row.expires_at),
            _time(row.ended_at),
        )

    def stamp(self) -> int:
        with self._db.connect() as conn:
            return stamps.read(conn, "credentials")
