"""`fengkong demo` on a small population: runs end to end and its report is consistent."""

from __future__ import annotations

from pathlib import Path

from fengkong.cli.demo import run_demo


def test_demo_report(tmp_path: Path) -> None:
    report = run_demo(customers=300, days=15, seed=3, data_dir=tmp_path / "demo")
    assert (tmp_path / "demo" / "fengkong.db").exists()
    assert report["decided"] == report["events"]
    assert sum(report["outcomes"].values()) == report["decided"]
    assert set(report["detection"]) == {
        "recycled_phone_takeover", "skimming_counterfeit", "impossible_travel", "dormant_drained",
        "card_testing", "credential_stuffing",
    }
    for name, row in report["detection"].items():
        assert 0.0 <= row["detection"] <= 1.0, name
        assert row["stopped_amount"] <= row["fraud_amount"]
    assert report["legit_txn"] > 1000
    assert 0 <= report["latency_p50"] <= report["latency_p99"] <= report["latency_max"]
