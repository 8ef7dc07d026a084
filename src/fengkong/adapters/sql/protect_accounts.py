"""Account numbers that a database from before account references holds in clear, turned into
references in one transaction with the flag that says so (a crash leaves the database as it
was): event log columns and kept events, the transfer index, list entries on accounts and
reference data on accounts. Feature snapshots are dropped: state is rebuilt from the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Table, delete, update
from sqlalchemy.engine import Connection

from fengkong import jsonio
from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.rewrite import Progress, by_seq, rewrite_table
from fengkong.adapters.sql.tables import (
    change_stamps,
    event_log,
    list_entries,
    reference_data,
    reference_history,
    state_snapshots,
    transfers,
)
from fengkong.domain.limits.reference import KINDS
from fengkong.domain.lists.types import LIST_TYPES

# An account value -> (reference, masked number), or None to leave it (a reference already, an
# exit of the transfer index).
AccountKey = Callable[[str], tuple[str, str] | None]

_ACCOUNT_LISTS = frozenset(name for name, t in LIST_TYPES.items() if t.entity == "account")
_ACCOUNT_KINDS = frozenset(name for name, k in KINDS.items() if k.entity == "account")
_MASKED = {"account_id": "account_masked", "counterparty_account_id": "counterparty_masked"}


class SqlAccountProtection:
    def __init__(self, db: Database):
        self._db = db

    def protected(self) -> bool:
        with self._db.connect() as conn:
            return stamps.read(conn, stamps.ACCOUNT_REFERENCES) == 1

    def protect(self, key: AccountKey, progress: Progress) -> dict[str, int]:
        def column(value: str) -> str:
            found = key(value)
            return value if found is None else found[0]

        def record(text: str) -> str:
            event: dict[str, Any] = jsonio.loads(text)
            changed = False
            for name, masked in _MASKED.items():
                value = event.get(name)
                found = key(value) if isinstance(value, str) else None
                if found is not None:
                    event[name], event[masked] = found
                    changed = True
            return jsonio.dumps_str(event) if changed else text

        with self._db.transaction() as conn:
            conn.execute(update(change_stamps).where(change_stamps.c.source == stamps.ACCOUNT_REFERENCES).values(n=1))
            plan: list[tuple[Table, dict[Column[Any], Callable[[str], str]], Any]] = [
                (
                    event_log,
                    {
                        event_log.c.account_id: column,
                        event_log.c.counterparty_account_id: column,
                        event_log.c.record: record,
                    },
                    None,
                ),
                (transfers, {transfers.c.from_account: column, transfers.c.to_account: column}, None),
                (reference_data, {reference_data.c.entity_id: column}, reference_data.c.kind.in_(_ACCOUNT_KINDS)),
                (
                    reference_history,
                    {reference_history.c.entity_id: column},
                    reference_history.c.kind.in_(_ACCOUNT_KINDS),
                ),
            ]
            counts = {t.name: rewrite_table(conn, t, columns, progress, where) for t, columns, where in plan}
            counts["list_entries"] = _lists(conn, key, progress)
            counts["state_snapshots"] = conn.execute(delete(state_snapshots)).rowcount
        return counts


def _lists(conn: Connection, key: AccountKey, progress: Progress) -> int:
    """An entry on an account list: matched by the reference, shown masked."""

    def rewrite(row: Any) -> dict[str, Any]:
        found = key(row.match_key)
        return {} if found is None else {"match_key": found[0], "display": found[1]}

    return by_seq(
        conn,
        list_entries,
        list_entries.c.id,
        ([list_entries.c.match_key], rewrite),
        progress,
        where=list_entries.c.list_type.in_(_ACCOUNT_LISTS),
    )
