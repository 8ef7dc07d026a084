"""Two fengkong instances on this machine share reports over loopback with mutual TLS (issue 14,
part 6; 003 §4.1.2). Institution A runs the hub; institution B's fengkong signs its report with
its member key and sends it to A, and A's decision on a payment to the reported account changes.
An institution that never reported is refused, a report signed under another CA is refused, and
B pulls what A reported into its own decisions."""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fengkong.domain.sharing.report import ReportBody, SignedReport
from tests.pki import free_port, issue, write

PAYEE_OF_B = "6217 0000 1111 2222 333"  # an account B found renting itself out to fraudsters
PAYEE_OF_A = "6217 0000 4444 5555 666"
pytestmark = pytest.mark.slow  # two server processes


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, tuple[str, str]]:
    ca = issue("members CA", None, ca=True)
    stranger_ca = issue("not the members CA", None, ca=True)
    pem = {
        "ca": write(tmp_path / "ca", *ca),
        "server": write(tmp_path / "server", *issue("localhost", ca, server=True)),
        "forged-b": write(tmp_path / "forged-b", *issue("bank-b gateway", stranger_ca, institution="bank-b")),
    }
    for bank in ("bank-a", "bank-b", "bank-c"):
        pem[bank] = write(tmp_path / bank, *issue(f"{bank} gateway", ca, institution=bank))
    return pem


def _environment(pki: dict[str, tuple[str, str]], bank: str, consortium: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGKONG_")}
    env |= {
        "FENGKONG_INSTITUTION_ID": bank,
        "FENGKONG_CONSORTIUM_KEY": consortium,  # the key the members share
        "FENGKONG_SHARING_MEMBERS_CA": pki["ca"][0],
        "FENGKONG_SHARING_CERT": pki[bank][0],
        "FENGKONG_SHARING_KEY": pki[bank][1],
        "FENGKONG_SHARING_SYNC_S": "0",
        **more,
    }
    return env


def _cli(env: dict[str, str], data_dir: Path, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "fengkong", *args, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _key(env: dict[str, str], data_dir: Path, role: str, institution: str) -> str:
    made = _cli(
        env,
        data_dir,
        "keys",
        "create",
        "--label",
        f"{institution}-{role}",
        "--role",
        role,
        "--institution",
        institution,
    )
    return str(made["api_key"])


@contextmanager
def _serving(env: dict[str, str], data_dir: Path, pki: dict[str, tuple[str, str]]) -> Iterator[str]:
    port = free_port()
    cert, key = pki["server"]
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "fengkong", "serve", "--port", str(port), "--data-dir", str(data_dir)),
            *("--tls-cert", cert, "--tls-key", key, "--tls-client-ca", pki["ca"][0]),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"https://localhost:{port}"
    try:
        with _client(pki, "bank-a", "") as probe:
            for _ in range(300):
                try:
                    if probe.get(f"{url}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _client(pki: dict[str, tuple[str, str]], bank: str, api_key: str) -> httpx.Client:
    """A member's system: its member certificate for TLS, an API key for the API."""
    context = ssl.create_default_context(cafile=pki["ca"][0])
    context.load_cert_chain(*pki[bank])
    return httpx.Client(verify=context, headers={"Authorization": f"Bearer {api_key}"}, timeout=30)


def _transfer(client: httpx.Client, url: str, payee: str) -> dict[str, Any]:
    event = {
        "event_id": f"t-{secrets.token_hex(6)}",
        "type": "transaction",
        "occurred_at": datetime.now(UTC).isoformat(),
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": "100.00",
        "account_id": "6200000000000099",
        "counterparty_account_id": payee,
        "customer_id": "c-1",
    }
    answer = client.post(f"{url}/v1/events", json=event)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _forged_report(pki: dict[str, tuple[str, str]], subject_hash: str) -> dict[str, Any]:
    """A report 'from bank-b' signed with a certificate another CA issued."""
    body = ReportBody.from_dict(
        {
            "report_id": secrets.token_hex(16),
            "subject_type": "account",
            "subject_hash": subject_hash,
            "risk_type": "telecom_fraud",
            "reported_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
        },
        datetime.now(UTC),
    )
    cert, key = pki["forged-b"]
    private = serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    signature = private.sign(body.signed_bytes(), ec.ECDSA(hashes.SHA256()))
    return SignedReport(body, signature, Path(cert).read_text()).to_dict()


def test_two_institutions_share_reports_over_mutual_tls(tmp_path: Path, pki: dict[str, tuple[str, str]]) -> None:
    consortium = secrets.token_hex(32)
    a_dir, b_dir = tmp_path / "bank-a", tmp_path / "bank-b"
    a_env = _environment(pki, "bank-a", consortium)
    a_keys = {
        "client": _key(a_env, a_dir, "client", "bank-a"),
        "bank-b": _key(a_env, a_dir, "member", "bank-b"),  # what A issued B's fengkong
        "bank-c": _key(a_env, a_dir, "member", "bank-c"),
    }
    with _serving(a_env, a_dir, pki) as a_url:
        b_env = _environment(
            pki,
            "bank-b",
            consortium,
            FENGKONG_SHARING_HUB_URL=a_url,
            FENGKONG_SHARING_HUB_CA=pki["ca"][0],
            FENGKONG_SHARING_HUB_CREDENTIAL=a_keys["bank-b"],
        )
        b_client_key = _key(b_env, b_dir, "client", "bank-b")
        with (
            _serving(b_env, b_dir, pki) as b_url,
            _client(pki, "bank-a", a_keys["client"]) as a_bank,
            _client(pki, "bank-b", b_client_key) as b_bank,
        ):
            before = _transfer(a_bank, a_url, PAYEE_OF_B)
            assert before["decision"] == "approve"

            # B's analyst reports at B; B's fengkong signs it with bank-b's member key and sends it to A
            sent = b_bank.post(
                f"{b_url}/v1/sharing/reports",
                json={"subject_type": "account", "value": PAYEE_OF_B, "risk_type": "account_rental"},
            )
            assert sent.status_code == 201, sent.text
            assert sent.json()["signed"] and sent.json()["sent"]

            after = _transfer(a_bank, a_url, PAYEE_OF_B)
            assert after["decision"] == "review"
            (shared,) = [r for r in after["reasons"] if r["code"] == "SHARED_PAYEE_REPORTED"]
            assert "1 other member institutions" in shared["message_en"] and "bank-b" not in json.dumps(after)

            # bank-c has never reported: it may neither pull nor ask (reciprocity), even over mutual TLS
            with _client(pki, "bank-c", a_keys["bank-c"]) as c_peer:
                refused = c_peer.get(f"{a_url}/v1/sharing/peer/feed")
                assert refused.status_code == 403 and refused.json()["error"]["field"] == "institution_id"
                asked = c_peer.post(
                    f"{a_url}/v1/sharing/queries", json={"subject_type": "account", "value": PAYEE_OF_B}
                )
                assert asked.status_code == 403

            # a report naming bank-b but signed under another CA is refused, though TLS and the key are B's
            with _client(pki, "bank-b", a_keys["bank-b"]) as b_peer:
                digest = "e" * 64
                forged = b_peer.post(f"{a_url}/v1/sharing/peer/reports", json=_forged_report(pki, digest))
                assert forged.status_code == 403, forged.text
                assert forged.json()["error"]["field"] == "certificate"

            # A reports too; B pulls what it may see and its own decision changes
            own = a_bank.post(
                f"{a_url}/v1/sharing/reports",
                json={"subject_type": "account", "value": PAYEE_OF_A, "risk_type": "telecom_fraud"},
            )
            assert own.status_code == 201, own.text
            assert _transfer(b_bank, b_url, PAYEE_OF_A)["decision"] == "approve"
            pulled = _cli(b_env, b_dir, "sharing", "sync", "--credential", b_client_key)
            assert pulled["pull"]["kept"] == 1  # A's report; B's own is not sent back
            for _ in range(100):  # the server sees what the command pulled at its next refresh
                decided = _transfer(b_bank, b_url, PAYEE_OF_A)
                if decided["decision"] != "approve":
                    break
                time.sleep(0.1)
            assert decided["decision"] == "review"
            assert "bank-a" not in json.dumps(decided)
