"""HTTP latency at a fixed request rate against `fengkong serve` (separate process, loopback).

Open-loop load: request i is due at t0 + i/rate whatever happened before, and its latency is
measured from that due time, so a slow server cannot hide queueing (no coordinated omission).
The client speaks HTTP/1.1 keep-alive on raw asyncio streams to stay light on this 2-core machine.

    python benchmarks/bench_http.py --rate 1000 --seconds 20
    python benchmarks/bench_http.py --baseline-src /tmp/base/src   # the same load on another checkout first

Every request carries an API key (made with `fengkong keys create` before the server starts). With
`--baseline-src`, the same events go to a server run from that source tree (e.g. a worktree of
the commit before a change) and then to this one, in one run; the server's CPU seconds per
request (utime + stime from /proc) are the figure to compare on a noisy machine.
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


AUTH = b""  # the Authorization header line, set once the key exists


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
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
            + AUTH
            + b"Content-Type: application/json\r\nContent-Length: "
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


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_server(
    src: str | None, bodies: list[bytes], rate: float, connections: int
) -> tuple[list[float], list[str], float, float]:
    """Start `fengkong serve` (from `src` when given), make a key, warm up, load; (latencies,
    errors, elapsed, server CPU seconds during the load)."""
    global AUTH
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "d")
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "fengkong",
                "keys",
                "create",
                "--label",
                "bench",
                "--role",
                "client",
                "--data-dir",
                data,
            ],
            capture_output=True,
            env=env,
        )
        key = json.loads(made.stdout)["api_key"] if made.returncode == 0 else "none"  # an older tree has no keys
        AUTH = b"Authorization: Bearer " + key.encode() + b"\r\n"
        server = subprocess.Popen(
            [sys.executable, "-m", "fengkong", "serve", "--port", str(port), "--data-dir", data, "--watch", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
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
            before = cpu_seconds(server.pid)
            latencies, errors, elapsed = asyncio.run(load("127.0.0.1", port, bodies, rate, connections))
            cpu = cpu_seconds(server.pid) - before
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    return latencies, errors, elapsed, cpu


def report(name: str, latencies: list[float], errors: list[str], elapsed: float, cpu: float) -> None:
    print(f"{name}: achieved {len(latencies) / elapsed:,.0f} req/s; non-200: {len(errors)}")
    print(
        f"  latency ms (from scheduled send, incl. durable commit): p50 {statistics.median(latencies):.3f}  "
        f"p90 {pct(latencies, 0.9):.2f}  p99 {pct(latencies, 0.99):.2f}  p99.9 {pct(latencies, 0.999):.2f}  "
        f"max {max(latencies):.2f}"
    )
    print(f"  server CPU {cpu:.2f} s = {1e6 * cpu / len(latencies):.0f} µs per request")
    if errors:
        print("  first error:", errors[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--baseline-src", help="a source tree (its src/) to run the same load against first")
    args = parser.parse_args()
    total = int(args.rate * args.seconds)
    sim = simulate(customers=max(300, total // 40), days=30, seed=21)
    bodies = [json.dumps(e).encode() for e in sim.events[:total]]
    print(
        f"HTTP POST /v1/events, one event per request, open loop at {args.rate:,.0f} req/s for {args.seconds:g} s "
        f"({len(bodies):,} requests over {args.connections} keep-alive connections, {os.cpu_count()} cores)"
    )
    runs = []
    if args.baseline_src:
        runs.append(
            ("baseline " + args.baseline_src, run_server(args.baseline_src, bodies, args.rate, args.connections))
        )
    runs.append(("this tree", run_server(None, bodies, args.rate, args.connections)))
    for name, result in runs:
        report(name, *result)
    if len(runs) == 2:
        (_, base), (_, this) = runs
        print(
            f"this tree - baseline: p50 {statistics.median(this[0]) - statistics.median(base[0]):+.3f} ms, "
            f"server CPU {1e6 * (this[3] / len(this[0]) - base[3] / len(base[0])):+.0f} µs per request"
        )


if __name__ == "__main__":
    main()
