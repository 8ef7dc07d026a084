"""Secrets of people who log in: passwords under scrypt (memory-hard, RFC 7914), TOTP seeds
sealed with SM4-GCM under the vault's master key, and RFC 6238 one-time codes — all by
`cryptography` (OpenSSL) and hashlib, nothing home-made."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from fengkong.adapters.crypto.sm4 import MasterKeys, sm4_gcm_decrypt, sm4_gcm_encrypt

# scrypt at n=2^15, r=8: 32 MiB and ~0.1 s per guess on a server core (OWASP's floor is 2^17 B).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SEED_BYTES = 20  # 160 bits, as RFC 4226 recommends
TOTP_STEP, TOTP_DIGITS = 30, 6


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ScryptHasher:
    """PasswordHasher: `scrypt$n$r$p$salt$hash`, so the cost can be raised for new hashes."""

    def __init__(self, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P):
        self.n, self.r, self.p = n, r, p

    def hash(self, password: str) -> str:
        salt = random.token_bytes(16)
        derived = self._derive(password, salt, self.n, self.r, self.p)
        return f"scrypt${self.n}${self.r}${self.p}${_b64(salt)}${_b64(derived)}"

    def verify(self, password: str, encoded: str) -> bool:
        try:
            kind, n, r, p, salt, expected = encoded.split("$")
            if kind != "scrypt":
                return False
            derived = self._derive(password, _unb64(salt), int(n), int(r), int(p))
        except ValueError:
            return False
        return hmac.compare_digest(derived, _unb64(expected))

    @staticmethod
    def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


class Sm4SecretSealer:
    """SecretSealer: SM4-GCM under a key derived (HKDF-SM3) from the active master key; the
    sealed form names the master key version so a rotation can still open older seals."""

    def __init__(self, masters: MasterKeys):
        self._masters = masters

    def _key(self, version: str) -> bytes:
        derive = HKDF(algorithm=hashes.SM3(), length=16, salt=None, info=b"fengkong:login-secrets")
        return derive.derive(self._masters.key(version))

    def seal(self, secret: bytes, context: str) -> str:
        version = self._masters.active
        return f"{version}:{_b64(sm4_gcm_encrypt(self._key(version), secret, context.encode()))}"

    def open(self, sealed: str, context: str) -> bytes:
        version, _, blob = sealed.partition(":")
        return sm4_gcm_decrypt(self._key(version), _unb64(blob), context.encode())


class TotpCodes:
    """OneTimeCodes: six digits every 30 s (what authenticator apps show), one step either side
    accepted for clock drift."""

    def new_seed(self) -> bytes:
        return random.token_bytes(SEED_BYTES)

    def uri(self, seed: bytes, account: str, issuer: str) -> str:
        return TOTP(seed, TOTP_DIGITS, hashes.SHA1(), TOTP_STEP).get_provisioning_uri(account, issuer)

    def verify(self, seed: bytes, code: str, at: float) -> int | None:
        totp = TOTP(seed, TOTP_DIGITS, hashes.SHA1(), TOTP_STEP)
        for drift in (0, -TOTP_STEP, TOTP_STEP):
            moment = int(at) + drift
            try:
                totp.verify(code.strip().encode(), moment)
                return moment // TOTP_STEP
            except InvalidToken:
                continue
        return None

    @staticmethod
    def code(seed: bytes, at: float) -> str:
        """The code at a time (for tests and for showing the enrolment worked)."""
        return TOTP(seed, TOTP_DIGITS, hashes.SHA1(), TOTP_STEP).generate(int(at)).decode()
