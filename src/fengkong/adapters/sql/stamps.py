"""Change stamps: `bump` in the transaction of every write to a cached source; `read` to see
whether it moved. A counter, not a clock or a row count: it moves on every write, whoever makes
it and whatever the clocks of the nodes say."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from fengkong.adapters.sql.tables import change_stamps

# Not a counter: the identifier-hash key version the stored hashes are made with.
KEY_VERSION = "identifier_keys"
# Not a counter: 1 once account numbers are kept as references (0: a database from before).
ACCOUNT_REFERENCES = "account_references"


def bump(conn: Connection, source: str) -> None:
    conn.execute(update(change_stamps).where(change_stamps.c.source == source).values(n=change_stamps.c.n + 1))


def read(conn: Connection, source: str) -> int:
    return int(conn.execute(select(change_stamps.c.n).where(change_stamps.c.source == source)).scalar() or 0)
