"""OIDC access tokens: JWTs signed by the bank's identity provider, checked against its JWKS
(fetched from the configured URL and cached, or read from a file on an intranet without one),
its issuer and the audience fengkong is registered as. PyJWT does the cryptography."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt

from fengkong.domain.errors import InputError

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]  # never "none" or HS*


class OidcVerifier:
    """BearerVerifier for one issuer."""

    def __init__(self, issuer: str, audience: str, jwks: str, leeway_s: int = 30):
        self.issuer, self.audience, self.leeway_s = issuer, audience, leeway_s
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(jwks, cache_keys=True, lifespan=300, timeout=5)
        else:
            self._keys = jwt.PyJWKSet.from_dict(json.loads(Path(jwks).read_text()))

    def _key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise InputError("(authorization)", "the token's signing key is not in the identity provider's JWKS")

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
