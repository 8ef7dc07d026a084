"""The CredentialStore contract, over every adapter (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fengkong.bootstrap import Stores
from fengkong.domain.access.credentials import ApiKey, Session, User

T0 = datetime(2026, 11, 29, 1, 2, 3, 456000, tzinfo=UTC)


def key(key_id: str = "k1", **overrides: object) -> ApiKey:
    values: dict[str, object] = {
        "label": "core banking 核心",
        "institution": "bank-a",
        "roles": frozenset({"client", "analyst"}),
        "secret_hash": "ab" * 32,
        "created_by": "cli:root",
        "created_at": T0,
        "expires_at": T0 + timedelta(days=365),
    }
    values.update(overrides)
    return ApiKey(key_id, **values)  # type: ignore[arg-type]


def user(name: str = "wang.li", **overrides: object) -> User:
    values: dict[str, object] = {
        "roles": frozenset({"supervisor"}),
        "institution": "home",
        "password_hash": "scrypt$32768$8$1$c2FsdA$aGFzaA",
        "created_by": "cli:root",
        "created_at": T0,
    }
    values.update(overrides)
    return User(name, **values)  # type: ignore[arg-type]


def test_keys_round_trip_and_replace(stores: Stores) -> None:
    store = stores.credentials
    assert store.get_key("k1") is None and store.keys() == []
    store.put_key(key())
    assert store.get_key("k1") == key()
    revoked = replace(key(), revoked_at=T0 + timedelta(hours=1), replaced_by="k2")
    store.put_key(revoked)
    store.put_key(key("k2", created_at=T0 + timedelta(seconds=1)))
    assert store.get_key("k1") == revoked
    assert [k.key_id for k in store.keys()] == ["k1", "k2"]


def test_users_round_trip_every_field(stores: Stores) -> None:
    store = stores.credentials
    full = user(
        must_change_password=False,
        totp_sealed="v1:abc",
        totp_confirmed=True,
        failed_logins=3,
        locked_until=T0 + timedelta(minutes=15),
        password_changed_at=T0,
        extra={"phone_hash": "ff"},
    )
    store.put_user(full)
    store.put_user(user("a.first"))
    assert store.get_user("wang.li") == full
    assert store.get_user("nobody") is None
    assert [u.username for u in store.users()] == ["a.first", "wang.li"]


def test_sessions_round_trip_and_end(stores: Stores) -> None:
    store = stores.credentials
    session = Session("s1", "cd" * 32, "wang.li", T0, T0 + timedelta(hours=8))
    store.put_session(session)
    assert store.get_session("s1") == session
    store.put_session(replace(session, ended_at=T0 + timedelta(hours=1)))
    found = store.get_session("s1")
    assert found is not None and found.ended_at == T0 + timedelta(hours=1)


def test_every_write_moves_the_stamp(stores: Stores) -> None:
    store = stores.credentials
    seen = [store.stamp()]
    store.put_key(key())
    seen.append(store.stamp())
    store.put_user(user())
    seen.append(store.stamp())
    store.put_session(Session("s1", "x", "wang.li", T0, T0 + timedelta(hours=1)))
    seen.append(store.stamp())
    assert len(set(seen)) == 4


def test_a_write_in_a_failed_unit_of_work_is_undone(stores: Stores) -> None:
    with pytest.raises(RuntimeError), stores.uow.atomic():
        stores.credentials.put_user(user())
        raise RuntimeError("boom")
    assert stores.credentials.get_user("wang.li") is None
