"""The first credentials are made on the server's command line, and the API takes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fengkong
from fengkong.api.app import create_app
from tests.integration.helpers import run_fengkong


@pytest.mark.slow  # subprocesses
def test_the_first_administrator_and_a_client_key_from_the_command_line(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    made = json.loads(run_fengkong("users", "create", "zhang.wei", "--role", "admin", "--data-dir", data))
    key = json.loads(
        run_fengkong(
            "keys", "create", "--label", "core", "--institution", "bank-a", "--role", "client", "--data-dir", data
        )
    )
    listed = run_fengkong("keys", "list", "--data-dir", data)
    assert key["api_key"] not in listed and key["key_id"] in listed
    assert made["initial_password"] not in run_fengkong("users", "list", "--data-dir", data)

    with fengkong.embedded(data) as platform, TestClient(create_app(platform)) as client:
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {key['api_key']}"}).json()
        assert (me["institution"], me["roles"]) == ("bank-a", ["client"])
        login = client.post("/v1/sessions", json={"username": "zhang.wei", "password": made["initial_password"]})
        assert login.status_code == 201
        creators = {
            r.actor for r in platform.audit.records() if r.action in ("access.user_create", "access.key_create")
        }
        assert len(creators) == 1 and next(iter(creators)).startswith("cli:")

    run_fengkong("keys", "revoke", key["key_id"], "--reason", "test over", "--data-dir", data)
    with fengkong.embedded(data) as platform, TestClient(create_app(platform)) as client:
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {key['api_key']}"}).status_code == 401


@pytest.mark.slow
def test_detokenize_on_the_command_line_needs_a_secops_credential(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = str(tmp_path / "d")
    with fengkong.embedded(data) as platform:
        token = platform.vault.issue(actor="t", reason="r", card_number="6222021234567890128")["token"]
        analyst = platform.credentials.create_key("t", label="a", institution="home", roles=["analyst"]).secret
        secops = platform.credentials.create_key("t", label="s", institution="home", roles=["secops"]).secret
    base = [sys.executable, "-m", "fengkong", "vault", "detokenize", token, "--purpose", "case 9", "--data-dir", data]
    refused = subprocess.run(
        base, capture_output=True, env={**__import__("os").environ, "FENGKONG_CREDENTIAL": analyst}
    )
    assert refused.returncode == 2 and b"secops" in refused.stderr and b"6222021234567890128" not in refused.stdout
    shown = subprocess.run(base, capture_output=True, env={**__import__("os").environ, "FENGKONG_CREDENTIAL": secops})
    assert shown.returncode == 0 and shown.stdout.strip() == b"6222021234567890128"


@pytest.mark.slow
def test_a_scan_applies_its_outcome_only_with_a_key_that_may_write_the_lists(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    data = str(tmp_path / "d")
    with fengkong.embedded(data) as platform:
        job = platform.credentials.create_key("t", label="cashout job", institution="home", roles=["list_manager"])
        auditor = platform.credentials.create_key("t", label="a", institution="home", roles=["auditor"])
    base = [sys.executable, "-m", "fengkong", "monitor", "cashout", "--apply", "--data-dir", data]
    clean = {k: v for k, v in os.environ.items() if k != "FENGKONG_CREDENTIAL"}
    nobody = subprocess.run(base, capture_output=True, env=clean)
    assert nobody.returncode == 2 and b"--credential" in nobody.stderr
    wrong = subprocess.run(base, capture_output=True, env={**clean, "FENGKONG_CREDENTIAL": auditor.secret})
    assert wrong.returncode == 2 and b"lists:write" in wrong.stderr
    allowed = subprocess.run(base, capture_output=True, env={**clean, "FENGKONG_CREDENTIAL": job.secret})
    assert allowed.returncode == 0, allowed.stderr
