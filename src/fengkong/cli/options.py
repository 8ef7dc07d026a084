"""Options shared by the commands, and the Settings they make (environment, then options)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.config import Settings

# typer reads Optional[...] annotations; `X | None` is not understood by every typer version.
DataDir = Annotated[
    Optional[Path], typer.Option("--data-dir", help="Where the embedded database and keys live (FENGKONG_DATA_DIR).")
]  # noqa: UP045
DbUrl = Annotated[
    Optional[str],
    typer.Option("--database-url", help="sqlite:///path, postgresql://host/db or memory:// (FENGKONG_DATABASE_URL)."),
]  # noqa: UP045
State = Annotated[
    Optional[str], typer.Option("--state", help="Feature state backend: memory or redis (FENGKONG_STATE).")
]  # noqa: UP045
Rules = Annotated[
    Optional[list[Path]],
    typer.Option("--rules", help="Rule file or directory (repeatable); default: the built-in pack."),
]  # noqa: UP045
Actor = Annotated[str, typer.Option("--actor", help="Who does this (kept in the audit log or history).")]
Credential = Annotated[
    str,
    typer.Option(
        "--credential",
        envvar="FENGKONG_CREDENTIAL",
        help="Your session token or API key: you act as its holder, with its roles (FENGKONG_CREDENTIAL keeps it "
        "out of the shell history).",
    ),
]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log or history).")]
Approval = Annotated[
    int,
    typer.Option(
        "--approval",
        min=1,
        help="The approved export request (`fengkong exports request`, then a second person's "
        "`fengkong changes approve`); each serves one export.",
    ),
]


def settings(
    data_dir: Path | None = None,
    database_url: str | None = None,
    state: str | None = None,
    rules: list[Path] | None = None,
) -> Settings:
    return Settings.from_env(
        data_dir=data_dir, database_url=database_url, state_backend=state, rule_paths=tuple(rules) if rules else None
    )
