"""The credential store is scanned like every other: passwords (initial and chosen), API key and
session secrets and TOTP seeds are nowhere in clear after people log in over HTTP — not in the
database, the key files, the logs or the audit chain."""

from __future__ import annotations

import base64
import logging
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fengkong
from fengkong.adapters.crypto.login_secrets import TotpCodes
from fengkong.api.app import create_app
from tests.access import bearer
from tests.secret_scan import Planted, scan


def test_no_password_key_or_seed_in_clear(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    data = tmp_path / "d"
    chosen = "Hq7%vRt2Lp9x"
    with fengkong.embedded(data) as platform, TestClient(create_app(platform)) as client:
        admin = bearer(platform, "admin")
        made = client.post("/v1/users", headers=admin, json={"username": "sun.yu", "roles": ["analyst"]}).json()
        initial = made["initial_password"]
        token = client.post("/v1/sessions", json={"username": "sun.yu", "password": initial}).json()["token"]
        me = {"Authorization": f"Bearer {token}"}
        client.post("/v1/me/password", headers=me, json={"current_password": initial, "new_password": chosen})
        uri = client.post("/v1/me/totp", headers=me).json()["otpauth_uri"]
        found = re.search(r"secret=([A-Z2-7]+)", uri)
        assert found is not None
        seed_b32 = found.group(1)
        seed = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
        client.post("/v1/me/totp:confirm", headers=me, json={"code": TotpCodes.code(seed, time.time())})
        client.post("/v1/sessions", json={"username": "sun.yu", "password": "Wrong-Guess-77x"})  # a failed login
        key = client.post("/v1/keys", headers=admin, json={"label": "core", "institution": "b", "roles": ["client"]})
        api_key = key.json()["api_key"]
        audit = str([r.to_dict() for r in platform.audit.records()])
    planted = [
        Planted("password", "initial password", initial),
        Planted("password", "chosen password", chosen),
        Planted("password", "a wrong guess", "Wrong-Guess-77x"),
        Planted("secret", "session secret", token.split("_", 2)[2]),
        Planted("secret", "API key secret", api_key.split("_", 2)[2]),
        Planted("secret", "TOTP seed (base32)", seed_b32),
        Planted("secret", "TOTP seed (hex)", seed.hex()),
    ]
    hits = scan(planted, [data], {"log": caplog.text, "audit": audit})
    assert not hits, [str(h) for h in hits]
