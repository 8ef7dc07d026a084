"""AccessService on the memory adapters: keys expire and rotate, credentials are never stored
in clear, OIDC tokens are checked against the identity provider's keys, and a revocation made
by another process is seen within a second."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import fengkong
from fengkong.domain.access.roles import Permission
from fengkong.domain.errors import InputError, NotPermitted, Unauthenticated
from fengkong.services.platform import Platform


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def platform() -> Iterator[Platform]:
    with fengkong.in_memory() as built:
        yield built


def test_a_key_authenticates_until_it_expires(platform: Platform) -> None:
    clock = Clock()
    platform.access.clock = platform.credentials.clock = clock
    issued = platform.credentials.create_key("ops", label="core", institution="bank-a", roles=["client"], days=1)
    who = platform.access.authenticate(issued.secret)
    assert (who.kind, who.institution, who.roles) == ("key", "bank-a", frozenset({"client"}))
    assert who.can(Permission.EVENTS_SEND) and not who.can(Permission.AUDIT_READ)
    clock.now += timedelta(days=1, seconds=1)
    platform.access.forget()  # what a new process would see: nothing remembered
    with pytest.raises(Unauthenticated, match="expired"):
        platform.access.authenticate(issued.secret)


def test_only_a_keyed_hash_of_the_secret_is_stored(platform: Platform) -> None:
    issued = platform.credentials.create_key("ops", label="core", institution="bank-a", roles=["client"])
    secret = issued.secret.split("_", 2)[2]
    (stored,) = platform.access.store.keys()
    assert secret not in repr(stored) and stored.secret_hash != secret
    assert secret not in json.dumps([r.to_dict() for r in platform.audit.records()])


@pytest.mark.parametrize(
    "credential",
    ["", "fk_", "fk_nokey_secret", "fks_x_y", "Bearer x", "a.b.c", "not-a-credential"],
)
def test_what_is_not_a_credential_is_unauthenticated(platform: Platform, credential: str) -> None:
    platform.credentials.create_key("ops", label="core", institution="home", roles=["client"])
    with pytest.raises(Unauthenticated):
        platform.access.authenticate(credential)


def test_a_key_with_a_right_id_and_a_wrong_secret_is_refused(platform: Platform) -> None:
    issued = platform.credentials.create_key("ops", label="core", institution="home", roles=["client"])
    prefix, key_id, secret = issued.secret.split("_", 2)
    with pytest.raises(Unauthenticated):
        platform.access.authenticate(f"{prefix}_{key_id}_{secret[:-1]}x")


@pytest.mark.parametrize("roles", [[], ["root"], ["admin", "analyst"], ["auditor", "supervisor"]])
def test_roles_are_known_and_incompatible_duties_apart(platform: Platform, roles: list[str]) -> None:
    with pytest.raises(InputError, match="roles"):
        platform.credentials.create_key("ops", label="x", institution="home", roles=roles)


def test_an_administrator_cannot_change_their_own_account(platform: Platform) -> None:
    platform.credentials.create_user("cli:root", "admin.zhou", roles=["admin"])
    with pytest.raises(NotPermitted):
        platform.credentials.set_roles("admin.zhou", "admin.zhou", ["admin"], reason="self")
    platform.credentials.create_user("cli:root", "admin.qian", roles=["admin"])
    assert platform.credentials.set_roles("admin.qian", "admin.zhou", ["auditor"], reason="moved")["roles"] == [
        "auditor"
    ]


@pytest.mark.parametrize(
    "password",
    ["Abcd!23456xyz", "Qwer#8812Lmnop", "P@ssw0rd!2026", "Wang.li-2026!x", "Short1!", "alllowercase-letters"],
)
def test_the_staff_password_policy_refuses_guessable_passwords(platform: Platform, password: str) -> None:
    with pytest.raises(InputError, match="password") as caught:
        platform.credentials.create_user("cli:root", "wang.li", roles=["analyst"], password=password)
    assert password not in str(caught.value)


def test_a_strong_password_set_by_an_administrator_is_still_an_initial_one(platform: Platform) -> None:
    platform.credentials.create_user("cli:root", "wang.li", roles=["analyst"], password="Gx7#kLm2Qz9w")
    session = platform.access.login("wang.li", "Gx7#kLm2Qz9w")
    who = platform.access.authenticate(session.secret)
    assert who.must_change_password and not who.can(Permission.HOLDS_READ)


def _rsa() -> tuple[Any, dict[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return key, {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[tuple[Any, Platform]]:
    key, jwks = _rsa()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    with fengkong.in_memory(oidc_issuer="https://idp.bank.example", oidc_jwks=str(path)) as built:
        yield key, built


def _token(key: Any, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": "https://idp.bank.example", "aud": "fengkong", "sub": "u-1", "exp": now + 300, "iat": now}
    body.update(claims)
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


def test_an_oidc_token_of_the_configured_issuer_names_the_person_and_roles(idp: tuple[Any, Platform]) -> None:
    key, platform = idp
    who = platform.access.authenticate(_token(key, preferred_username="liu.fang", roles=["supervisor", "unknown"]))
    assert (who.name, who.kind, who.roles, who.institution) == (
        "sso:liu.fang",
        "sso",
        frozenset({"supervisor"}),
        "home",
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-app"},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 3600},
    ],
)
def test_oidc_tokens_for_someone_else_or_expired_are_refused(idp: tuple[Any, Platform], claims: dict[str, Any]) -> None:
    key, platform = idp
    with pytest.raises(Unauthenticated):
        platform.access.authenticate(_token(key, roles=["analyst"], **claims))


def test_an_oidc_token_signed_by_another_key_or_unsigned_is_refused(idp: tuple[Any, Platform]) -> None:
    _, platform = idp
    other, _ = _rsa()
    with pytest.raises(Unauthenticated):
        platform.access.authenticate(_token(other, roles=["analyst"]))
    unsigned = jwt.encode(
        {
            "iss": "https://idp.bank.example",
            "aud": "fengkong",
            "sub": "x",
            "exp": int(time.time()) + 60,
            "roles": ["admin"],
        },
        None,
        algorithm="none",
    )
    with pytest.raises(Unauthenticated):
        platform.access.authenticate(unsigned)


def test_an_oidc_token_without_a_fengkong_role_is_forbidden(idp: tuple[Any, Platform]) -> None:
    key, platform = idp
    with pytest.raises(NotPermitted):
        platform.access.authenticate(_token(key, roles=["hr"]))


def test_a_revocation_in_another_process_is_seen_within_a_second(tmp_path: Path) -> None:
    """Two platforms on one database, as two `serve` processes would be."""
    with fengkong.embedded(tmp_path) as first, fengkong.embedded(tmp_path) as second:
        issued = first.credentials.create_key("ops", label="core", institution="home", roles=["client"])
        assert second.access.authenticate(issued.secret).kind == "key"
        first.credentials.revoke_key("ops", issued.record["key_id"], reason="leaked")  # type: ignore[arg-type]
        time.sleep(1.1)
        with pytest.raises(Unauthenticated, match="revoked"):
            second.access.authenticate(issued.secret)


def test_the_jwks_is_fetched_from_the_identity_providers_url(tmp_path: Path) -> None:
    """As with a real IdP: the keys come from its JWKS endpoint (here a local HTTP server)."""
    import http.server
    import threading

    key, jwks = _rsa()
    body = json.dumps(jwks).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
        with fengkong.in_memory(oidc_issuer="https://idp.bank.example", oidc_jwks=url) as platform:
            who = platform.access.authenticate(_token(key, preferred_username="qian", roles=["auditor"]))
            assert (who.name, who.roles) == ("sso:qian", frozenset({"auditor"}))
    finally:
        server.shutdown()


def test_the_identity_providers_key_rotation_and_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new signing key is fetched when a token names it; a provider that stops answering leaves
    the last good keys in use (a refresh never holds up a verification)."""
    import http.server
    import threading

    from fengkong.adapters import oidc

    first_key, first = _rsa()
    second_key, second = _rsa()
    second["keys"][0]["kid"] = "k2"
    serving = {"jwks": first}

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = json.dumps(serving["jwks"]).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    verifier = oidc.OidcVerifier(
        "https://idp.bank.example", "fengkong", f"http://127.0.0.1:{server.server_address[1]}/"
    )
    monkeypatch.setattr(oidc, "MIN_REFETCH_S", 0.0)
    assert verifier.verify(_token(first_key, roles=["analyst"]))["sub"] == "u-1"
    serving["jwks"] = second  # the provider rotates its signing key
    rotated = jwt.encode(
        jwt.decode(_token(first_key), options={"verify_signature": False}), second_key, "RS256", {"kid": "k2"}
    )
    assert verifier.verify(rotated)["sub"] == "u-1"
    server.shutdown()
    server.server_close()  # the provider is down
    monkeypatch.setattr(oidc, "REFRESH_S", 0.0)
    for _ in range(3):
        assert verifier.verify(rotated)["sub"] == "u-1"  # the keys in hand still serve
