"""Platforms on the memory adapters: a tiny rule set by default, the built-in pack on request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import fengkong
from fengkong.services.platform import Platform
from tests.unit.services.support import BURST_RULES


@pytest.fixture(scope="session")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "burst.yaml"
    path.write_text(BURST_RULES, encoding="utf-8")
    return path


@pytest.fixture
def platform(rules_file: Path) -> Iterator[Platform]:
    """Everything in memory, with the small rule set (fast to build)."""
    with fengkong.in_memory(rule_paths=(rules_file,)) as built:
        yield built


@pytest.fixture
def builtin() -> Iterator[Platform]:
    """Everything in memory, with the built-in rule pack (list and order rules bite)."""
    with fengkong.in_memory() as built:
        yield built
