"""What authentication adds to a request, in one process: the same route body served without a
credential check and behind `guard(permission)` (the API's one security dependency), called
through the real application (its middlewares included) over ASGI; then `POST /v1/events` with
an API key for scale. CPU microseconds per request, best of a few rounds.

    python benchmarks/bench_auth.py --requests 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import Response

import fengkong
from fengkong.api.app import create_app
from fengkong.api.auth import Guard
from fengkong.api.limits import RateLimits
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission
from fengkong.simulate.world import simulate


def caller(app: Any, key: str) -> Callable[[str, str, bytes], Awaitable[int]]:
    async def call(method: str, path: str, body: bytes) -> int:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", b"Bearer " + key.encode()),
        ]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        sent = False
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        return status[0]

    return call


async def per_request(call: Callable[[], Awaitable[int]], n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        assert await call() == 200
    return (time.process_time() - started) / n * 1e6


async def run(n: int, rounds: int) -> None:
    platform = fengkong.in_memory()
    app = create_app(platform, rate_limits=RateLimits(1e9, 1e9, 1e9, 1e9))  # the limiter runs, never refuses
    key = platform.credentials.create_key("bench", label="bench", institution="home", roles=["client"]).secret
    guard = Guard(platform.access)

    async def plain() -> Response:
        return Response(b"{}", media_type="application/json")

    async def guarded(who: Principal = guard(Permission.EVENTS_SEND)) -> Response:
        return Response(b"{}", media_type="application/json")

    app.add_api_route("/bench/plain", plain, methods=["GET"])
    app.add_api_route("/bench/guarded", guarded, methods=["GET"])
    call = caller(app, key)
    events = [json.dumps(e).encode() for e in simulate(customers=300, days=30, seed=21).events]
    async with app.router.lifespan_context(app):
        best: dict[str, float] = {}
        for _ in range(rounds):
            for name, path in (("plain", "/bench/plain"), ("guarded", "/bench/guarded")):
                us = await per_request(lambda path=path: call("GET", path, b""), n)  # type: ignore[misc]
                best[name] = min(best.get(name, us), us)
        it = iter(events)
        best["events"] = await per_request(lambda: call("POST", "/v1/events", next(it)), min(n, len(events) - 1))
        started = time.process_time()
        for _ in range(n):
            platform.access.authenticate(key)
        cached = (time.process_time() - started) / n * 1e6
    print(f"CPU µs per request, best of {rounds} rounds of {n:,} (in process, ASGI, middlewares included):")
    print(f"  same route without a credential check  {best['plain']:8.1f}")
    print(f"  behind guard(events:send), API key     {best['guarded']:8.1f}")
    print(f"  authentication adds                    {best['guarded'] - best['plain']:8.1f}  (budget 100)")
    print(f"  of which the remembered credential     {cached:8.2f}")
    print(f"  POST /v1/events with the key, for scale {best['events']:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.rounds))


if __name__ == "__main__":
    main()
