"""Fixtures shared by the scenario tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fengkong import Settings
from fengkong.bootstrap import Platform, build_platform


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    """A complete platform on the embedded default; `fraud-ops-1` may detokenize."""
    monkeypatch.setenv("FENGKONG_DETOKENIZERS", "fraud-ops-1")
    p = build_platform(Settings.embedded(tmp_path / "data"))
    yield p
    p.close()
