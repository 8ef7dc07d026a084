"""`fengkong serve` over TLS, and mutual TLS between institutions (004 一(2)): a client without a
certificate from the members' CA does not get past the handshake."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _issue(
    name: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None, *, ca: bool = False, server: bool = False
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (subject, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    cert_path, key_path = path.with_suffix(".crt"), path.with_suffix(".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, tuple[str, str]]:
    ca_cert, ca_key = _issue("members CA", None, ca=True)
    server = _issue("localhost", (ca_cert.subject, ca_key), server=True)
    member = _issue("bank-a gateway", (ca_cert.subject, ca_key))
    stranger_ca = _issue("someone else", None, ca=True)
    stranger = _issue("stranger", (stranger_ca[0].subject, stranger_ca[1]))
    return {
        "ca": _write(tmp_path / "ca", ca_cert, ca_key),
        "server": _write(tmp_path / "server", *server),
        "member": _write(tmp_path / "member", *member),
        "stranger": _write(tmp_path / "stranger", *stranger),
    }


def _serve(tmp_path: Path, *tls: str) -> Iterator[int]:
    port = _port()
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
