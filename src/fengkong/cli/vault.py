"""`fengkong vault` and `fengkong password`: payment tokens, detokenization, key rotation, and the
transaction-password policy. Card numbers and passwords are read from a hidden prompt or stdin,
never from the command line (where shell history and process lists would keep them)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Optional

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl, Reason, settings
from fengkong.cli.session import acting, emit, fail, platform
from fengkong.domain.access.roles import Permission

app = typer.Typer(help="The token vault: payment tokens, detokenization, key rotation.", no_args_is_help=True)
password = typer.Typer(help="Transaction-password policy.", no_args_is_help=True)


def secret(prompt: str) -> str:
    """A card number or password from a hidden prompt, or the first line of stdin."""
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True))
    return sys.stdin.readline().strip()


@app.command("issue")
def vault_issue(
    credential: Credential,
    reason: Reason,
    card_ref: Annotated[
        Optional[str],
        typer.Option(help="A card already in the vault (ctk_...); else the card number is read from stdin."),
    ] = None,  # noqa: UP045
    controls: Annotated[
        str, typer.Option(help='JSON, e.g. {"max_uses": 3, "per_use_max": "500", "channels": ["qr_code"]}')
    ] = "{}",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Issue a payment token with domain controls."""
    try:
        domain = json.loads(controls)
    except json.JSONDecodeError as exc:
        fail(f"--controls: not JSON ({exc.msg})")
    card_number = None if card_ref else secret("card number")
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, Permission.TOKENS_MANAGE)
        emit(p.vault.issue(actor=who.name, reason=reason, card_number=card_number, card_ref=card_ref, controls=domain))


def _status(verb: str, status: str) -> Callable[..., None]:
    def command(
        token: str, credential: Credential, reason: Reason, data_dir: DataDir = None, database_url: DbUrl = None
    ) -> None:
        with platform(data_dir, database_url) as p:
            who = acting(p, credential, Permission.TOKENS_MANAGE)
            emit(p.vault.set_status(token, status, actor=who.name, reason=reason))

    command.__doc__ = f"{verb.title()} a payment token."
    return command


for _verb, _status_name in (("suspend", "suspended"), ("resume", "active"), ("delete", "deleted")):
    app.command(_verb)(_status(_verb, _status_name))


@app.command("show")
def vault_show(token: str, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """A token's masked card, status and controls."""
    with platform(data_dir, database_url) as p:
        emit(p.vault.show(token))


@app.command("detokenize")
def vault_detokenize(
    token: str,
    purpose: Annotated[str, typer.Option(help="Why (audited).")],
    credential: Annotated[
        str,
        typer.Option(
            envvar="FENGKONG_CREDENTIAL",
            help="Your session token or API key (secops role); FENGKONG_CREDENTIAL keeps it out of the shell history.",
        ),
    ],
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Reveal the card number: the secops role and a stated purpose; every attempt audited."""
    with platform(data_dir, database_url) as p:
        typer.echo(p.vault.detokenize(token, principal=p.access.authenticate(credential), purpose=purpose))


@app.command("rotate-master")
def vault_rotate_master(
    new_version: str, credential: Credential, data_dir: DataDir = None, database_url: DbUrl = None
) -> None:
    """Add a master key version and re-wrap every data key with it (no downtime)."""
    with platform(data_dir, database_url) as p:
        count = p.vault.rotate_master(new_version, actor=acting(p, credential, Permission.VAULT_KEYS).name)
        readable, bad = p.vault.check()
    emit({"rewrapped_data_keys": count, "cards_readable": readable, "unreadable": bad})
    if bad:
        raise typer.Exit(1)


@app.command("rotate-data-key")
def vault_rotate_data_key(credential: Credential, data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Start a new data key for cards stored from now on (older keys keep decrypting)."""
    with platform(data_dir, database_url) as p:
        emit({"active_data_key": p.vault.rotate_data_key(actor=acting(p, credential, Permission.VAULT_KEYS).name)})


@app.command("rotate-hash-key")
def vault_rotate_hash_key(
    reason: Reason, credential: Credential, data_dir: DataDir = None, database_url: DbUrl = None
) -> None:
    """Re-key every stored identifier hash and card reference to a new identifier-hash key, in one
    transaction. Stop every fengkong process on this database first (one left running commits
    nothing more); at their next start feature state is rebuilt from the re-keyed log."""
    from fengkong.bootstrap import rotate_identifier_keys

    with platform(data_dir, database_url) as p:
        actor = acting(p, credential, Permission.VAULT_KEYS).name
    shown: set[str] = set()

    def progress(table: str, _rows: int) -> None:
        if table not in shown:
            shown.add(table)
            typer.echo(f"re-keying {table}", err=True)

    rotation = rotate_identifier_keys(settings(data_dir, database_url), actor=actor, reason=reason, progress=progress)
    emit({"from_version": rotation.from_version, "to_version": rotation.to_version, "rows": rotation.rows})


@app.command("check")
def vault_check(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Decrypt every stored card number (e.g. after a rotation); exit 1 if any fails."""
    with platform(data_dir, database_url) as p:
        readable, bad = p.vault.check()
    emit({"cards_readable": readable, "unreadable": bad})
    if bad:
        raise typer.Exit(1)


@password.command("check")
def password_check(
    account_name: Optional[str] = None,
    phone: Optional[str] = None,  # noqa: UP045
    id_number: Optional[str] = None,
    initial: bool = False,
) -> None:  # noqa: UP045
    """Check a transaction password (read from a hidden prompt or stdin) against the policy."""
    from fengkong.domain.identity.passwords import check_password

    result = check_password(
        secret("password"), account_name=account_name, phone=phone, id_number=id_number, initial=initial
    )
    emit(result.to_dict())
    if not result.acceptable:
        raise typer.Exit(1)
