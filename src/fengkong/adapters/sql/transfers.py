"""The transfer index for fund tracing on SQL, written in the commit of its events (with the
driver's executemany: it is on the decision path)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import transfers
from fengkong.domain.tracing import Transfer

_CHUNK = 500


class SqlTransferLog:
    """TransferLog over the shared Database."""

    def __init__(self, db: Database):
        self._db = db
        marker = "?" if db.paramstyle == "qmark" else "%s"
        self._insert_sql = (
            "INSERT INTO transfers (event_id, ts, from_account, to_account, amount_fen, decision) "
            f"VALUES ({', '.join([marker] * 6)})"
        )

    def record(self, moves: Sequence[tuple[Transfer, str]]) -> None:
        if not moves:
            return
        rows = [(t.event_id, t.ts, t.from_account, t.to_account, t.amount_fen, decision) for t, decision in moves]
        with self._db.transaction() as conn:
            conn.exec_driver_sql(self._insert_sql, rows)

    def settle(self, event_id: str, decision: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(update(transfers).where(transfers.c.event_id == event_id).values(decision=decision))

    def get(self, event_id: str) -> Transfer | None:
        with self._db.connect() as conn:
            r = conn.execute(select(transfers).where(transfers.c.event_id == event_id)).first()
        return None if r is None else Transfer(r.event_id, r.ts, r.from_account, r.to_account, int(r.amount_fen))

    def outgoing(self, accounts: Sequence[str], since: float, until: float) -> list[Transfer]:
        accounts = list(dict.fromkeys(accounts))  # each account once, whatever chunk it falls in
        out: list[Transfer] = []
        with self._db.connect() as conn:
            for i in range(0, len(accounts), _CHUNK):
                stmt = (
                    select(
                        transfers.c.event_id,
                        transfers.c.ts,
                        transfers.c.from_account,
                        transfers.c.to_account,
                        transfers.c.amount_fen,
                    )
                    .where(
                        transfers.c.from_account.in_(accounts[i : i + _CHUNK]),
                        transfers.c.ts >= since,
                        transfers.c.ts <= until,
                        transfers.c.decision == "approve",
                    )
                    .order_by(transfers.c.seq)
                )
                out.extend(Transfer(r[0], r[1], r[2], r[3], int(r[4])) for r in conn.execute(stmt))
        return out
