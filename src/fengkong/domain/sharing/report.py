"""A shared report as it travels between member institutions, and the exact bytes its reporter
signs.

The signed bytes are a canonical JSON text (keys sorted, no spaces, ASCII only, a format tag
first) of the report's fields, so any implementation can rebuild them from the fields alone.
The reporter is not a field: it is the member certificate that signed (who reports is proven,
never stated).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fengkong.domain.errors import InputError
from fengkong.domain.sharing.subjects import SUBJECT_TYPES

REPORT_FORMAT = "fengkong-shared-report/1"
RISK_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
REPORT_ID = re.compile(r"^[0-9a-f]{32}$")
SUBJECT_HASH = re.compile(r"^[0-9a-f]{64}$")
MAX_CLOCK_SKEW = timedelta(minutes=5)  # a report from the future by more than this is refused
MAX_AMOUNT_FEN = 10**15
MAX_CARDS = 10**6
MAX_SIGNATURE_BYTES = 256
MAX_CERTIFICATE_CHARS = 16_384


@dataclass(frozen=True, slots=True)
class ReportBody:
    """What a member reports: a subject (by its consortium hash), a risk type, and for cash-out
    the amount (integer fen) and number of cards involved. `consent_to_disclose`: the reporter
    agrees that others may learn who reported (003 §4.1.2: nobody discloses it without)."""

    report_id: str  # 128 random bits in hex: a report is accepted once (replays are refused)
    subject_type: str
    subject_hash: str
    risk_type: str
    reported_at: datetime
    amount_fen: int | None = None
    card_count: int | None = None
    consent_to_disclose: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "subject_type": self.subject_type,
            "subject_hash": self.subject_hash,
            "risk_type": self.risk_type,
            "reported_at": _iso(self.reported_at),
            "amount_fen": self.amount_fen,
            "card_count": self.card_count,
            "consent_to_disclose": self.consent_to_disclose,
        }

    def signed_bytes(self) -> bytes:
        """The bytes the reporter signs (ECDSA P-256 / SHA-256 over them).

        >>> body = ReportBody("0" * 32, "card", "a" * 64, "cash_out", datetime(2026, 1, 1, tzinfo=UTC))
        >>> body.signed_bytes()[:60]
        b'{"amount_fen":null,"card_count":null,"consent_to_disclose":f'
        """
        document = {**self.to_dict(), "format": REPORT_FORMAT}
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    @staticmethod
    def from_dict(data: object, now: datetime) -> ReportBody:
        """A report as received; InputError names the field (`report.<name>`) that is wrong."""
        if not isinstance(data, Mapping):
            raise InputError("report", "must be an object")
        unknown = set(data) - _FIELDS
        if unknown:
            raise InputError(
                f"report.{sorted(unknown)[0]}", f"not a report field; fields: {', '.join(sorted(_FIELDS))}"
            )
        report_id = _text(data, "report_id", REPORT_ID, "32 lower-case hex characters (a random id)")
        subject_type = _text(data, "subject_type")
        if subject_type not in SUBJECT_TYPES:
            raise InputError("report.subject_type", f"one of {', '.join(SUBJECT_TYPES)}")
        subject_hash = _text(data, "subject_hash", SUBJECT_HASH, "the consortium-keyed SM3 hash: 64 hex characters")
        risk_type = _text(data, "risk_type", RISK_TYPE, "a lower-case word such as telecom_fraud, cash_out")
        reported_at = _time(data.get("reported_at"))
        if reported_at > now + MAX_CLOCK_SKEW:
            raise InputError("report.reported_at", "is in the future (check the reporter's clock)")
        consent = data.get("consent_to_disclose", False)
        if not isinstance(consent, bool):
            raise InputError("report.consent_to_disclose", "must be true or false")
        return ReportBody(
            report_id,
            subject_type,
            subject_hash,
            risk_type,
            reported_at,
            _count(data, "amount_fen", MAX_AMOUNT_FEN),
            _count(data, "card_count", MAX_CARDS),
            consent,
        )


@dataclass(frozen=True, slots=True)
class SignedReport:
    """A report with its reporter's signature and member certificate (PEM; the chain to the
    members' CA may follow the leaf)."""

    body: ReportBody
    signature: bytes  # DER-encoded ECDSA signature over `body.signed_bytes()`
    certificate_pem: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.body.to_dict(),
            "signature": base64.b64encode(self.signature).decode(),
            "certificate": self.certificate_pem,
        }

    @staticmethod
    def from_dict(data: object, now: datetime) -> SignedReport:
        if not isinstance(data, Mapping):
            raise InputError("(body)", "a signed report is an object: report, signature, certificate")
        body = ReportBody.from_dict(data.get("report"), now)
        raw = data.get("signature")
        if not isinstance(raw, str) or not raw or len(raw) > MAX_SIGNATURE_BYTES * 2:
            raise InputError("signature", "the reporter's signature over the report, base64")
        try:
            signature = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InputError("signature", "is not base64") from None
        certificate = data.get("certificate")
        if not isinstance(certificate, str) or "BEGIN CERTIFICATE" not in certificate:
            raise InputError("certificate", "the reporter's member certificate, PEM")
        if len(certificate) > MAX_CERTIFICATE_CHARS:
            raise InputError("certificate", f"at most {MAX_CERTIFICATE_CHARS} characters")
        return SignedReport(body, signature, certificate)


_FIELDS = frozenset(
    (
        "report_id",
        "subject_type",
        "subject_hash",
        "risk_type",
        "reported_at",
        "amount_fen",
        "card_count",
        "consent_to_disclose",
    )
)


def _iso(moment: datetime) -> str:
    """UTC, whole microseconds, `Z`: one text per instant (the signature covers it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(data: Mapping[str, Any], name: str, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InputError(f"report.{name}", "is required" + (f": {hint}" if hint else ""))
    if pattern is not None and not pattern.match(value):
        raise InputError(f"report.{name}", hint)
    return value


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InputError("report.reported_at", "is required: ISO-8601 in UTC, e.g. 2026-01-01T08:00:00.000000Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError("report.reported_at", "is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise InputError("report.reported_at", "needs its UTC offset")
    return moment.astimezone(UTC)


def _count(data: Mapping[str, Any], name: str, most: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InputError(f"report.{name}", f"a whole number from 0 to {most} (money in fen)")
    return value
