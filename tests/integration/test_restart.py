"""An acknowledged event survives kill -9, and after a restart the engine decides exactly as an
uninterrupted run would (same outcomes, scores and reason messages), on every backend."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fengkong.simulate.world import simulate
from tests.conftest import REDIS_URL
from tests.integration.helpers import essence

pytestmark = pytest.mark.slow  # subprocesses


@pytest.fixture(scope="module")
def lines() -> list[str]:
    sim = simulate(customers=120, days=12, seed=5)
    out = [json.dumps(e) for e in sim.events[:2400]]
    out.insert(700, '{"event_id": "broken", "type": "transaction", "amount": "1.234"}')
    return out


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FENGKONG_")}
    env.update(extra)
    return env


def _cmd(data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "fengkong", "score", "--data-dir", str(data_dir), "--batch", "64"]


@pytest.fixture(scope="module")
def uninterrupted(lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("baseline")
    done = subprocess.run(
        _cmd(data_dir),
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=_env({}),
        timeout=300,
        check=True,
    )
    answers = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(answers) == len(lines)
    return answers


def _killed_run(lines: list[str], data_dir: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """Feed the first part in chunks, reading every answer; send more without reading; kill -9.
    Restart, re-send everything from well before the kill, and collect the answers."""
    proc = subprocess.Popen(
        _cmd(data_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env(env), bufsize=1
    )
    assert proc.stdin is not None and proc.stdout is not None
    acknowledged: list[dict[str, Any]] = []
    cut = 1300
    for start in range(0, cut, 100):
        chunk = lines[start : start + 100]
        proc.stdin.write("\n".join(chunk) + "\n")
        proc.stdin.flush()
        acknowledged.extend(json.loads(proc.stdout.readline()) for _ in chunk)
    proc.stdin.write("\n".join(lines[cut : cut + 150]) + "\n")  # in flight when killed
    proc.stdin.flush()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    resume = 1000
    done = subprocess.run(
        _cmd(data_dir),
        input="\n".join(lines[resume:]) + "\n",
        capture_output=True,
        text=True,
        env=_env(env),
        timeout=300,
        check=True,
    )
    resumed = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(resumed) == len(lines) - resume
    for answer in resumed[: cut - resume]:
        if "error" not in answer:
            assert answer.get("replayed") is True, "an acknowledged event was lost"
    return acknowledged[:resume] + resumed


@pytest.mark.parametrize("variant", ["sqlite", "sqlite-snapshots", "postgres", "postgres-redis"])
def test_kill_and_restart_gives_the_uninterrupted_decisions(
    variant: str, lines: list[str], uninterrupted: list[dict[str, Any]], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env: dict[str, str] = {}
    if variant.startswith("postgres"):
        env["FENGKONG_DATABASE_URL"] = request.getfixturevalue("pg_url")
    if variant.endswith("redis"):
        env.update(
            FENGKONG_STATE="redis",
            FENGKONG_REDIS_URL=REDIS_URL,
            FENGKONG_REDIS_NAMESPACE=request.getfixturevalue("redis_namespace"),
        )
    if variant == "sqlite-snapshots":
        env["FENGKONG_SNAPSHOT_EVERY"] = "256"
    answers = _killed_run(lines, tmp_path / "data", env)
    expected = [essence(a) for a in uninterrupted]
    got = [essence(a) for a in answers]
    mismatches = [(i, e, g) for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g]
    assert not mismatches, mismatches[:3]
    # the run exercised real rules, not only approvals
    assert len({a.get("decision") for a in uninterrupted}) >= 3
