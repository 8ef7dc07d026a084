"""Fixtures shared by the scenario tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fengkong import Platform, Settings
from fengkong.bootstrap import build_platform


@pytest.fixture
def settings(embedded_dir: Path) -> Settings:
    """The embedded default under a temporary directory."""
    return Settings.embedded(embedded_dir)


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    """A complete platform on the embedded default."""
    with build_platform(settings) as opened:
        yield opened
