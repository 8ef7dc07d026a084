"""The examples in docstrings run, as the package is installed (editable or not)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import fengkong

SKIPPED = ("fengkong.__main__", "fengkong.adapters.sql.migrations")  # a command, and Alembic's scripts


def test_every_docstring_example_runs() -> None:
    names = sorted(
        i.name for i in pkgutil.walk_packages(fengkong.__path__, "fengkong.") if not i.name.startswith(SKIPPED)
    )
    failed: dict[str, int] = {}
    attempted = 0
    for name in names:
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        attempted += result.attempted
        if result.failed:
            failed[name] = result.failed
    assert not failed, f"docstring examples failed: {failed}"
    assert attempted >= 10  # the examples are really there
