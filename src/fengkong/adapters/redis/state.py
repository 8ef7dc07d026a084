"""Feature state in Redis: shared by workers, survives engine restarts.

Each entity key is one Redis string holding compact JSON. Changed keys and the log position
they reflect are written in one MULTI/EXEC transaction, so the checkpoint never runs ahead of
or behind the state it describes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import redis

from fengkong import jsonio
from fengkong.domain.errors import Unavailable


def _shown(url: str) -> str:
    """The URL without a password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


class RedisStateStore:
    durable = True

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", namespace: str = "fengkong"):
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._ns = namespace
        self._meta = f"{namespace}:meta"
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            self._redis.close()
            raise Unavailable(f"Redis at {_shown(url)}", str(exc)) from None

    def _key(self, key: str) -> str:
        return f"{self._ns}:s:{key}"

    def ping(self) -> bool:
        return bool(self._redis.ping())

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        values = self._redis.mget([self._key(k) for k in keys])
        return {k: jsonio.loads(v) for k, v in zip(keys, values, strict=True) if v is not None}

    def apply(self, states: Mapping[str, dict[str, Any]], seq: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        if states:
            pipe.mset({self._key(k): jsonio.dumps(v) for k, v in states.items()})
        pipe.hset(self._meta, "seq", seq)
        pipe.execute()

    def checkpoint(self, fingerprint: str) -> int | None:
        meta: dict[bytes, bytes] = self._redis.hgetall(self._meta)  # type: ignore[assignment]
        if not meta or meta.get(b"fingerprint", b"").decode() != fingerprint:
            return None
        return int(meta.get(b"seq", b"0"))

    def reset(self, fingerprint: str) -> None:
        self._clear()
        self._redis.hset(self._meta, mapping={"fingerprint": fingerprint, "seq": 0})

    def _clear(self) -> None:
        batch: list[bytes] = []
        for key in self._redis.scan_iter(match=f"{self._ns}:s:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                self._redis.delete(*batch)
                batch = []
        if batch:
            self._redis.delete(*batch)
        self._redis.delete(self._meta)

    def export(self) -> dict[str, dict[str, Any]]:
        prefix = len(self._ns) + 3
        out: dict[str, dict[str, Any]] = {}
        keys = list(self._redis.scan_iter(match=f"{self._ns}:s:*", count=1000))
        for i in range(0, len(keys), 1000):
            chunk = keys[i : i + 1000]
            for key, value in zip(chunk, self._redis.mget(chunk), strict=True):
                if value is not None:
                    out[key.decode()[prefix:]] = jsonio.loads(value)
        return out

    def load(self, states: Mapping[str, dict[str, Any]], seq: int, fingerprint: str) -> None:
        self.reset(fingerprint)
        items = list(states.items())
        for i in range(0, len(items), 1000):
            self.apply(dict(items[i : i + 1000]), seq)
        self._redis.hset(self._meta, "seq", seq)

    def close(self) -> None:
        self._redis.close()
