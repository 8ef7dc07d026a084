"""Identifier-hash key rotation (issue 12, part 4): every stored hash and card reference re-keyed,
decisions unchanged, a crash in the middle leaving the old version whole, a process still
running on the old keys committing nothing."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fengkong
from fengkong.bootstrap import rotate_identifier_keys
from fengkong.config import Settings
from fengkong.domain.access.roles import Permission
from fengkong.domain.decisions import Decision
from fengkong.domain.errors import Unavailable
from fengkong.domain.identity.resident_id import check_digit
from fengkong.simulate.world import simulate, synthetic_pan
from tests.access import cli_key, person
from tests.integration.helpers import essence

LISTED_PHONE = "13912345678"
LISTED_PAN = synthetic_pan(424242, "debit")
LISTED_ID = "11010519850615123" + check_digit("11010519850615123")
HISTORY_PAN = synthetic_pan(515151, "debit")
HISTORY_PHONE = "13700001111"


# Features keyed by the hashed entities, so that an answer shows whether their history survived.
RULE_FILE = Path(__file__).parent / "key_rotation_rules.yaml"
PACK = (Path(fengkong.__file__).parent / "rulepacks" / "default", RULE_FILE)


def _open(data_dir: Path) -> fengkong.Platform:
    return fengkong.embedded(data_dir, rule_paths=PACK)


def _event(event_id: str, minute: int, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "occurred_at": f"2026-11-20T10:{minute:02d}:00+08:00", **fields}


def _txn(event_id: str, minute: int, **fields: Any) -> dict[str, Any]:
    base = {"type": "transaction", "customer_id": "c-rot", "txn_type": "purchase", "channel": "pos", "amount": "88.00"}
    return _event(event_id, minute, **{**base, **fields})


HISTORY = [_txn(f"h{i}", 40 + i, card_id=HISTORY_PAN, phone=HISTORY_PHONE) for i in range(4)]
PROBES = [
    _txn("p-phone", 50, phone=LISTED_PHONE),
    _txn("p-card", 51, card_id=LISTED_PAN),
    _event(
        "p-open",
        52,
        type="account_open",
        customer_id="c-new",
        account_id="a-new",
        account_kind="bank",
        account_class="II",
        id_number=LISTED_ID,
        institution_id="bank-001",
    ),
    _txn("p-history", 53, card_id=HISTORY_PAN, phone=HISTORY_PHONE),
    _txn("p-history2", 54, card_id=" ".join([HISTORY_PAN[:4], HISTORY_PAN[4:8], HISTORY_PAN[8:]])),
]


def _decided(data_dir: Path, events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    with _open(data_dir) as platform:
        results = platform.engine.decide_many(events)
    assert all(isinstance(r, Decision) for r in results), results
    return [essence(r.to_dict()) for r in results if isinstance(r, Decision)]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with simulated traffic, entries on hashed lists, a card with history, a
    payment token, a merchant whose representative is known by hash, and API keys."""
    root = tmp_path_factory.mktemp("rotation") / "base"
    sim = simulate(customers=120, days=5, seed=3)
    with _open(root) as platform:
        for i in range(0, len(sim.events), 500):
            platform.engine.decide_many(sim.events[i : i + 500])
        for list_type, value in (("phone", LISTED_PHONE), ("card", LISTED_PAN), ("id_number", LISTED_ID)):
            platform.lists.add(list_type, value, actor="tests", reason="police notice", source="police")
        platform.engine.decide_many(HISTORY)
        platform.vault.issue(actor="tests", reason="wallet", card_number=HISTORY_PAN)
        platform.merchants.register_merchant(
            {"merchant_id": "m-rot", "name": "Shop", "mcc": "5411", "legal_rep_id_number": LISTED_ID}, actor="tests"
        )
    return root


@pytest.fixture()
def copies(base: Path, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    control, rotated = tmp_path / "control", tmp_path / "rotated"
    shutil.copytree(base, control)
    shutil.copytree(base, rotated)
    yield control, rotated


def _stored_text(data_dir: Path, skip: tuple[str, ...] = ("audit_log", "alembic_version")) -> str:
    conn = sqlite3.connect(data_dir / "fengkong.db")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        parts = []
        for table in tables:
            if table in skip:
                continue
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - our own table names
                parts.extend(str(v) for v in row if isinstance(v, str))
        return "\n".join(parts)
    finally:
        conn.close()


def _hashes(text: str) -> set[str]:
    import re

    return set(re.findall(r"(?:ctk|act)_[0-9a-f]{40}|\b[0-9a-f]{64}\b", text))


def test_rotation_rekeys_every_store_and_decides_as_before(copies: tuple[Path, Path]) -> None:
    control, rotated = copies
    secops_key = cli_key(rotated, "secops")
    before = _stored_text(rotated)
    old = _hashes(before)
    assert len(old) > 50  # card and account references, phone, name and ID hashes, key secrets
    assert any(h.startswith("act_") for h in old) and any(h.startswith("ctk_") for h in old)
    conn = sqlite3.connect(rotated / "fengkong.db")
    try:
        (token,) = conn.execute("SELECT token FROM payment_tokens").fetchone()
        (entries,) = conn.execute("SELECT count(*) FROM list_entries").fetchone()  # ours, and the labels'
        assert entries >= 3
        (entries,) = conn.execute("SELECT count(*) FROM list_entries").fetchone()  # ours, and the labels'
        assert entries >= 3
        assert conn.execute("SELECT count(*) FROM registry WHERE identity_hash IS NOT NULL").fetchone() == (1,)
    finally:
        conn.close()
    rotation = rotate_identifier_keys(Settings.embedded(rotated), actor="tests", reason="yearly")
    assert (rotation.from_version, rotation.to_version) == (1, 2)
    assert (
        rotation.rows["event_log"] > 0 and rotation.rows["vault_cards"] > 0 and rotation.rows["list_entries"] == entries
    )
    assert "v2:" in (rotated / "keys" / "identifier-hash.key").read_text()

    after = _stored_text(rotated)
    # consortium hashes (the key the member institutions share) are not this fengkong's to rotate
    consortium = set(re.findall(r'"shared_[a-z]+_hash"\s*:\s*"([0-9a-f]{64})"', before))
    left = {h for h in old - consortium if h in after}
    assert consortium and consortium <= _hashes(after)
    assert not left, f"{len(left)} hashes of key version 1 are still stored, e.g. {sorted(left)[:3]}"

    # The same new events get the same answers on the rotated copy as on the untouched one:
    # list matches by hash, and the card's history (its reference re-keyed) carries over.
    expected = _decided(control, PROBES)
    assert _decided(rotated, PROBES) == expected
    codes = {e[0]: {r[0] for r in e[3]} for e in expected}
    assert codes["p-phone"] and codes["p-card"] and codes["p-open"], codes  # the lists did match
    assert {"ROT_CARD_HISTORY", "ROT_PHONE_HISTORY"} <= codes["p-history"], codes  # and the history counted

    with _open(rotated) as platform:
        assert platform.engine.cards.reveal(platform.engine.validator._protector.card_reference(HISTORY_PAN)) == (
            HISTORY_PAN
        )
        assert platform.vault.detokenize(token, principal=person("ops", "secops"), purpose="fraud case") == HISTORY_PAN
        assert [r.action for r in platform.audit.records()][-2:] == [
            "keys.rotate_identifier_hash",
            "token.detokenize",
        ]
        assert platform.access.authenticate(secops_key).can(Permission.VAULT_KEYS)  # its hash re-keyed too


def test_a_process_on_the_old_keys_commits_nothing_after_a_rotation(copies: tuple[Path, Path]) -> None:
    _, rotated = copies
    running = _open(rotated)
    try:
        running.engine.decide(_txn("before", 1, card_id=HISTORY_PAN))
        rotate_identifier_keys(Settings.embedded(rotated), actor="tests", reason="yearly")
        with pytest.raises(Unavailable, match="re-keyed to key version 2"):
            running.engine.decide(_txn("after", 2, card_id=HISTORY_PAN))
    finally:
        running.close()
    conn = sqlite3.connect(rotated / "fengkong.db")
    try:
        assert conn.execute("SELECT count(*) FROM event_log WHERE event_id = 'after'").fetchone() == (0,)
    finally:
        conn.close()


def test_kill_during_rotation_leaves_the_old_version_whole(copies: tuple[Path, Path]) -> None:
    control, rotated = copies
    key = cli_key(rotated, "secops")
    command = [
        sys.executable,
        "-m",
        "fengkong",
        "vault",
        "rotate-hash-key",
        "--reason",
        "yearly",
        "--credential",
        key,
        "--data-dir",
        str(rotated),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stderr is not None
    line = process.stderr.readline()  # the first chunk of the event log is re-keyed
    assert line.startswith(b"re-keying event_log"), line
    process.kill()
    assert process.wait(timeout=30) == -9  # killed inside the transaction, not after it

    conn = sqlite3.connect(rotated / "fengkong.db")
    try:
        assert conn.execute("SELECT n FROM change_stamps WHERE source = 'identifier_keys'").fetchone() == (1,)
    finally:
        conn.close()
    assert _hashes(_stored_text(control)) <= _hashes(_stored_text(rotated))  # every version-1 hash still there
    expected = _decided(control, PROBES)
    assert _decided(rotated, PROBES) == expected  # version 1 in force, whole

    done = subprocess.run(command, capture_output=True, timeout=300, check=True)  # run again: completes
    assert b'"to_version": 2' in done.stdout
    assert (rotated / "keys" / "identifier-hash.key").read_text().count("\n") == 2  # no third key
    more = [_txn(f"q{i}", 20 + i, card_id=HISTORY_PAN, phone=LISTED_PHONE) for i in range(2)]
    assert _decided(rotated, more) == _decided(control, more)


def test_rotation_on_postgresql_with_redis_state(pg_url: str, redis_namespace: str, tmp_path: Path) -> None:
    """The production profile: the rotated database and a copy left alone (a template copy) decide
    the same new events alike; Redis state built on the old keys is rebuilt, not reused."""
    from sqlalchemy import create_engine, text

    from tests.conftest import REDIS_URL

    def settings(url: str, namespace: str) -> Settings:
        return Settings.embedded(
            tmp_path / "keys-home",
            rule_paths=PACK,
            database_url=url,
            state_backend="redis",
            redis_url=REDIS_URL,
            redis_namespace=namespace,
        )

    main = settings(pg_url, redis_namespace)
    with fengkong.build_platform(main) as platform:
        platform.engine.decide_many(HISTORY)
        for list_type, value in (("phone", LISTED_PHONE), ("card", LISTED_PAN), ("id_number", LISTED_ID)):
            platform.lists.add(list_type, value, actor="tests", reason="police notice", source="police")
        platform.merchants.register_merchant(
            {"merchant_id": "m-rot", "name": "Shop", "mcc": "5411", "legal_rep_id_number": LISTED_ID}, actor="tests"
        )
    control_db = pg_url.rsplit("/", 1)[1] + "_control"
    admin = create_engine(pg_url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{control_db}" TEMPLATE "{pg_url.rsplit("/", 1)[1]}"'))
        control = settings(pg_url.rsplit("/", 1)[0] + f"/{control_db}", f"{redis_namespace}:control")

        running = fengkong.build_platform(main)  # a process still up during the rotation
        try:
            rotation = rotate_identifier_keys(main, actor="tests", reason="yearly")
            assert rotation.rows["list_entries"] == 3 and rotation.rows["registry"] == 1
            with pytest.raises(Unavailable, match="re-keyed"):
                running.engine.decide(_txn("late", 50, card_id=HISTORY_PAN))
        finally:
            running.close()

        def decided(s: Settings) -> list[tuple[Any, ...]]:
            with fengkong.build_platform(s) as platform:
                return [essence(r.to_dict()) for r in platform.engine.decide_many(PROBES) if isinstance(r, Decision)]

        expected = decided(control)
        assert len(expected) == len(PROBES) and decided(main) == expected
        assert {r[0] for r in expected[0][3]} and {r[0] for r in expected[1][3]}  # phone and card lists matched
        assert {"ROT_CARD_HISTORY", "ROT_PHONE_HISTORY"} <= {r[0] for r in expected[3][3]}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{control_db}" WITH (FORCE)'))
        admin.dispose()
