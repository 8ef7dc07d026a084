"""Account numbers at rest (issue 12, part 4): kept as keyed references and sealed in the vault,
matched by lists and reference data however they are typed, revealed only to the secops role;
a database from before account references is turned over once and then decides as a new one."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import fengkong
from fengkong.bootstrap import protect_account_numbers
from fengkong.config import Settings
from fengkong.domain.decisions import Decision
from fengkong.domain.errors import InputError, NotPermitted
from tests.access import person
from tests.integration.helpers import essence, run_fengkong

CORPORATE = "110060149018001234567"  # 21 digits: not a card number
PAYEE = "31001588416050004321"
MULE = "6230 5820 0001 2345"  # 16 digits, not Luhn-valid: an account number, grouped


def _transfer(event_id: str, minute: int, source: str, payee: str, amount: str = "500.00") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "transaction",
        "occurred_at": f"2026-11-20T10:{minute:02d}:00+08:00",
        "customer_id": f"c-{event_id}",
        "account_id": source,
        "account_kind": "bank",
        "account_class": "I",
        "counterparty_account_id": payee,
        "txn_type": "transfer",
        "channel": "mobile_banking",
        "amount": amount,
    }


def _stored(data_dir: Path) -> str:
    conn = sqlite3.connect(data_dir / "fengkong.db")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(
            str(v)
            for t in tables
            for row in conn.execute(f"SELECT * FROM {t}")  # noqa: S608 - our own table names
            for v in row
            if isinstance(v, str)
        )
    finally:
        conn.close()


def test_account_numbers_are_references_matched_however_typed_and_revealed_only_to_secops(tmp_path: Path) -> None:
    with fengkong.embedded(tmp_path / "d") as platform:
        platform.lists.add(
            "involved_account", "1100 6014 9018 0012 34567", actor="ops", reason="notice", source="police"
        )
        platform.reference.set(
            "transfer_agreement",
            CORPORATE.lower() + " ",
            {"to_account_daily_amount": "300.00"},
            actor="ops",
            reason="customer's agreement",
        )
        listed = platform.engine.decide(_transfer("t1", 0, PAYEE, CORPORATE))  # the listed account as payee
        sent = platform.engine.decide(_transfer("t2", 1, CORPORATE, PAYEE))  # over its agreement
        record = platform.events.find_events(["t2"])["t2"].record
        assert re.fullmatch(r"act_[0-9a-f]{40}", record["account_id"]) and record["account_masked"] == "****4567"
        assert record["counterparty_masked"] == "****4321"
        assert platform.reference.get("transfer_agreement", CORPORATE) == {"to_account_daily_amount": "300.00"}

        with pytest.raises(NotPermitted):
            platform.vault.detokenize(record["account_id"], principal=person("ana", "analyst"), purpose="case 9")
        shown = platform.vault.detokenize(record["account_id"], principal=person("sec", "secops"), purpose="case 9")
        assert shown == CORPORATE
        assert [r.action for r in platform.audit.records()][-2:] == ["token.detokenize_refused", "token.detokenize"]
    assert listed.decision.value != "approve" and any("LIST" in r.code or "INVOLVED" in r.code for r in listed.reasons)
    assert sent.decision.value != "approve", sent.to_dict()
    stored = _stored(tmp_path / "d")
    assert CORPORATE not in stored and PAYEE not in stored
    with pytest.raises(InputError, match="account_id"):
        fengkong.in_memory().engine.decide(_transfer("t3", 2, " " * 3, PAYEE))


def test_a_database_from_before_account_references_is_turned_over_once(tmp_path: Path) -> None:
    """An old database is made from a new one by putting every account number back in clear the
    way the code before kept it; turned over, it decides new events as the new one does."""
    events = [_transfer("o1", 0, CORPORATE, MULE, "900.00"), _transfer("o2", 5, MULE.replace(" ", ""), PAYEE, "800.00")]
    new, old = tmp_path / "new", tmp_path / "old"
    with fengkong.embedded(new) as platform:
        platform.engine.decide_many(events)
        platform.lists.add("involved_account", PAYEE, actor="ops", reason="notice", source="police")
        platform.reference.set(
            "transfer_agreement", CORPORATE, {"to_account_daily_amount": "1000.00"}, actor="ops", reason="agreement"
        )
        numbers = {n: platform.lists.key_of("involved_account", n) for n in (CORPORATE, MULE, PAYEE)}
    shutil.copytree(new, old)
    conn = sqlite3.connect(old / "fengkong.db")
    with conn:
        for number, ref in numbers.items():
            clear = number.replace(" ", "")
            for table, column in (
                ("event_log", "account_id"),
                ("event_log", "counterparty_account_id"),
                ("transfers", "from_account"),
                ("transfers", "to_account"),
                ("list_entries", "match_key"),
                ("reference_data", "entity_id"),
                ("reference_history", "entity_id"),
            ):
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (clear, ref))  # noqa: S608
            conn.execute("UPDATE list_entries SET display = ? WHERE match_key = ?", (clear, clear))
            conn.execute("DELETE FROM vault_cards WHERE card_ref = ?", (ref,))
        for seq, text in conn.execute("SELECT seq, record FROM event_log").fetchall():
            record = json.loads(text)
            for name, masked in (("account_id", "account_masked"), ("counterparty_account_id", "counterparty_masked")):
                record.pop(masked, None)
                record[name] = {v: k.replace(" ", "") for k, v in numbers.items()}.get(record[name], record[name])
            conn.execute("UPDATE event_log SET record = ? WHERE seq = ?", (json.dumps(record), seq))
        conn.execute("UPDATE change_stamps SET n = 0 WHERE source = 'account_references'")
    conn.close()
    assert CORPORATE in _stored(old)

    with pytest.raises(InputError, match="protect-accounts"):
        fengkong.embedded(old)
    upgraded = subprocess.run(
        [sys.executable, "-m", "fengkong", "db", "upgrade", "--data-dir", str(old)], capture_output=True, timeout=300
    )
    assert upgraded.returncode == 0 and b"db protect-accounts" in upgraded.stderr
    rows = json.loads(run_fengkong("db", "protect-accounts", "--data-dir", str(old)))
    assert rows["event_log"] == 2 and rows["list_entries"] == 1 and rows["numbers_sealed"] == 3
    with pytest.raises(InputError, match="already"):
        protect_account_numbers(Settings.embedded(old), actor="cli:ops")
    assert not any(n.replace(" ", "") in _stored(old) for n in numbers)

    probes = [_transfer("p1", 10, MULE, PAYEE, "100.00"), _transfer("p2", 11, CORPORATE, PAYEE, "700.00")]

    def decided(data_dir: Path) -> list[tuple[Any, ...]]:
        with fengkong.embedded(data_dir) as platform:
            return [essence(d.to_dict()) for d in platform.engine.decide_many(probes) if isinstance(d, Decision)]

    expected = decided(new)
    assert decided(old) == expected and len(expected) == 2
    assert all(e[1] != "approve" for e in expected)  # the listed payee; the agreement's total
    with fengkong.embedded(old) as platform:
        (entry,) = platform.lists.lookup("involved_account", PAYEE)
        assert entry.display == "****4321"
        shown = platform.vault.detokenize(
            platform.lists.key_of("involved_account", MULE), principal=person("sec", "secops"), purpose="case"
        )
        assert shown == MULE.replace(" ", "")
