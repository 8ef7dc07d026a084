"""`fengkong lists` and `fengkong changes`: list entries and maker-checker requests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fengkong.cli.options import Credential, DataDir, DbUrl, Reason
from fengkong.cli.session import acting, emit, emit_all, note, platform
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.lists.governance import rules_of

app = typer.Typer(help="Block and allow lists (R4).", no_args_is_help=True)
changes = typer.Typer(help="Maker-checker: requests that need a second person.", no_args_is_help=True)


@app.command("add")
def lists_add(
    list_type: str,
    value: str,
    credential: Credential,
    reason: Reason,
    source: Annotated[str, typer.Option(help="Who established it (police, case, internal).")],
    evidence: str = "",
    starts: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="From when it applies, by the events' own time (ISO-8601 with offset). "
            "Default: just after the latest event decided (the stream's time)."
        ),
    ] = None,
    expires: Annotated[Optional[str], typer.Option(help="ISO-8601 time with offset.")] = None,  # noqa: UP045
    ground: Annotated[
        str,
        typer.Option(help="The entry ground, for the industry blacklists (see `fengkong lists grounds`)."),
    ] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Add VALUE to LIST_TYPE (involved_account, suspicious_account, device, ip, phone, id_number, card, ...).
    On the illegal-merchant, cash-out merchant and outsourcing-provider blacklists this proposes
    the entry, on a ground with evidence; a second person approves it (`fengkong changes approve`)."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, P.LISTS_WRITE)
        if rules_of(list_type) is not None:
            request = p.blacklists.propose(
                list_type, value, ground=ground, evidence=evidence, source=source, maker=who.name, reason=reason
            )
            emit(request.to_dict())
            note(f"proposed as request {request.id}: a second person approves it with `fengkong changes approve`")
            return
        added = p.lists.add(
            list_type,
            value,
            actor=who.name,
            reason=reason,
            source=source,
            evidence=evidence,
            starts_at=starts,
            expires_at=expires,
        )
        emit(added.to_dict())


@app.command("import")
def lists_import(
    list_type: str,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")],
    credential: Credential,
    source: Annotated[str, typer.Option(help="Where the list comes from.")],
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Bulk import a CSV (value,reason[,evidence,starts_at,expires_at,ended_at,amount,case_number,authority]); every row is reported."""
    with platform(data_dir, database_url) as p, open(file, encoding="utf-8-sig", newline="") as handle:
        who = acting(p, credential, P.LISTS_WRITE)
        rows = p.lists.import_csv(list_type, handle, actor=who.name, source=source)
    for row in rows:
        if row.outcome != "added":
            note(f"row {row.row}: {row.message}")
    emit({"added": sum(r.outcome == "added" for r in rows), "errors": sum(r.outcome == "error" for r in rows)})


@app.command("show")
def lists_show(
    list_type: str,
    value: str,
    history: Annotated[
        bool, typer.Option("--all", help="Entries that have ended too (removed or expired), with their end.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Entries for a value not ended yet, or with --all its whole history (shown masked)."""
    with platform(data_dir, database_url) as p:
        entries = [e.to_dict() for e in p.lists.lookup(list_type, value, history=history)]
    emit(entries)
    if not entries:
        note(f"no {list_type} entry for this value" + ("" if history else " in force or to come"))


@app.command("remove")
def lists_remove(
    entry_id: int,
    credential: Credential,
    reason: Reason,
    ground: Annotated[str, typer.Option(help="The removal ground, for the industry blacklists.")] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Ask to remove an entry or release a stop-payment / freeze; a second person approves. An
    industry blacklist's entry is removed only on a removal ground (`fengkong lists grounds`)."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, P.LISTS_WRITE)
        emit(p.blacklists.request_removal(entry_id, ground=ground, maker=who.name, reason=reason).to_dict())


@app.command("grounds")
def lists_grounds(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """The industry blacklists' entry and removal grounds, and their minimum terms."""
    with platform(data_dir, database_url) as p:
        emit(p.blacklists.rules())


@changes.command("list")
def changes_list(data_dir: DataDir = None, database_url: DbUrl = None) -> None:
    """Pending requests."""
    with platform(data_dir, database_url) as p:
        emit_all([r.to_dict() for r in p.lists.pending()], "no pending requests")


@changes.command("approve")
def changes_approve(
    request_id: int,
    credential: Credential,
    note_: Annotated[str, typer.Option("--note")] = "",
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Approve a request; refused if the checker is the maker."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, P.CHANGES_DECIDE)
        emit(p.lists.approve(request_id, checker=who.name, note=note_).to_dict())


@changes.command("reject")
def changes_reject(
    request_id: int,
    credential: Credential,
    note_: Annotated[str, typer.Option("--note")],
    data_dir: DataDir = None,
    database_url: DbUrl = None,
) -> None:
    """Reject a request."""
    with platform(data_dir, database_url) as p:
        who = acting(p, credential, P.CHANGES_DECIDE)
        emit(p.lists.reject(request_id, checker=who.name, note=note_).to_dict())
