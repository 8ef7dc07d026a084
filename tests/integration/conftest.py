"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fengkong import Settings
from fengkong.api.app import create_app
from fengkong.bootstrap import build_platform


@pytest.fixture
def full_pack_client(tmp_path: Path) -> Iterator[TestClient]:
    """The HTTP API over the embedded default with the complete built-in rule pack."""
    with (
        build_platform(Settings.embedded(tmp_path / "full-pack")) as platform,
        TestClient(create_app(platform)) as client,
    ):
        yield client
