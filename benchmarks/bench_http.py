"""HTTP latency at a fixed request rate against `fengkong serve` (separate process, loopback).

Open-loop load: request i is due at t0 + i/rate whatever happened before, and its latency is
measured from that due time, so a slow server cannot hide queueing (no coordinated omission).
The client speaks HTTP/1.1 keep-alive on raw asyncio streams to stay light on this 2-core machine.

    python benchmarks/bench_http.py --rate 1000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fengkong.simulate.world import simulate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def connection(
    host: str, port: int, jobs: asyncio.Queue[tuple[float, bytes] | None], latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    while True:
        job = await jobs.get()
        if job is None:
            break
        due, body = job
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        writer.write(
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        payload = await reader.readexactly(length)
        latencies.append((time.perf_counter() - due) * 1000)
        if not head.startswith(b"HTTP/1.1 200"):
            errors.append(payload[:200].decode(errors="replace"))
    writer.close()


async def load(
    host: str, port: int, bodies: list[bytes], rate: float, connections: int
) -> tuple[list[float], list[str], float]:
    queues: list[asyncio.Queue[tuple[float, bytes] | None]] = [asyncio.Queue() for _ in range(connections)]
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter() + 0.5
    for i, body in enumerate(bodies):
        queues[i % connections].put_nowait((start + i / rate, body))
    for q in queues:
        q.put_nowait(None)
    await asyncio.gather(*(connection(host, port, q, latencies, errors) for q in queues))
    return latencies, errors, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    total = int(args.rate * args.seconds)
    sim = simulate(customers=max(300, total // 40), days=30, seed=21)
    bodies = [json.dumps(e).encode() for e in sim.events[:total]]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fengkong",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(Path(tmp) / "d"),
                "--watch",
                "0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            warm = bodies[: min(2000, len(bodies) // 10)]
            asyncio.run(load("127.0.0.1", port, [b.replace(b'"ev-', b'"warm-ev-') for b in warm], 500, 8))
            latencies, errors, elapsed = asyncio.run(load("127.0.0.1", port, bodies, args.rate, args.connections))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(
        f"HTTP POST /v1/events, one event per request, open loop at {args.rate:,.0f} req/s for {args.seconds:g} s "
        f"({len(latencies):,} requests over {args.connections} keep-alive connections, {os.cpu_count()} cores)"
    )
    print(f"achieved {len(latencies) / elapsed:,.0f} req/s; non-200: {len(errors)}")
    print(
        f"latency ms (from scheduled send, incl. durable commit): p50 {statistics.median(latencies):.2f}  "
        f"p90 {pct(latencies, 0.9):.2f}  p99 {pct(latencies, 0.99):.2f}  p99.9 {pct(latencies, 0.999):.2f}  max {max(latencies):.2f}"
    )
    if errors:
        print("first error:", errors[0])


if __name__ == "__main__":
    main()
