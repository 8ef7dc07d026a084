"""Signed reports between member institutions: ECDSA P-256 with SHA-256 over the report's
canonical bytes, by the private key of the institution's member certificate, checked against
the members' CA with `cryptography.x509.verification`.

The institution is the certificate subject's organizationName (O): the CA that issues member
certificates vouches for it, so a report cannot name its reporter. SM2 signatures (GB/T 32918)
would be the nationally approved choice; `cryptography` (OpenSSL's public API as exposed to
Python) does not offer SM2 signing, so ECDSA P-256 is used until it does.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fengkong.domain.errors import InputError, NotPermitted

_MAX_CHAIN = 4


def institution_of(certificate: x509.Certificate) -> str:
    """The member institution a certificate names: its subject's organizationName (O)."""
    names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    value = names[0].value if names else ""
    text = value.decode() if isinstance(value, bytes) else value
    if not text.strip():
        raise NotPermitted("certificate", "its subject has no organizationName (O): the O names the member institution")
    return text.strip()


class X509ReportSigner:
    """ReportSigner with a member certificate and its EC P-256 private key (PEM files)."""

    def __init__(self, certificate: Path, private_key: Path):
        pem = certificate.read_bytes()
        chain = x509.load_pem_x509_certificates(pem)
        key = serialization.load_pem_private_key(private_key.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise InputError("sharing_key", "the member key must be an EC P-256 private key (PEM)")
        if chain[0].public_key() != key.public_key():
            raise InputError("sharing_key", "is not the private key of the member certificate")
        self._key = key
        self._institution = institution_of(chain[0])
        self._pem = pem.decode()

    @property
    def institution(self) -> str:
        return self._institution

    @property
    def certificate_pem(self) -> str:
        return self._pem

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


class X509ReportVerifier:
    """ReportVerifier over the members' CA bundle (PEM, one or more roots)."""

    def __init__(self, ca_bundle: Path):
        roots = x509.load_pem_x509_certificates(ca_bundle.read_bytes())
        self._store = verification.Store(roots)
        # Member certificates need not carry a subjectAltName (they name an institution, not a
        # host); every other check is the web PKI's for a client certificate.
        self._ee_policy = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
            x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None
        )

    def signer_of(self, data: bytes, signature: bytes, certificate_pem: str, at: datetime) -> str:
        try:
            chain = x509.load_pem_x509_certificates(certificate_pem.encode())
        except ValueError:
            raise InputError("certificate", "is not a PEM certificate") from None
        if len(chain) > _MAX_CHAIN:
            raise InputError("certificate", f"at most {_MAX_CHAIN} certificates: the member's and its intermediates")
        leaf = chain[0]
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(at)
            .extension_policies(ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=self._ee_policy)
            .build_client_verifier()
        )
        try:
            verifier.verify(leaf, chain[1:])
        except verification.VerificationError as exc:
            raise NotPermitted("certificate", f"not a member certificate of the members' CA ({exc})") from None
        try:
            usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            usages = None
        if usages is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
            raise NotPermitted("certificate", "is not a client (member) certificate")
        key = leaf.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise InputError("certificate", "a member certificate has an EC P-256 key")
        try:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, UnsupportedAlgorithm, ValueError):
            raise NotPermitted("signature", "does not match the report and the certificate") from None
        return institution_of(leaf)
