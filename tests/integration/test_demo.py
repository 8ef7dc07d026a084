"""`fengkong demo` on a small population: runs end to end and its report is consistent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.unit.simulate.test_world import SCENARIOS


@pytest.mark.slow
def test_demo_report(demo_run: tuple[dict[str, Any], Path, bytes]) -> None:
    report, data, _ = demo_run
    assert (data / "fengkong.db").exists()
    assert report["decided"] == report["events"]
    assert sum(report["outcomes"].values()) == report["decided"]
    assert set(report["detection"]) == SCENARIOS
    for name, row in report["detection"].items():
        assert 0.0 <= row["detection"] <= 1.0, name
        assert row["stopped_amount"] <= row["fraud_amount"]
    assert report["legit_txn"] > 1000
    # a floor on detection: most of the fraudulent money is stopped, every attack kind is caught
    # at least in part, and ordinary customers are rarely bothered
    fraud = sum(row["fraud_amount"] for row in report["detection"].values())
    stopped = sum(row["stopped_amount"] for row in report["detection"].values())
    assert stopped / fraud >= Decimal("0.90"), stopped / fraud
    for name, row in report["detection"].items():
        assert row["detection"] >= 0.25 and row["never_stopped"] < row["instances"], (name, row)
    assert report["legit_friction"] / report["legit_txn"] < 0.01
    # the per-rule report: every hit is on an attack, a look-alike or an ordinary customer; no rule
    # is credited more attack money than was stopped in all; the busiest rules stopped some
    assert report["rules"] and [r["hits"] for r in report["rules"]] == sorted(
        (r["hits"] for r in report["rules"]), reverse=True
    )
    for row in report["rules"]:
        assert row["hits"] == row["attack"] + row["lookalike"] + row["ordinary"] > 0, row
        assert 0 <= row["stopped"] <= stopped, row
    assert sum(1 for r in report["rules"] if r["attack"] and r["stopped"] > 0) >= 5
    assert 0 <= report["latency_p50"] <= report["latency_p99"] <= report["latency_max"]


@pytest.mark.slow
def test_demo_tells_the_lifecycle(demo_run: tuple[dict[str, Any], Path, bytes]) -> None:
    """Every held payment ended one way or another, the reserved money is what was held, and the
    holds that went through are those the simulated customers passed or analysts released."""
    report, _, printed = demo_run
    held = report["lifecycle"]
    opened = sum(row["opened"] for row in held["kinds"].values())
    assert opened == len(held["ended"]) > 0
    assert "open" not in set(held["ended"].values())  # every challenge answered or expired, every review worked
    assert held["kinds"]["step_up"]["opened"] + held["resends"] == report["outcomes"].get("step_up", 0)
    assert held["kinds"]["review"]["opened"] == report["outcomes"].get("review", 0)
    assert held["kinds"]["step_up"]["ended"]["passed"] > 0 and held["results"] > 0
    assert all(row["reserved"] > 0 for row in held["kinds"].values())
    # friction that ends in a refusal is at most the friction of a first answer
    assert report["legit_refused"] <= report["legit_friction"]
    assert "Decision lifecycle 决策生命周期".encode() in printed


@pytest.mark.slow
def test_the_demo_prints_how_to_log_in_and_the_login_works(demo_run: tuple[dict[str, Any], Path, bytes]) -> None:
    """What the demo prints is enough to reach its data over HTTP: a user and an initial password."""
    import re

    from fastapi.testclient import TestClient

    import fengkong
    from fengkong.api.app import create_app

    _, data, printed = demo_run
    found = re.search(rb'"username": "(demo\.admin)", "password": "([^"]+)"', printed)
    assert found is not None, printed[-2000:]
    with fengkong.embedded(data) as platform, TestClient(create_app(platform)) as client:
        assert client.get("/v1/keys").status_code == 401
        login = client.post("/v1/sessions", json={"username": "demo.admin", "password": found.group(2).decode()})
        assert login.status_code == 201 and login.json()["must_change_password"] is True


@pytest.mark.slow
def test_demo_merchant_section(demo_run: tuple[dict[str, Any], Path, bytes]) -> None:
    """Clusters, a refused re-onboarding and terminal checks (issue 14), printed as measured."""
    report, _, printed = demo_run
    onboarding, review = report["acquiring"]
    assert {t: codes for t, codes in onboarding["refused_terminals"]} == {
        "t-refused-unsigned": ["TERMINAL_NO_SIGNATURE"],
        "t-refused-model": ["TERMINAL_MODEL_NOT_QUALIFIED"],
        "t-refused-modified": ["TERMINAL_DIFFERS_FROM_SAMPLE"],
    }
    # the cash-out ring's shops are one cluster (one boss, shared accounts); the honest chain another
    ring = max(review["clusters"], key=lambda c: c["cashout_labelled"])
    assert ring["cashout_labelled"] == ring["size"] >= 2 and ("legal_rep", 1) in ring["links"]  # one boss
    assert any(c["cashout_labelled"] == 0 for c in review["clusters"])
    comeback = review["comeback"]
    assert comeback["status"] == "rejected"
    assert "LINKED_TO_BLACKLISTED_MERCHANT" in {code for code, _ in comeback["findings"]}
    # the terminal the common-point analysis names first was doctored: its spot check fails
    _, points, _ = report["compromise"]
    checks = review["checks"]
    failed = {t for t, result, _ in checks["inspected"] if result == "fail"}
    assert points and points[0].terminal_id in failed and set(checks["suspended"]) == failed
    assert checks["overdue_after"] < checks["overdue_before"]
    text = printed.decode()
    for words in (
        "clusters 关联商户",
        "re-onboarding 重新入网",
        "spot checks 终端抽检",
        "TERMINAL_DIFFERS_FROM_SAMPLE",
    ):
        assert words in text
