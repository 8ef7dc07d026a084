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
from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, select, update
from sqlalchemy.engine import Connection

from fengkong.adapters.sql import stamps
from fengkong.adapters.sql.database import Database
from fengkong.adapters.sql.rewrite import CHUNK, Progress, apply, rewrite_table
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
from fengkong.domain.identity.accounts import REFERENCE_IN_TEXT
from fengkong.domain.lists.types import LIST_TYPES
from fengkong.domain.validation import HASHED_FIELDS

Rekey = Callable[[str], str]
Reseal = Callable[[str, str, bytes, str], bytes]  # (old ref, new ref, ciphertext, data key) -> ciphertext

_REF = REFERENCE_IN_TEXT
_HASH = re.compile(r"[0-9a-f]{64}")
_HASHED_PAIR = re.compile(r'("(?:' + "|".join(HASHED_FIELDS) + r')"\s*:\s*")([0-9a-f]{64})(")')
_HASHED_LISTS = frozenset(name for name, t in LIST_TYPES.items() if t.entity in ("person", "phone"))


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
                refs, document, hashed = rewrite.refs, rewrite.document, rewrite.hash
                plan: list[tuple[Table, dict[Column[Any], Callable[[str], str]]]] = [
                    (
                        event_log,
                        {
                            event_log.c.card_id: refs,
                            event_log.c.account_id: refs,
                            event_log.c.counterparty_account_id: refs,
                            event_log.c.record: document,
                            event_log.c.decision_record: document,
                        },
                    ),
                    (transfers, {transfers.c.from_account: refs, transfers.c.to_account: refs}),
                    (change_requests, {change_requests.c.payload: document}),
                    (reference_history, {reference_history.c.entity_id: refs, reference_history.c.record: document}),
                    (reference_data, {reference_data.c.entity_id: refs, reference_data.c.record: document}),
                    (registry, {registry.c.identity_hash: hashed, registry.c.record: document}),
                    (payment_tokens, {payment_tokens.c.card_ref: refs}),
                    (api_keys, {api_keys.c.secret_hash: hashed}),
                    (login_sessions, {login_sessions.c.secret_hash: hashed}),
                ]
                counts = {table.name: rewrite_table(conn, table, columns, progress) for table, columns in plan}
                counts["list_entries"] = _lists(conn, rewrite, progress)
                counts["vault_cards"] = _vault(conn, rekey, reseal, progress)
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


def _lists(conn: Connection, rewrite: _Rewriter, progress: Progress) -> int:
    """A list's match key is a hash (people, phones), a card reference or a value kept as is."""
    c = list_entries.c
    last, changed_rows = -1, 0
    while True:
        rows = conn.execute(
            select(c.id, c.list_type, c.match_key, c.reason, c.evidence).where(c.id > last).order_by(c.id).limit(CHUNK)
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
            apply(conn, list_entries, (c.id,), updates)
        changed_rows += len(updates)
        last = rows[-1].id
        progress("list_entries", changed_rows)


def _vault(conn: Connection, rekey: Rekey, reseal: Reseal, progress: Progress) -> int:
    """A card's reference is its key, and its ciphertext is bound to it: sealed again under the
    same data key, bound to the new reference."""
    refs = [r[0] for r in conn.execute(select(vault_cards.c.card_ref).order_by(vault_cards.c.card_ref)).all()]
    done = 0
    for start in range(0, len(refs), CHUNK):
        chunk = refs[start : start + CHUNK]
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
