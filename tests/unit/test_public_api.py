"""Guard the curated public API: additions are deliberate, removals are breaking."""

from __future__ import annotations

import subprocess
import sys

import fengkong


def test_public_names() -> None:
    assert fengkong.__all__ == sorted(fengkong.__all__)
    assert set(fengkong.__all__) == {
        "Decision",
        "Engine",
        "Event",
        "EventError",
        "EventType",
        "InputError",
        "InvalidEventError",
        "Outcome",
        "Platform",
        "Reason",
        "Settings",
        "__version__",
        "build_platform",
        "embedded",
        "in_memory",
    }
    for name in fengkong.__all__:
        assert getattr(fengkong, name) is not None


def test_importing_fengkong_loads_no_storage_or_server_library() -> None:
    """The builders load adapters when first used: a program that only validates stays light."""
    code = "import sys, fengkong; print(sorted(m for m in ('sqlalchemy', 'redis', 'duckdb', 'fastapi', 'cryptography') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
