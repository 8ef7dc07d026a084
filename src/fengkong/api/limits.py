"""Abuse limits in front of every route (pure ASGI, a few microseconds a request):

- request bodies over MAX_BODY_BYTES are refused 413 — at once when the declared length is over,
  and while reading when a chunked body turns out to be;
- each verified credential, and each client address calling without one, has a token bucket:
  past it, 429 with `Retry-After`. A credential not verified yet (a first call, or a made-up
  one) counts against its address, so guessing keys or passwords — each guess a new
  "credential" — is held to the small anonymous rate. Buckets are per process.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengkong import jsonio
from fengkong.api.auth import bearer_credential
from fengkong.api.http import MAX_BODY_BYTES
from fengkong.domain.errors import TooLarge
from fengkong.services.access import AccessService

MAX_BUCKETS = 100_000


@dataclass(frozen=True)
class RateLimits:
    per_credential: float = 5000.0  # requests per second, sustained
    credential_burst: float = 10000.0
    anonymous: float = 10.0  # per client address, without a verified credential
    anonymous_burst: float = 30.0


class _Bucket:
    __slots__ = ("tokens", "stamp")

    def __init__(self, tokens: float, stamp: float):
        self.tokens = tokens
        self.stamp = stamp


async def _answer(send: Send, status: int, field: str, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = jsonio.dumps({"error": {"field": field, "message": message}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Limits:
    def __init__(self, app: ASGIApp, access: AccessService, limits: RateLimits = RateLimits()):
        self.app = app
        self.access = access
        self.limits = limits
        self._buckets: dict[str, _Bucket] = {}

    def _take(self, key: str, rate: float, burst: float) -> float:
        """0 when a request may go now; else the seconds until it may."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        credential = bearer_credential(scope)
        digest = None if credential is None else self.access.verified(credential)
        if digest is not None:
            wait = self._take(digest, self.limits.per_credential, self.limits.credential_burst)
        else:
            client = scope.get("client")
            key = "a:" + (str(client[0]) if client else "-")
            wait = self._take(key, self.limits.anonymous, self.limits.anonymous_burst)
        if wait > 0:
            retry = str(max(1, math.ceil(wait))).encode()
            await _answer(send, 429, "(rate)", "too many requests: slow down and retry", [(b"retry-after", retry)])
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
                await _answer(send, 413, "(body)", f"body over {MAX_BODY_BYTES:,} bytes", [])
                return
        read = 0

        async def bounded() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > MAX_BODY_BYTES:
                    raise TooLarge("(body)", f"body over {MAX_BODY_BYTES:,} bytes")
            return message

        await self.app(scope, bounded, send)
