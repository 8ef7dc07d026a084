"""`fengkong serve` over TLS, and mutual TLS between institutions (004 一(2)): a client without a
certificate from the members' CA does not get past the handshake."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.pki import free_port, issue, write


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, tuple[str, str]]:
    ca = issue("members CA", None, ca=True)
    server = issue("localhost", ca, server=True)
    member = issue("bank-a gateway", ca)
    stranger_ca = issue("someone else", None, ca=True)
    stranger = issue("stranger", stranger_ca)
    return {
        "ca": write(tmp_path / "ca", *ca),
        "server": write(tmp_path / "server", *server),
        "member": write(tmp_path / "member", *member),
        "stranger": write(tmp_path / "stranger", *stranger),
    }


def _serve(tmp_path: Path, *tls: str) -> Iterator[int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "fengkong", "serve", "--port", str(port), "--data-dir", str(tmp_path / "d"), *tls],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow  # a server process
def test_https_with_mutual_tls(tmp_path: Path, pki: dict[str, tuple[str, str]]) -> None:
    cert, key = pki["server"]
    ca = pki["ca"][0]
    for port in _serve(tmp_path, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca):
        url = f"https://localhost:{port}"
        member = ssl.create_default_context(cafile=ca)
        member.load_cert_chain(*pki["member"])
        with httpx.Client(verify=member) as client:
            assert client.get(f"{url}/health").status_code == 200
            anonymous = client.get(f"{url}/v1/rules")  # TLS admits the member; the API still wants a key
            assert anonymous.status_code == 401
        for chain in (None, pki["stranger"]):
            context = ssl.create_default_context(cafile=ca)
            if chain:
                context.load_cert_chain(*chain)
            with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
                with httpx.Client(verify=context) as client:
                    client.get(f"{url}/health")
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"http://127.0.0.1:{port}/health")  # no plain HTTP on a TLS port


@pytest.mark.slow
def test_tls_options_go_together(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fengkong", "serve", "--tls-cert", "x.pem", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2 and b"--tls-key" in done.stderr
