"""Planted sensitive values, sent through every public interface, are nowhere in clear afterwards.

Distinct card numbers (in the card fields and in ids, usernames, free text, nested objects;
plain, spaced, dashed, dotted), CVN, PIN, expiry, track and chip data and passwords under many
field names, and a phone, a name and a resident ID, go into accepted and rejected events through
`fengkong score` (a subprocess on a temporary data directory, followed by the analytics export of
`fengkong monitor cashout`), the embedded platform and the HTTP API. Then every byte of the data
directories (the SQLite database cell by cell, the Parquet export row by row, any other file),
every answer, error message and captured log line is scanned for each planted value
(tests/secret_scan.py). A new store is covered by writing into a data directory scanned here, or
by adding its text to the blobs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import fengkong
from fengkong.domain.identity.resident_id import check_digit
from fengkong.domain.sensitive import luhn_valid
from tests.secret_scan import Hit, Planted, found_by_kind, scan

pytestmark = pytest.mark.slow  # subprocesses

CARD_SECURITY = ("card", "cvn", "pin", "expiry", "track", "password")
PERSONAL = ("phone", "name", "resident_id", "account")
KINDS = (*CARD_SECURITY, *PERSONAL)


def _pan(body: str) -> str:
    """`body` completed with its Luhn check digit."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _grouped(pan: str, sep: str) -> str:
    return sep.join(pan[i : i + 4] for i in range(0, len(pan), 4))


def _full_width(text: str) -> str:
    """As a Chinese input method types it: full-width digits and spaces."""
    return text.translate(str.maketrans("0123456789 ", "０１２３４５６７８９\u3000"))


def _resident_id(first17: str) -> str:
    return first17 + check_digit(first17)


class Plants:
    """Makes each planted value once and remembers it with its kind and where it went."""

    def __init__(self) -> None:
        self.items: list[Planted] = []

    def __call__(self, kind: str, label: str, value: str) -> str:
        self.items.append(Planted(kind, label, value))
        return value


def planted_events() -> tuple[list[str], list[Planted]]:
    """JSON lines to send (accepted events, rejected events, broken JSON) and what they plant."""
    p = Plants()
    occurred = "2024-03-01T10:{:02d}:00+08:00"
    card = p("card", "card_id", _pan("622202731504182"))
    spaced_card = p("card", "card_id spaced", _grouped(_pan("622848193047285"), " "))
    dashed_account = p("card", "account_id dashed", _grouped(_pan("621700584930174"), "-"))
    dotted_payee = p("card", "counterparty dotted", _grouped(_pan("625807300418269"), "."))
    events: list[dict[str, Any]] = [
        {
            "event_id": "open-1",
            "type": "account_open",
            "occurred_at": occurred.format(0),
            "customer_id": "cust-open",
            "account_id": p("account", "account_id (a 21-digit bank account)", "110060149018001234567"),
            "account_kind": "bank",
            "account_class": "II",
            "id_number": p("resident_id", "id_number", _resident_id("11010819830412352")),
            "name": p("name", "name", "司马青衫"),
            "phone": p("phone", "phone", "13971426085"),
            "verification_channels": 2,
        },
        {
            "event_id": "pay-acct",
            "type": "transaction",
            "occurred_at": occurred.format(1),
            "customer_id": "cust-open",
            "account_id": "1100 6014 9018 0012 34567",  # the same account, grouped
            "counterparty_account_id": p("account", "counterparty_account_id", "31001588416050004321"),
            "txn_type": "transfer",
            "channel": "mobile_banking",
            "amount": "50.00",
        },
        {
            "event_id": "pay-1",
            "type": "transaction",
            "occurred_at": occurred.format(1),
            "customer_id": "cust-" + p("card", "in customer_id", _pan("436742519028374")),
            "account_id": dashed_account,
            "counterparty_account_id": dotted_payee,
            "card_id": card,
            "txn_type": "transfer",
            "channel": "quick_pay",
            "amount": "120.00",
            "device_id": "dev_" + p("card", "in device_id", _pan("622588014720593")),
            "user_agent": "Mozilla/5.0 card " + p("card", "in user_agent", _grouped(_pan("621483205719364"), " ")),
            "location": {"city": "Beijing " + p("card", "in location.city", _pan("622609184305716")), "country": "CN"},
            "phone": p("phone", "phone (transaction, dashed)", "139-7142-6091"),
            "cvv_code": p("cvn", "cvv_code", "7318"),
            "cardCvc": p("cvn", "cardCvc", "8524"),
            "CVN2": p("cvn", "CVN2", "9641"),
            "pin_code": p("pin", "pin_code", "408153"),
            "atm_pin": p("pin", "atm_pin", "592604"),
            "pinBlock": p("pin", "pinBlock", "0412A7F3C9E81D26"),
            "expiryDate": p("expiry", "expiryDate", "11/29"),
            "exp_month": p("expiry", "exp_month + exp_year", "2029-07"),
            "card_exp": p("expiry", "card_exp", "0831"),
            "track2Data": p("track", "track2Data", f"{card}=29112010000071300000"),
            "iccData": p("track", "iccData", "9F2608C2E1A3B4D5F6A7B89F2701"),
            "atm_password": p("password", "atm_password", "Orchid-5501!"),
            "loginPwd": p("password", "loginPwd", "TeaHouse#8842"),
            "payPassword": p("password", "payPassword", "Lantern.3307"),
            "pass_code": p("password", "pass_code", "Kite-77-Harbor"),
            "note": "please refund to card " + p("card", "free text dashed", _grouped(_pan("625000481930275"), "-")),
            "memo": "short card " + p("card", "free text 13 digits", _pan("422200001234")),
            "备注": "卡号"
            + p("card", "free text, full-width digits", _full_width(_grouped(_pan("622588309174620"), " "))),
            "meta": {
                "payer": {
                    "card": p("card", "nested", _pan("622155093817264")),
                    "pwd": p("password", "meta.payer.pwd", "Glacier~6610"),
                },
                "history": ["x", p("card", "in a list, spaced", _grouped(_pan("622280419305817"), " "))],
                "security": {
                    "cvv2": p("cvn", "meta.security.cvv2", "3175"),
                    "expiry": p("expiry", "nested expiry", "04/31"),
                },
                "cards": [
                    {
                        "number": int(p("card", "a JSON number in a list of objects", _pan("622303918274650"))),
                        "security_code": p("cvn", "cards[0].security_code", "2864"),
                        "valid_thru": p("expiry", "cards[0].valid_thru", "12/32"),
                        "Track1": p("track", "cards[0].Track1", "%B6223039182746501^ZHANG/SAN^3212101000000000?"),
                        "chip_data": p("track", "cards[0].chip_data", "9F10120110A00003220000000000000000000000FF"),
                    }
                ],
                p("card", "a card number as a key", _pan("622310475829163")): "x",
            },
        },
        {
            "event_id": "repay-1",
            "type": "repayment",
            "occurred_at": occurred.format(8),
            "customer_id": "cust-open",
            "card_id": p("card", "repayment card_id dotted", _grouped(_pan("625917360482913"), ".")),
            "amount": "500.00",
            "txnPwd": p("password", "txnPwd", "Willow^2245"),
            "userPassword": p("password", "userPassword", "Ferry+6630"),
            "PWD": p("password", "PWD", "Summit=9091"),
            "cvc2": p("cvn", "cvc2", "4721"),
            "pin-block": p("pin", "pin-block", "04A91F6C2D3E7B58"),
            "Track2": p("track", "Track2", "6259173604829138D32122010000000000"),
        },
        {
            "event_id": "pay-2",
            "type": "transaction",
            "occurred_at": occurred.format(2),
            "customer_id": "cust-open",
            "card_id": spaced_card,
            "txn_type": "purchase",
            "channel": "pos",
            "amount": "36.50",
            "terminal_id": "T" + p("card", "in terminal_id", _pan("621226083719452")),
        },
        {
            "event_id": "login-1",
            "type": "login",
            "occurred_at": occurred.format(3),
            "customer_id": "cust-open",
            "username": p("card", "username spaced", _grouped(_pan("622700193846205"), " ")),
            "success": False,
            "method": "password",
            "password": p("password", "password", "Bamboo&River22"),
            "newPassword": p("password", "newPassword", "Bamboo&River23"),
        },
        {
            "event_id": "bind-1",
            "type": "card_bind",
            "occurred_at": occurred.format(4),
            "customer_id": "cust-open",
            "card_id": p("card", "card_id dashed", _grouped(_pan("622908357120496"), "-")),
            "account_id": p("card", "account_id full-width", _full_width(_pan("622848017392654"))),
            "bind_to": "app-x",
            "phone": p("phone", "phone (card bind)", "13971426102"),
            "expiration_date": p("expiry", "expiration_date", "2030-02"),
            "card-pin": p("pin", "card-pin", "731946"),
        },
    ]
    rejected: list[dict[str, Any]] = [
        {
            "event_id": "bad-1",
            "type": "transaction",
            "occurred_at": occurred.format(5),
            "txn_type": "purchase",
            "channel": p("card", "bad channel", _pan("622202918374650")),
            "amount": "-1",
            "card_id": p("card", "card_id of a rejected event", _pan("622202604817395")),
            "cvv_code": p("cvn", "cvv_code of a rejected event", "6082"),
            "loginPwd": p("password", "loginPwd of a rejected event", "Mulberry*4471"),
        },
        {
            "event_id": "bad-2",
            "type": "transaction",
            "occurred_at": p("card", "bad occurred_at", _grouped(_pan("622202839104756"), " ")),
            "txn_type": "purchase",
            "channel": "pos",
            "amount": "card " + p("card", "bad amount", _pan("622202510384927")),
            "ip": p("card", "bad ip", _pan("622202176039485")),
            "currency": p("card", "bad currency", _pan("622202057391846")),
            "auth_factors": [p("card", "bad factor", _pan("622202470918365"))],
            "statement_due_date": p("card", "bad date", _pan("622202385019476")),
        },
        {
            "event_id": "bad-3",
            "type": p("card", "bad type", _pan("622202294817305")),
            "occurred_at": occurred.format(6),
            "PIN": int(p("pin", "PIN as a number in a rejected event", "482915")),
            "card_id": int(p("card", "card_id as a JSON number", _pan("622202731946058"))),
        },
        {
            "event_id": "bad-4",
            "type": "account_open",
            "occurred_at": occurred.format(7),
            "account_id": "acct-bad",
            "id_number": p("resident_id", "bad id_number (check digit)", "11010819830412353" + "0"),
            "name": p("name", "name of a rejected event", "欧阳明远"),
            "phone": p("phone", "phone of a rejected event", "13971426113"),
            "verification_channels": "many",
        },
    ]
    lines = [json.dumps(e, ensure_ascii=False) for e in [*events, *rejected]]
    broken_card = p("card", "broken JSON, dashed", _grouped(_pan("622202648193027"), "-"))
    broken_cvn = p("cvn", "broken JSON cvv2", "5093")
    broken_pwd = p("password", "broken JSON atm_password", "Pagoda_9913")
    lines.append(
        f'{{"event_id": "bad-5", "card_id": "{broken_card}", "cvv2": "{broken_cvn}", '
        f'"atm_password": "{broken_pwd}", broken'
    )
    return lines, p.items


@dataclass
class Run:
    planted: list[Planted]
    directories: list[Path]
    blobs: dict[str, bytes | str]

    @cached_property
    def hits(self) -> list[Hit]:
        return scan(self.planted, self.directories, self.blobs)


def _cli(args: list[str], data: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "FENGKONG_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "fengkong", *args], input=stdin, capture_output=True, env=env, timeout=180, check=False
    )


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    lines, planted = planted_events()
    blobs: dict[str, bytes | str] = {}
    # 1. the command line: `fengkong score`, then the analytics export
    cli_data = tmp_path_factory.mktemp("cli-data")
    scored = _cli(["score"], cli_data, "\n".join(lines).encode())
    assert scored.returncode == 0, scored.stderr.decode()
    answers = [json.loads(line) for line in scored.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert sum("error" in a for a in answers) == 5, answers  # the four bad events and the broken line
    blobs |= {"score stdout": scored.stdout, "score stderr": scored.stderr}
    monitored = _cli(["monitor", "cashout"], cli_data)
    assert monitored.returncode == 0, monitored.stderr.decode()
    assert list(cli_data.rglob("*.parquet")), "the analytics export wrote no Parquet file"
    blobs |= {"monitor stdout": monitored.stdout, "monitor stderr": monitored.stderr}
    # 2. the embedded platform, with every log record captured
    embedded_data = tmp_path_factory.mktemp("embedded-data")
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Capture(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(exc_text)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    errors: list[str] = []
    try:
        with fengkong.embedded(embedded_data) as platform:
            for line in lines:
                try:
                    decision = platform.engine.decide(line)
                    errors.append(json.dumps(decision.to_dict(), ensure_ascii=False))
                except fengkong.InvalidEventError as exc:
                    errors.append(f"{exc} | {exc.error.to_dict()}")
            errors.extend(repr(r) for r in platform.engine.log.rejected(limit=100))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    blobs |= {"embedded answers and errors": "\n".join(errors), "embedded log records": "\n".join(records)}
    yield Run(planted, [cli_data, embedded_data], blobs)


def _report(hits: list[Hit], kinds: tuple[str, ...]) -> str:
    counts = found_by_kind([h for h in hits if h.planted.kind in kinds], kinds)
    shown = "\n".join(str(h) for h in hits if h.planted.kind in kinds)[:6000]
    return f"found in clear (planted values per class): {counts}\n{shown}"


def test_the_scan_sees_what_it_should(planted_run: Run) -> None:
    """The scan is no blind check: a value that is stored is found, in the event log's JSON, in
    the Parquet export (compressed) and in the answers."""
    probe = [Planted("probe", "customer id", "cust-open"), Planted("probe", "event id", "open-1")]
    places = {h.where.rsplit("::", 1)[-1] for h in scan(probe, planted_run.directories, planted_run.blobs)}
    assert {"event_log.record", "rows", "score stdout"} <= places, places


@pytest.mark.parametrize("kind", CARD_SECURITY)
def test_no_card_number_card_security_data_or_password_in_clear(planted_run: Run, kind: str) -> None:
    hits = [h for h in planted_run.hits if h.planted.kind == kind]
    assert not hits, _report(hits, (kind,))


@pytest.mark.parametrize("kind", PERSONAL)
def test_no_phone_name_or_resident_id_in_clear(planted_run: Run, kind: str) -> None:
    hits = [h for h in planted_run.hits if h.planted.kind == kind]
    assert not hits, _report(hits, (kind,))


def test_a_refused_name_is_masked(planted_run: Run) -> None:
    """A refused event keeps the name masked, as an accepted one does (name_masked, name_hash)."""
    hits = [h for h in planted_run.hits if h.planted.label == "name of a rejected event"]
    assert not hits, _report(hits, ("name",))


def test_http_answers_and_store(full_pack_client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The same events over HTTP: the answers (errors included), the log and the store behind them."""
    lines, planted = planted_events()
    answers: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for line in lines:
            answers.append(full_pack_client.post("/v1/events", content=line.encode()).text)
        batch = full_pack_client.post("/v1/events:batch", content=("[" + ",".join(lines[:-1]) + "]").encode())
        answers.append(batch.text)
        rejected = full_pack_client.get("/v1/rejected")
        assert rejected.status_code == 200, rejected.text
        answers.append(rejected.text)
    assert sum('"error"' in a for a in answers[: len(lines)]) == 5, answers
    hits = scan(planted, [tmp_path], {"HTTP answers": "\n".join(answers), "log": caplog.text})
    kinds = KINDS
    assert not [h for h in hits if h.planted.kind in kinds], _report(hits, kinds)
