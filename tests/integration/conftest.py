"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fengkong import Platform, Settings
from fengkong.bootstrap import build_platform
from tests.access import api_client, bearer


@pytest.fixture
def full_pack(tmp_path: Path) -> Iterator[Platform]:
    """The embedded default with the complete built-in rule pack."""
    with build_platform(Settings.embedded(tmp_path / "full-pack")) as platform:
        yield platform


@pytest.fixture
def full_pack_client(full_pack: Platform) -> Iterator[TestClient]:
    """The HTTP API over `full_pack`, called with a key holding every business duty."""
    with api_client(full_pack) as client:
        yield client


@pytest.fixture
def full_pack_auditor(full_pack: Platform) -> dict[str, str]:
    """The Authorization header of an internal auditor (reads the audit log, nothing else)."""
    return bearer(full_pack, "auditor")
