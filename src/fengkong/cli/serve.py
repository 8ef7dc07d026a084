"""`fengkong serve`: the HTTP API."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from fengkong.cli.options import DataDir, DbUrl, Rules, State, settings


def serve(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
    state: State = None,
    rules: Rules = None,
    watch: Annotated[
        Optional[float],
        typer.Option(
            min=0, help="Seconds between checks for changed rule files and reference data (0: off; FENGKONG_WATCH_S)."
        ),
    ] = None,  # noqa: UP045
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "warning",
) -> None:
    """Serve the HTTP API (POST /v1/events, /v1/events:batch, /docs, /metrics, /health)."""
    import uvicorn

    from fengkong.api.app import create_app
    from fengkong.bootstrap import build_metrics, build_platform
    from fengkong.services.watcher import Watcher

    config = settings(data_dir, database_url, state, rules)
    with build_platform(config, build_metrics()) as platform:
        watcher = Watcher(platform.engine, platform.read_model, config.watch_s if watch is None else watch)
        watcher.start()
        try:
            uvicorn.run(create_app(platform), host=host, port=port, log_level=log_level, access_log=False)
        finally:
            watcher.stop()


def register(app: typer.Typer) -> None:
    app.command()(serve)
