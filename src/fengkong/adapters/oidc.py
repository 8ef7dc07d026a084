"""OIDC access tokens: JWTs signed by the bank's identity provider, checked against its JWKS, its
issuer and the audience fengkong is registered as. PyJWT does the cryptography.

The JWKS comes from a file (an intranet that distributes it) or from the provider's URL. Fetched
keys are kept; every REFRESH_S a background thread fetches them again while verifications go on
with the keys in hand. Only a token naming a key not seen yet (a provider rotating its keys) waits
for a fetch, at most every MIN_REFETCH_S. A provider that does not answer leaves the last good keys
in use: decisions share the server's event loop and must not wait on it.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import jwt

from fengkong.domain.errors import InputError

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]  # never "none" or HS*
REFRESH_S = 300.0
MIN_REFETCH_S = 30.0
FETCH_TIMEOUT_S = 3.0


class OidcVerifier:
    """BearerVerifier for one issuer."""

    def __init__(self, issuer: str, audience: str, jwks: str, leeway_s: int = 30):
        self.issuer, self.audience, self.leeway_s = issuer, audience, leeway_s
        self._url = jwks if jwks.startswith(("https://", "http://")) else None
        self._keys: dict[str | None, Any] = {}
        self._fetched = 0.0
        self._lock = threading.Lock()
        if self._url is None:
            self._keys = _keys(json.loads(Path(jwks).read_text()))

    def _fetch(self) -> None:
        """Fetch the provider's keys; on failure keep the last good ones."""
        assert self._url is not None
        with self._lock:
            self._fetched = time.monotonic()
        try:
            with urllib.request.urlopen(self._url, timeout=FETCH_TIMEOUT_S) as answer:  # noqa: S310 - configured URL
                keys = _keys(json.loads(answer.read()))
        except (OSError, ValueError, jwt.PyJWTError):
            return
        with self._lock:
            self._keys = keys

    def _key(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if self._url is not None:
            age = time.monotonic() - self._fetched
            if not self._keys or (kid not in self._keys and age > MIN_REFETCH_S):
                self._fetch()  # nothing to check against yet, or a key not seen: wait for the provider
            elif age > REFRESH_S:
                with self._lock:
                    self._fetched = time.monotonic()  # one refresh at a time
                threading.Thread(target=self._fetch, name="jwks-refresh", daemon=True).start()
        key = self._keys.get(kid) if kid is not None else next(iter(self._keys.values()), None)
        if key is None:
            raise InputError("(authorization)", "the token's signing key is not in the identity provider's JWKS")
        return key

    def verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(token),
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise InputError("(authorization)", f"access token refused: {type(exc).__name__}") from None
        return claims


def _keys(document: Any) -> dict[str | None, Any]:
    """The signing keys of a JWKS document by key id."""
    return {key.key_id: key.key for key in jwt.PyJWKSet.from_dict(document).keys}
