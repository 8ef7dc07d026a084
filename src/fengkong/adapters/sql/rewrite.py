"""Rows rewritten in place, a chunk at a time, inside the caller's transaction: the machinery of
the maintenance passes that change stored values (a key rotation, account numbers turned into
references)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Table, bindparam, select, tuple_, update
from sqlalchemy.engine import Connection

Progress = Callable[[str, int], None]
RowRewrite = Callable[[Any], dict[str, Any]]  # a row -> its changed columns (none: left alone)
CHUNK = 1000


def per_column(columns: dict[Column[Any], Callable[[str], str]]) -> tuple[list[Column[Any]], RowRewrite]:
    """The columns to read and the row rewrite of independent text columns."""

    def rewrite(row: Any) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for column, function in columns.items():
            value = getattr(row, column.name)
            if isinstance(value, str):
                new = function(value)
                if new != value:
                    changed[column.name] = new
        return changed

    return list(columns), rewrite


def apply(
    conn: Connection, table: Table, keys: Sequence[Column[Any]], updates: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    """One UPDATE per set of changed columns (executemany), matched by the row's key."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for key, changed in updates:
        params = {f"k_{c.name}": v for c, v in zip(keys, key, strict=True)}
        params.update({f"v_{name}": value for name, value in changed.items()})
        groups.setdefault(tuple(sorted(changed)), []).append(params)
    for names, rows in groups.items():
        statement = update(table).values({name: bindparam(f"v_{name}") for name in names})
        for column in keys:
            statement = statement.where(column == bindparam(f"k_{column.name}"))
        conn.execute(statement, rows)


def by_seq(
    conn: Connection,
    table: Table,
    seq: Column[Any],
    rewrite: tuple[list[Column[Any]], RowRewrite],
    progress: Progress,
    where: Any = None,
) -> int:
    """A table with an integer key that the rewrite does not change: read in key order, in chunks."""
    columns, function = rewrite
    last, changed_rows = -1, 0
    while True:
        query = select(seq, *columns).where(seq > last)
        if where is not None:
            query = query.where(where)
        rows = conn.execute(query.order_by(seq).limit(CHUNK)).all()
        if not rows:
            return changed_rows
        updates = [((getattr(r, seq.name),), c) for r in rows if (c := function(r))]
        if updates:
            apply(conn, table, (seq,), updates)
        changed_rows += len(updates)
        last = getattr(rows[-1], seq.name)
        progress(table.name, changed_rows)


def by_key(
    conn: Connection,
    table: Table,
    keys: tuple[Column[Any], ...],
    rewrite: tuple[list[Column[Any]], RowRewrite],
    progress: Progress,
    where: Any = None,
) -> int:
    """A table whose key may itself be rewritten: every key read first, then the rows in chunks
    (a row given a new key is never visited twice)."""
    columns, function = rewrite
    query = select(*keys)
    if where is not None:
        query = query.where(where)
    all_keys = [tuple(r) for r in conn.execute(query.order_by(*keys)).all()]
    changed_rows = 0
    for chunk in chunks(all_keys):
        rows = conn.execute(select(*keys, *(c for c in columns if c not in keys)).where(key_in(keys, chunk))).all()
        updates = [(tuple(getattr(r, k.name) for k in keys), c) for r in rows if (c := function(r))]
        if updates:
            apply(conn, table, keys, updates)
        changed_rows += len(updates)
        progress(table.name, changed_rows)
    return changed_rows


def rewrite_table(
    conn: Connection,
    table: Table,
    columns: dict[Column[Any], Callable[[str], str]],
    progress: Progress,
    where: Any = None,
) -> int:
    """Rewrite independent text columns of a table, by its integer key when it has one the
    rewrite leaves alone, else by every key read first."""
    keys = tuple(table.primary_key.columns)
    rewrite = per_column(columns)
    if len(keys) == 1 and keys[0] not in columns and keys[0].type.python_type is int:
        return by_seq(conn, table, keys[0], rewrite, progress, where)
    return by_key(conn, table, keys, rewrite, progress, where)


def key_in(keys: tuple[Column[Any], ...], chunk: list[tuple[Any, ...]]) -> Any:
    if len(keys) == 1:
        return keys[0].in_([k[0] for k in chunk])
    return tuple_(*keys).in_(chunk)


def chunks(items: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
