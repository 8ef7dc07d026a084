"""`fengkong serve`: the HTTP API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import DataDir, DbUrl, Rules, State, settings
from fengkong.cli.session import fail


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
    tls_cert: Annotated[Optional[Path], typer.Option(help="Server certificate (PEM): serve HTTPS.")] = None,  # noqa: UP045
    tls_key: Annotated[Optional[Path], typer.Option(help="The certificate's private key (PEM).")] = None,  # noqa: UP045
    tls_client_ca: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="CA bundle for client certificates: mutual TLS, every client must present one (004 一(2))."),
    ] = None,
) -> None:
    """Serve the HTTP API (POST /v1/events, /v1/events:batch, /docs, /metrics, /health). Every
    call but the probes needs a credential: create the first with `fengkong keys create` or
    `fengkong users create`."""
    import ssl

    import uvicorn

    from fengkong.api.app import create_app
    from fengkong.api.limits import RateLimits
    from fengkong.bootstrap import build_metrics, build_platform
    from fengkong.services.sharing_exchange import SharingPoller
    from fengkong.services.watcher import Watcher

    if bool(tls_cert) != bool(tls_key) or (tls_client_ca and not tls_cert):
        fail("--tls-cert and --tls-key go together, and --tls-client-ca needs them")
    config = settings(data_dir, database_url, state, rules)
    with build_platform(config, build_metrics()) as platform:
        if not platform.access.has_credentials():
            typer.echo(
                "No API key or user exists yet: every call is answered 401. Create the first administrator with\n"
                "  fengkong users create <name> --role admin     (or: fengkong keys create --role admin ...)",
                err=True,
            )
        watcher = Watcher(platform.engine, platform.read_model, config.watch_s if watch is None else watch)
        watcher.start()
        sharing = SharingPoller(platform.sharing_exchange, config.sharing_sync_s)  # with a hub configured
        sharing.start()
        try:
            uvicorn.run(
                create_app(
                    platform,
                    metrics_token=config.metrics_token,
                    rate_limits=RateLimits(
                        config.rate_limit,
                        2 * config.rate_limit,
                        config.anonymous_rate_limit,
                        3 * config.anonymous_rate_limit,
                    ),
                ),
                host=host,
                port=port,
                log_level=log_level,
                access_log=False,
                ssl_certfile=tls_cert,
                ssl_keyfile=tls_key,
                ssl_ca_certs=tls_client_ca,
                ssl_cert_reqs=ssl.CERT_REQUIRED if tls_client_ca else ssl.CERT_NONE,
            )
        finally:
            sharing.stop()
            watcher.stop()


def register(app: typer.Typer) -> None:
    app.command()(serve)
