"""Shared fixtures. PostgreSQL and Redis tests use the real servers on this machine; where a
server is not reachable they are skipped with a message saying which and how to start it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PG_ADMIN_URL = os.environ.get("FENGKONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FENGKONG_TEST_REDIS", "redis://127.0.0.1:6379/15")
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_available() -> bool:
    return _port_open("127.0.0.1", 5432)


@pytest.fixture
def pg_url(pg_available: bool) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not pg_available:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (start it to run the production-backend tests)")
    from sqlalchemy import create_engine, text

    name = f"fk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"cannot create a PostgreSQL test database via {PG_ADMIN_URL}: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A unique key namespace on the real Redis server, deleted afterwards."""
    if not _port_open("127.0.0.1", 6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379 (start it to run the production-backend tests)")
    import redis

    namespace = f"fktest{uuid.uuid4().hex[:10]}"
    yield namespace
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# Hypothesis: `ci` (the default: every example, reproducible from run to run) or `dev`
# (HYPOTHESIS_PROFILE=dev: a fifth of the examples, for a quick loop while editing).
settings.register_profile(
    "ci", deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """How many examples a property test draws: `n` under the ci profile, a fifth under dev."""
    return n if PROFILE == "ci" else max(5, n // 5)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, bytes]:
    """One `fengkong demo` run (300 customers, 15 days) shared by the tests that read its report,
    its data directory and what it printed: (report, data directory, stdout + stderr)."""
    import contextlib
    import io

    from fengkong.cli.demo import run_demo

    data = tmp_path_factory.mktemp("demo") / "demo"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        report = run_demo(customers=300, days=15, seed=3, data_dir=data)
    return report, data, (out.getvalue() + err.getvalue()).encode()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to the newest schema, once per session."""
    from fengkong.bootstrap import build_stores
    from fengkong.config import Settings

    directory = tmp_path_factory.mktemp("template")
    build_stores(Settings.embedded(directory)).close()
    return directory / "fengkong.db"


@pytest.fixture
def embedded_dir(tmp_path: Path, sqlite_template: Path) -> Path:
    """A data directory whose database starts migrated (a copy of the template: the migrations
    themselves run once per session, and every test still opens its own database)."""
    import shutil

    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copyfile(sqlite_template, directory / "fengkong.db")
    return directory
