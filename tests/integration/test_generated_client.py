"""A client generated from the served /openapi.json (openapi-python-client) keeps every
operation and sends events: one, a batch, and an invalid one answered in the error model. It
authenticates the way a bank's system does, with its generated AuthenticatedClient (a bearer key).
"""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn

from fengkong import in_memory
from fengkong.api.app import create_app
from fengkong.domain.decisions import Outcome
from fengkong.services.platform import Platform
from tests.access import bearer

pytestmark = pytest.mark.slow  # a live server and a code generator in a subprocess

PACKAGE = "fengkong_generated_client"
CHINA = timezone(timedelta(hours=8))


class LiveServer:
    """The API served by uvicorn on a free loopback port, in a thread (lifespan included)."""

    def __init__(self, platform: Platform):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(create_app(platform), log_level="warning", access_log=False, loop="asyncio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.socket.close()


@pytest.fixture(scope="module")
def platform() -> Platform:
    return in_memory()


@pytest.fixture(scope="module")
def server(platform: Platform) -> Iterator[LiveServer]:
    with LiveServer(platform) as live:
        yield live


@pytest.fixture(scope="module")
def generated(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the live server's own description."""
    work = tmp_path_factory.mktemp("client")
    spec = work / "openapi.json"
    spec.write_bytes(httpx.get(f"{server.url}/openapi.json", timeout=10).raise_for_status().content)
    config = work / "config.yaml"
    # text/csv (the list import) is sent as the bytes given: the generator's documented override.
    config.write_text(
        f"package_name_override: {PACKAGE}\npost_hooks: []\n"
        "content_type_overrides:\n  text/csv: application/octet-stream\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec)]
        + ["--output-path", str(work / PACKAGE), "--meta", "none", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    said = run.stdout + run.stderr
    assert run.returncode == 0, said
    # The generator skips, with a warning, what it cannot describe: an unresolved reference drops the route.
    assert "warning" not in said.lower() and "will not be generated" not in said, said
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def operation(package: ModuleType, method: str, path: str) -> Any:
    """The generated module of one operation, found by its method and path (not its generated name)."""
    folder = Path(package.__file__ or "").parent / "api"
    for source in folder.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        if f'"method": "{method}"' in text and f'"url": "{path}"' in text:
            module = ".".join(source.relative_to(folder.parent).with_suffix("").parts)
            return importlib.import_module(f"{package.__name__}.{module}")
    raise AssertionError(f"the generated client has no {method.upper()} {path}")


def client_for(package: ModuleType, server: LiveServer, platform: Platform) -> Any:
    token = bearer(platform, "client", label="generated client")["Authorization"].removeprefix("Bearer ")
    return package.client.AuthenticatedClient(base_url=server.url, token=token, raise_on_unexpected_status=True)


def transaction(package: ModuleType, event_id: str, amount: str, **extra: Any) -> Any:
    models = package.models
    return models.Event(
        event_id=event_id,
        type_=models.EventType.TRANSACTION,
        occurred_at=datetime(2024, 3, 2, 10, 0, tzinfo=CHINA),
        customer_id="c-1",
        account_id="a-1",
        txn_type=models.EventTxnType.TRANSFER,
        channel=models.EventChannel.MOBILE_BANKING,
        amount=amount,
        counterparty_account_id="a-2",
        auth_factors=[models.EventAuthFactorsItem.PASSWORD],
        **extra,
    )


def test_the_generated_client_keeps_the_event_operations(generated: ModuleType) -> None:
    for path in ("/v1/events", "/v1/events:batch"):
        operation(generated, "post", path)


def test_the_generated_client_sends_an_event(generated: ModuleType, server: LiveServer, platform: Platform) -> None:
    with client_for(generated, server, platform) as client:
        answer = operation(generated, "post", "/v1/events").sync_detailed(
            client=client, body=transaction(generated, "gen-1", "120.50")
        )
    assert answer.status_code == 200, answer.content
    decision = answer.parsed
    assert isinstance(decision, generated.models.DecisionOut)
    assert decision.event_id == "gen-1"
    assert decision.decision.value in {o.value for o in Outcome}
    assert decision.status.value in ("pending", "final") and 0 <= decision.score <= 100


def test_the_generated_client_sends_a_batch(generated: ModuleType, server: LiveServer, platform: Platform) -> None:
    events = [transaction(generated, "gen-2", "10.00"), transaction(generated, "gen-3", "20.00")]
    with client_for(generated, server, platform) as client:
        answer = operation(generated, "post", "/v1/events:batch").sync_detailed(client=client, body=events)
    assert answer.status_code == 200, answer.content
    results = answer.parsed.results
    assert [r.event_id for r in results] == ["gen-2", "gen-3"]
    assert all(isinstance(r, generated.models.DecisionOut) for r in results)


def test_an_invalid_event_is_answered_in_the_error_model(
    generated: ModuleType, server: LiveServer, platform: Platform
) -> None:
    with client_for(generated, server, platform) as client:
        answer = operation(generated, "post", "/v1/events").sync_detailed(
            client=client, body=transaction(generated, "gen-4", "1.234")
        )
    assert answer.status_code == 422
    refused = answer.parsed
    assert refused.event_id == "gen-4" and refused.error.field == "amount"
    assert [e.field for e in refused.errors] == ["amount"]


def test_without_a_key_the_server_answers_401(generated: ModuleType, server: LiveServer) -> None:
    with generated.client.Client(base_url=server.url) as client:
        answer = operation(generated, "post", "/v1/events").sync_detailed(
            client=client, body=transaction(generated, "gen-5", "1.00")
        )
    assert answer.status_code == 401
