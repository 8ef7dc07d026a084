"""Guard the curated public API: additions are deliberate, removals are breaking."""

from __future__ import annotations

import fengkong


def test_public_names() -> None:
    assert fengkong.__all__ == sorted(fengkong.__all__)
    assert set(fengkong.__all__) == {
        "Decision", "Engine", "Event", "EventError", "EventType", "InvalidEventError", "Outcome",
        "Reason", "Settings", "__version__",
    }
    for name in fengkong.__all__:
        assert hasattr(fengkong, name)


def test_domain_core_imports_no_io_libraries() -> None:
    import ast
    from pathlib import Path

    forbidden = {"sqlalchemy", "redis", "fastapi", "httpx", "typer", "rich", "yaml", "psycopg", "cryptography"}
    domain = Path(fengkong.__file__).parent / "domain"
    for path in domain.rglob("*.py"):
        if path.name == "loader.py":  # parses rule files handed to it as text; reads no files itself
            forbidden_here = forbidden - {"yaml"}
        elif path.name == "resident_id.py":  # python-stdnum: a pure lookup of GB/T 2260 regions
            forbidden_here = forbidden
        else:
            forbidden_here = forbidden
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in forbidden_here, f"{path.name} imports {name}"
