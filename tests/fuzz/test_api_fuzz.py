"""Schemathesis over the whole HTTP API, in process (issue 12): every operation of the OpenAPI
description, called with a credential that may call it, never answers a server error and answers
only what the description says (status code, content type, body schema); called without one,
every operation that asks for a credential answers 401, whatever its parameters and body.

The run is schemathesis's own engine (what `schemathesis run` does: the examples, coverage and
fuzzing phases) over ASGI, on an embedded platform in a temporary directory so that the SQL
paths are the ones called. It is seeded and deterministic, so a failure in CI is the same failure
on a laptop; each failure is reported with the request that reproduces it (and the server's
traceback when the app raised).
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from starlette.types import Receive, Scope, Send

from fengkong.api.app import create_app
from fengkong.api.limits import RateLimits
from fengkong.bootstrap import build_metrics, build_platform
from fengkong.config import Settings
from fengkong.services.platform import Platform
from tests.access import OPERATOR_ROLES, bearer
from tests.conftest import examples

# Open without a credential: the probes and the login (the docs pages are not in the description).
OPEN = {"GET /health", "GET /ready", "GET /metrics", "POST /v1/sessions"}
# Which credential calls which operation: admin and auditor must be held alone, so one key cannot
# call everything (tests/integration/test_access_http.py MATRIX has each operation's roles).
AUDITOR_PATHS = ("/v1/audit",)
ADMIN_PATHS = ("/v1/keys", "/v1/users")
# No rate limit gets in the way: a 429 would depend on how fast this machine is.
UNLIMITED = RateLimits(per_credential=1e9, credential_burst=1e9, anonymous=1e9, anonymous_burst=1e9)
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")


def _config(max_examples: int, phases: tuple[str, ...]) -> SchemathesisConfig:
    """Seeded and deterministic (derandomized), no deadline, nothing written to disk, every
    failure of an operation reported (not only its first)."""
    return SchemathesisConfig.from_dict(
        {
            "seed": 12,
            "workers": 1,
            "continue-on-failure": True,
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large", "large_base_example"],
            "cache": {"enabled": False},
            "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing", "stateful")},
        }
    )


@dataclass
class Run:
    """What one schemathesis run did: calls per operation, statuses, failures (readable)."""

    calls: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def report(self) -> str:
        return f"{len(self.failures)} failures:\n\n" + "\n\n".join(self.failures)


def _run(schema: Any) -> Run:
    run, seen = Run(), set()

    def failed(key: tuple[str, ...], text: str) -> None:
        if key not in seen:  # the engine reports each step of a shrink: keep the first of a kind
            seen.add(key)
            run.failures.append(text)

    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.label:
            for interaction in event.recorder.interactions.values():
                run.calls[event.label] += 1
                # A call with another method (the coverage phase tries them; 405) is not this operation's.
                if interaction.response is not None and event.label.startswith(interaction.request.method + " "):
                    run.statuses.setdefault(event.label, Counter())[interaction.response.status_code] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failed(
                            (event.label, check.name, failure.title),
                            f"{event.label}: {check.name}: {failure.title}\n{failure.message}\n"
                            f"{check.failure_info.code_sample}",
                        )
            if event.status in (Status.FAILURE, Status.ERROR):  # whatever the details above said
                failed((event.label, event.status), f"{event.label}: {event.phase.value} phase ended in {event.status}")
        elif isinstance(event, events.NonFatalError):  # the app raised: a 500 in production
            error = event.value
            where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
            failed(
                (event.label, type(error).__name__, str(where)),
                f"{event.label}: the app raised\n{event.info.code_sample or ''}\n"
                + "".join(traceback.format_exception(error)[-12:]),
            )
        elif isinstance(event, events.FatalError):
            failed(("fatal",), "schemathesis stopped: " + "".join(traceback.format_exception(event.exception)))
    return run


class Shield:
    """The app, except that a key operation naming a key of this run (schemathesis reuses ids it
    read in answers, and GET /v1/keys lists them) is sent with an id no key has, so the app answers
    404: the run cannot revoke or rotate its own credentials, and every call it makes is real."""

    def __init__(self, app: FastAPI, own_key_ids: list[str]):
        self.app = app
        self.own = own_key_ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = str(scope["path"])
            for key_id in self.own:
                if path.startswith(f"/v1/keys/{key_id}"):
                    path = path.replace(key_id, "0" * len(key_id), 1)
                    scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


@pytest.fixture
def platform(embedded_dir: Path) -> Iterator[Platform]:
    """An embedded platform (SQLite) that collects metrics, so /metrics answers its text."""
    with build_platform(Settings.embedded(embedded_dir), build_metrics()) as built:
        yield built


def _guarded(run: Run) -> set[str]:
    return set(run.statuses) - OPEN


@pytest.mark.slow
def test_every_operation_with_a_credential_answers_as_described(platform: Platform) -> None:
    credentials = {
        "operator": bearer(platform, *OPERATOR_ROLES, label="fuzz-operator"),
        "auditor": bearer(platform, "auditor", label="fuzz-auditor"),
        "admin": bearer(platform, "admin", label="fuzz-admin"),
    }
    own = [key["key_id"] for key in platform.credentials.keys()]
    app = create_app(platform, rate_limits=UNLIMITED)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", Shield(app, own), config=_config(examples(15), ("examples", "coverage", "fuzzing"))
    )
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}

    @schema.auth(refresh_interval=None)
    class Credential:
        """The header of the credential that may call the operation."""

        def get(self, case: Any, _: Any) -> str:
            path = case.operation.path
            duty = (
                "auditor" if path.startswith(AUDITOR_PATHS) else "admin" if path.startswith(ADMIN_PATHS) else "operator"
            )
            return credentials[duty]["Authorization"]

        def set(self, case: Any, header: str, _: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": header}

    run = _run(schema)

    assert not run.failures, run.report()
    assert set(run.calls) == operations, "every operation of the description is called"
    # Every operation that asks for a credential was called with one that works and may call it.
    refused_only = sorted(op for op in _guarded(run) if set(run.statuses[op]) <= {401, 403})
    assert not refused_only, refused_only
    # The run left its own credentials as they were: not revoked, not rotated, working.
    assert [(k["revoked_at"], k["replaced_by"]) for k in platform.credentials.keys() if k["key_id"] in own] == [
        (None, None)
    ] * 3
    with TestClient(app) as client:
        for header in credentials.values():
            assert client.get("/v1/me", headers=header).status_code == 200


@pytest.mark.slow
def test_without_a_credential_every_guarded_operation_answers_401(platform: Platform) -> None:
    """Generated parameters, bodies and made-up bearer tokens (schemathesis fills the security
    scheme itself when it has no credential) never get past the door."""
    bearer(platform, *OPERATOR_ROLES)  # keys exist: the server is past its first start
    app = create_app(platform, rate_limits=UNLIMITED)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(examples(5), ("examples", "fuzzing")))

    run = _run(schema)

    assert not run.failures, run.report()
    guarded = _guarded(run)
    assert guarded and len(guarded) + len(OPEN) == len(run.calls)
    answered = {op: sorted(run.statuses[op]) for op in guarded if set(run.statuses[op]) != {401}}
    assert not answered, answered
