"""Every stored identifier hash and card reference re-keyed to a new key version, in one
transaction with the version's row: a crash leaves all of it at the old version or all at the
new one, never a mix. The clear values are not needed (and not kept): version v hashes what
version v-1 made.

What holds hashes: the event log (card and account columns, the kept event and its decision),
the transfer index, list entries, reference data, the merchant registry, the vault and payment
tokens (card references), API keys and login sessions (keyed hashes of their secrets). Feature
snapshots are dropped (state is rebuilt from the re-keyed log). The audit log is not rewritten:
it is a hash chain, and its rows keep the hashes of their time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, select, tuple_, update
from sqlalchemy.engine import Connection

from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.tables import (
    api_keys,
    change_requests,
    change_stamps,
    event_log,
    list_entries,
    login_sessions,
    payment_tokens,
    reference_data,
    reference_history,
    registry,
    state_snapshots,
    transfers,
    vault_cards,
)
from fengkong.domain.lists.types import LIST_TYPES
from fengkong.domain.validation import HASHED_FIELDS

Rekey = Callable[[str], str]
Reseal = Callable[[str, str, bytes, str], bytes]  # (old ref, new ref, ciphertext, data key) -> ciphertext
Progress = Callable[[str, int], None]

_REF = re.compile(r"\bctk_[0-9a-f]{40}\b")
_HASH = re.compile(r"[0-9a-f]{64}")
_HASHED_PAIR = re.compile(r'("(?:' + "|".join(HASHED_FIELDS) + r')"\s*:\s*")([0-9a-f]{64})(")')
_HASHED_LISTS = frozenset(name for name, t in LIST_TYPES.items() if t.entity in ("person", "phone"))
_CHUNK = 1000


class SqlRekeying:
    """IdentifierRekeying over the shared Database."""

    def __init__(self, db: Database):
        self._db = db

    def key_version(self) -> int:
        return self._db.key_version()

    def rekey(self, rekey: Rekey, reseal: Reseal, to_version: int, progress: Progress) -> dict[str, int]:
        rewrite = _Rewriter(rekey)
        held = self._db.held_key_version()
        self._db.hold_key_version(to_version)
        try:
            with self._db.transaction() as conn:
                # First: PostgreSQL writers' commits wait on this row until the rotation ends.
                conn.execute(
                    update(change_stamps).where(change_stamps.c.source == stamps.KEY_VERSION).values(n=to_version)
                )
                counts = {
                    "event_log": _by_seq(
                        conn,
                        event_log,
                        event_log.c.seq,
                        {
                            event_log.c.card_id: rewrite.refs,
                            event_log.c.account_id: rewrite.refs,
                            event_log.c.counterparty_account_id: rewrite.refs,
                            event_log.c.record: rewrite.document,
                            event_log.c.decision_record: rewrite.document,
                        },
                        progress,
                    ),
                    "transfers": _by_seq(
                        conn,
                        transfers,
                        transfers.c.seq,
                        {transfers.c.from_account: rewrite.refs, transfers.c.to_account: rewrite.refs},
                        progress,
                    ),
                    "list_entries": _lists(conn, rewrite, progress),
                    "change_requests": _by_seq(
                        conn,
                        change_requests,
                        change_requests.c.id,
                        {change_requests.c.payload: rewrite.document},
                        progress,
                    ),
                    "reference_history": _by_seq(
                        conn,
                        reference_history,
                        reference_history.c.id,
                        {reference_history.c.entity_id: rewrite.refs, reference_history.c.record: rewrite.document},
                        progress,
                    ),
                    "reference_data": _by_key(
                        conn,
                        reference_data,
                        (reference_data.c.kind, reference_data.c.entity_id),
                        {reference_data.c.entity_id: rewrite.refs, reference_data.c.record: rewrite.document},
                        progress,
                    ),
                    "registry": _by_key(
                        conn,
                        registry,
                        (registry.c.kind, registry.c.entity_id),
                        {registry.c.identity_hash: rewrite.hash, registry.c.record: rewrite.document},
                        progress,
                    ),
                    "payment_tokens": _by_key(
                        conn,
                        payment_tokens,
                        (payment_tokens.c.token,),
                        {payment_tokens.c.card_ref: rewrite.refs},
                        progress,
                    ),
                    "api_keys": _by_key(
                        conn, api_keys, (api_keys.c.key_id,), {api_keys.c.secret_hash: rewrite.hash}, progress
                    ),
                    "login_sessions": _by_key(
                        conn,
                        login_sessions,
                        (login_sessions.c.session_id,),
                        {login_sessions.c.secret_hash: rewrite.hash},
                        progress,
                    ),
                    "vault_cards": _vault(conn, rekey, reseal, progress),
                }
                counts["state_snapshots"] = conn.execute(delete(state_snapshots)).rowcount
        except BaseException:
            self._db.hold_key_version(held)
            raise
        return counts


class _Rewriter:
    """The rewrite of each kind of stored text: a reference, a hash, a document holding both."""

    def __init__(self, rekey: Rekey):
        self._rekey = rekey

    def refs(self, text: str) -> str:
        """Card references wherever they appear (a column holding one, or text quoting one)."""
        return _REF.sub(lambda m: self._rekey(m.group()), text)

    def hash(self, text: str) -> str:
        return self._rekey(text) if _HASH.fullmatch(text) else text

    def document(self, text: str) -> str:
        """A kept JSON document: the fields the door hashes, and card references anywhere."""
        text = _HASHED_PAIR.sub(lambda m: m.group(1) + self._rekey(m.group(2)) + m.group(3), text)
        return self.refs(text)


def _changes(row: Any, columns: dict[Column[Any], Callable[[str], str]]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for column, rewrite in columns.items():
        value = getattr(row, column.name)
        if isinstance(value, str):
            new = rewrite(value)
            if new != value:
                changed[column.name] = new
    return changed


def _apply(
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


def _by_seq(
    conn: Connection,
    table: Table,
    seq: Column[Any],
    columns: dict[Column[Any], Callable[[str], str]],
    progress: Progress,
) -> int:
    """A table with an integer key that the rewrite does not change: read in key order, in chunks."""
    last, changed_rows = -1, 0
    while True:
        rows = conn.execute(select(seq, *columns).where(seq > last).order_by(seq).limit(_CHUNK)).all()
        if not rows:
            return changed_rows
        updates = [((getattr(r, seq.name),), c) for r in rows if (c := _changes(r, columns))]
        if updates:
            _apply(conn, table, (seq,), updates)
        changed_rows += len(updates)
        last = getattr(rows[-1], seq.name)
        progress(table.name, changed_rows)


def _by_key(
    conn: Connection,
    table: Table,
    keys: tuple[Column[Any], ...],
    columns: dict[Column[Any], Callable[[str], str]],
    progress: Progress,
) -> int:
    """A table whose key may itself be rewritten: every key read first, then the rows in chunks
    (a row given a new key is never visited twice)."""
    all_keys = [tuple(r) for r in conn.execute(select(*keys).order_by(*keys)).all()]
    changed_rows = 0
    for chunk in _chunks(all_keys):
        rows = conn.execute(select(*keys, *(c for c in columns if c not in keys)).where(_key_in(keys, chunk))).all()
        updates = [(tuple(getattr(r, k.name) for k in keys), c) for r in rows if (c := _changes(r, columns))]
        if updates:
            _apply(conn, table, keys, updates)
        changed_rows += len(updates)
        progress(table.name, changed_rows)
    return changed_rows


def _key_in(keys: tuple[Column[Any], ...], chunk: list[tuple[Any, ...]]) -> Any:
    if len(keys) == 1:
        return keys[0].in_([k[0] for k in chunk])
    return tuple_(*keys).in_(chunk)


def _chunks(items: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _lists(conn: Connection, rewrite: _Rewriter, progress: Progress) -> int:
    """A list's match key is a hash (people, phones), a card reference or a value kept as is."""
    c = list_entries.c
    last, changed_rows = -1, 0
    while True:
        rows = conn.execute(
            select(c.id, c.list_type, c.match_key, c.reason, c.evidence).where(c.id > last).order_by(c.id).limit(_CHUNK)
        ).all()
        if not rows:
            return changed_rows
        updates = []
        for r in rows:
            key = rewrite.hash(r.match_key) if r.list_type in _HASHED_LISTS else rewrite.refs(r.match_key)
            changed = {
                name: new
                for name, old, new in (
                    ("match_key", r.match_key, key),
                    ("reason", r.reason, rewrite.refs(r.reason)),
                    ("evidence", r.evidence, rewrite.refs(r.evidence)),
                )
                if new != old
            }
            if changed:
                updates.append(((r.id,), changed))
        if updates:
            _apply(conn, list_entries, (c.id,), updates)
        changed_rows += len(updates)
        last = rows[-1].id
        progress("list_entries", changed_rows)


def _vault(conn: Connection, rekey: Rekey, reseal: Reseal, progress: Progress) -> int:
    """A card's reference is its key, and its ciphertext is bound to it: sealed again under the
    same data key, bound to the new reference."""
    refs = [r[0] for r in conn.execute(select(vault_cards.c.card_ref).order_by(vault_cards.c.card_ref)).all()]
    done = 0
    for start in range(0, len(refs), _CHUNK):
        chunk = refs[start : start + _CHUNK]
        rows = conn.execute(
            select(vault_cards.c.card_ref, vault_cards.c.ciphertext, vault_cards.c.dek_id).where(
                vault_cards.c.card_ref.in_(chunk)
            )
        ).all()
        params = []
        for r in rows:
            new = rekey(r.card_ref)
            params.append({"k_ref": r.card_ref, "v_ref": new, "v_ct": reseal(r.card_ref, new, r.ciphertext, r.dek_id)})
        if params:
            conn.execute(
                update(vault_cards)
                .where(vault_cards.c.card_ref == bindparam("k_ref"))
                .values(card_ref=bindparam("v_ref"), ciphertext=bindparam("v_ct")),
                params,
            )
        done += len(params)
        progress("vault_cards", done)
    return done
