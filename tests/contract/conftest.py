"""Every store port's contract runs over every adapter: in memory, SQLite (a file, and in
memory), PostgreSQL (the real server; skipped with a message where it is not running).

`stores` is one `Stores` bundle per backend, all on one unit of work, built by the composition
root exactly as the platform builds them. PostgreSQL uses one database per session, emptied
before each test, so the suites stay fast.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fengkong.bootstrap import Stores, build_stores
from fengkong.config import Settings
from tests.conftest import PG_ADMIN_URL

BACKENDS = ["memory", "sqlite", "postgres"]
# SQLite in memory is the SQL adapter on one shared connection: the suites whose behaviour that
# changes (the event log, the unit of work) name it with `BACKENDS = ALL_BACKENDS` in their module.
ALL_BACKENDS = [*BACKENDS, "sqlite-memory"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "stores" in metafunc.fixturenames:
        metafunc.parametrize("stores", getattr(metafunc.module, "BACKENDS", BACKENDS), indirect=True)


@pytest.fixture(scope="session")
def pg_contract_url(pg_available: bool) -> Iterator[str]:
    if not pg_available:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (start it to run the production-backend tests)")
    name = f"fk_contract_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _emptied(url: str) -> str:
    """The shared PostgreSQL test database with every table emptied (the schema stays)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ]
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
            if "change_stamps" in tables:
                conn.execute(
                    text(
                        "INSERT INTO change_stamps (source, n) VALUES "
                        "('reference', 0), ('lists', 0), ('tokens', 0), ('merchants', 0), ('credentials', 0), "
                        "('identifier_keys', 1), ('account_references', 1)"
                    )
                )
    finally:
        engine.dispose()
    return url


def settings_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "memory":
        return Settings.memory(data_dir=tmp_path)
    if backend == "sqlite":
        return Settings.embedded(request.getfixturevalue("embedded_dir"))
    if backend == "sqlite-memory":
        return Settings.embedded(tmp_path, database_url="sqlite:///:memory:")
    return Settings.embedded(tmp_path, database_url=_emptied(request.getfixturevalue("pg_contract_url")))


@pytest.fixture
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    opened = build_stores(settings_for(request.param, tmp_path, request))
    yield opened
    opened.close()
