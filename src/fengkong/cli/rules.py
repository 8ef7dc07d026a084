"""`fengkong rules`: check rule files, list the active rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import Rules
from fengkong.cli.session import err
from fengkong.domain.rules.errors import RuleSetError

app = typer.Typer(help="Rule files: check and inspect.", no_args_is_help=True)


@app.command("check")
def rules_check(
    paths: Annotated[list[Path], typer.Argument(help="Rule files or directories.")],
    policy: Annotated[Optional[Path], typer.Option(help="Policy file (default: the built-in policy).")] = None,  # noqa: UP045
) -> None:
    """Load rule files and report every error with file, line and column."""
    from fengkong.bootstrap import build_rules
    from fengkong.config import Settings

    try:
        ruleset = build_rules(Settings(rule_paths=tuple(paths), policy_path=policy)).active
    except RuleSetError as exc:
        for error in exc.errors:
            err.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from None
    modes: dict[str, int] = {}
    for rule in ruleset.rules:
        modes[rule.mode] = modes.get(rule.mode, 0) + 1
    summary = ", ".join(f"{n} {m}" for m, n in sorted(modes.items()))
    typer.echo(
        f"ok: {len(ruleset.rules)} rules ({summary}), {len(ruleset.features)} features, "
        f"version {ruleset.version}, policy {ruleset.policy_version}"
    )


@app.command("list")
def rules_list(rules: Rules = None) -> None:
    """List the rules of the active rule files."""
    from fengkong.bootstrap import build_rules
    from fengkong.config import Settings

    for rule in build_rules(Settings(rule_paths=tuple(rules or ()))).active.rules:
        typer.echo(f"{rule.id:36} {rule.mode:8} {rule.outcome.value:16} {rule.reason_code:30} {rule.description_en}")
