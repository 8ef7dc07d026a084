"""Server-side validation of the event contract (EVENTS.md): every error names its field.

Validation is table-driven: one `FieldSpec` per contract field, checked wherever it appears;
each event type lists what it requires. Unknown fields are kept as sent (after scrubbing), and
fields named like secrets (CVN, track and chip data, PIN, expiry, passwords; see
domain/sensitive.py) are removed before anything else sees the event.

What is kept of an event holds no card number in clear: one in a card field (`card_id`,
`account_id`, `counterparty_account_id`) is sealed for the vault and replaced by its reference,
one anywhere else (ids, usernames, free text, nested extras) is masked. Phones and identity
numbers become keyed hashes. An error message names the field and the rule it broke, never the
value sent: what was refused may be a card number or a password typed in the wrong field.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fengkong.domain.cards import SealedCard
from fengkong.domain.clock import business_date, to_epoch_seconds
from fengkong.domain.currency import HOME, ISO_4217, CurrencyError, currency_code, to_yuan
from fengkong.domain.decisions import EventError, FieldError
from fengkong.domain.errors import InputError
from fengkong.domain.events import AuthFactor, Channel, Event, EventType, TxnType
from fengkong.domain.identity.accounts import account_number, is_reference
from fengkong.domain.identity.documents import PATTERN as ID_PATTERN
from fengkong.domain.identity.documents import parse_identity_document
from fengkong.domain.identity.phones import phone_digits
from fengkong.domain.identity.resident_id import ResidentIdError
from fengkong.domain.lists.types import phone_key
from fengkong.domain.money import MoneyError, parse_yuan
from fengkong.domain.ports import CardSealer, IdentifierProtector
from fengkong.domain.sensitive import card_number, looks_like_pan, mask_pan, scrub_text, secret_field_kind
from fengkong.domain.sharing.subjects import SHARED_FIELDS, door_hashes

MAX_EVENT_BYTES = 1 << 20  # one event of the contract is a few hundred bytes
MAX_STRING = 256
MAX_LONG_STRING = 2048
MAX_EXTRA_FIELDS = 64

Normaliser = Callable[[Any], Any]


class _Invalid(ValueError):
    pass


def _string(limit: int = MAX_STRING) -> Normaliser:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be a string, not {_json_type(value)}")
        if not value.strip():
            raise _Invalid("must not be empty")
        if len(value) > limit:
            raise _Invalid(f"is {len(value):,} characters long; the limit is {limit:,}")
        return value

    return check


def _enum(choices: type[Any] | tuple[str, ...]) -> Normaliser:
    allowed: tuple[str, ...] = tuple(c.value for c in choices) if isinstance(choices, type) else choices

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be a string, one of {', '.join(allowed)}")
        if value not in allowed:
            raise _Invalid(f"is not one of {', '.join(allowed)}")
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, not {_json_type(value)}")
    return value


def _integer(low: int, high: int) -> Normaliser:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"must be an integer, not {_json_type(value)}")
        if not low <= value <= high:
            raise _Invalid(f"must be between {low} and {high}")
        return value

    return check


def _money(value: Any) -> Decimal:
    try:
        fen = parse_yuan(value)
    except MoneyError as exc:
        raise _Invalid(str(exc)) from None
    return Decimal(fen).scaleb(-2)


def _money_or_zero(value: Any) -> Decimal:
    try:
        fen = parse_yuan(value, allow_zero=True)
    except MoneyError as exc:
        raise _Invalid(str(exc)) from None
    return Decimal(fen).scaleb(-2)


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Invalid("must be an ISO-8601 string with a UTC offset")
    if len(value) > 64:
        raise _Invalid("is too long for an ISO-8601 timestamp")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid("is not an ISO-8601 timestamp; write e.g. 2019-12-12T03:23:00+08:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Invalid("has no UTC offset; write e.g. 2019-12-12T03:23:00+08:00")
    if not 1990 <= moment.year <= 2200:
        raise _Invalid("has a year outside 1990-2200")
    return moment


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise _Invalid("is not a date YYYY-MM-DD") from None


def _ip(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 64:
        raise _Invalid("must be an IPv4 or IPv6 address string")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise _Invalid("is not an IPv4 or IPv6 address") from None


_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _location(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid('must be an object like {"lat": 22.19, "lon": 113.54, "city": "Macau"}')
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("lat", "lon"):
            if isinstance(item, bool) or not isinstance(item, int | Decimal | float):
                raise _Invalid(f"{key} must be a number")
            number = float(item)
            bound = 90.0 if key == "lat" else 180.0
            if not -bound <= number <= bound:
                raise _Invalid(f"{key} is outside -{bound:g}..{bound:g}")
            out[key] = number
        elif key == "country":
            if not isinstance(item, str) or not _COUNTRY.match(item):
                raise _Invalid("country must be an ISO 3166 alpha-2 code such as CN or MO")
            out[key] = item
        elif key == "city":
            out[key] = scrub_text(_string(128)(item))
        elif secret_field_kind(str(key)) is None:
            out[scrub_text(str(key))] = _scrub(item)
    return out


def _factor_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid('must be a list such as ["password", "sms_otp"]')
    allowed = {f.value for f in AuthFactor}
    for i, item in enumerate(value):
        if not isinstance(item, str) or item not in allowed:
            raise _Invalid(f"item {i + 1} is not one of {', '.join(sorted(allowed))}")
    return list(dict.fromkeys(value))


_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _label(value: Any) -> str:
    if not isinstance(value, str) or not _LABEL.match(value):
        raise _Invalid("must be a lower-case word such as fraud, legit or cash_out")
    return value


_MCC = re.compile(r"^\d{4}$")


def _mcc(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:04d}"
    if not isinstance(value, str) or not _MCC.match(value):
        raise _Invalid("must be a 4-digit merchant category code such as 5411")
    return value


_ID_NUMBER = re.compile(ID_PATTERN)


def _id_number(value: Any) -> str:
    if not isinstance(value, str) or not _ID_NUMBER.match(value.strip()):
        raise _Invalid(
            "must be an identity number: 18 characters (17 digits and a check digit 0-9 or X), "
            "15 digits (first-generation ID) or 3 letters and 12 digits (permanent residence, 2017 card)"
        )
    return value.strip().upper()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One contract field: how it is checked and normalised, and its JSON Schema (what the
    HTTP API's description shows, generated from this table so the two cannot drift)."""

    check: Normaliser
    schema: dict[str, Any]
    description: str = ""

    def json_schema(self) -> dict[str, Any]:
        return {**self.schema, "description": self.description} if self.description else dict(self.schema)


def _text(description: str = "", limit: int = MAX_STRING) -> FieldSpec:
    return FieldSpec(_string(limit), {"type": "string", "minLength": 1, "maxLength": limit}, description)


def _currency(value: Any) -> str:
    try:
        return currency_code(value)
    except CurrencyError as exc:
        raise _Invalid(str(exc)) from None


def _choice(choices: type[Any] | tuple[str, ...], description: str = "") -> FieldSpec:
    allowed = [c.value for c in choices] if isinstance(choices, type) else list(choices)
    return FieldSpec(_enum(choices), {"type": "string", "enum": allowed}, description)


def _flag(description: str = "") -> FieldSpec:
    return FieldSpec(_boolean, {"type": "boolean"}, description)


_MONEY_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "number"}]}
_FACTORS = sorted(f.value for f in AuthFactor)

FIELDS: dict[str, FieldSpec] = {
    # every event
    "institution_id": _text("the bank or payment institution sending the event"),
    "customer_id": _text("the institution's customer number"),
    "phone": _text(
        "mobile number involved (reserved phone, login phone); replaced by a keyed hash of its digits "
        "(phone_hash) at the door",
        32,
    ),
    "device_id": _text("device identifier"),
    "ip": FieldSpec(_ip, {"type": "string", "maxLength": 64}, "IPv4 or IPv6 address"),
    "location": FieldSpec(
        _location,
        {
            "type": "object",
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "city": {"type": "string", "maxLength": 128},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            },
            "additionalProperties": True,
        },
        "any subset of lat, lon, city and country (ISO 3166 alpha-2)",
    ),
    # transaction
    "txn_type": _choice(TxnType, "required for transactions"),
    "channel": _choice(Channel, "required for transactions"),
    "amount": FieldSpec(
        _money, _MONEY_SCHEMA, "yuan, greater than 0, at most 2 decimals (required for transactions and repayments)"
    ),
    "currency": FieldSpec(
        _currency,
        {"anyOf": [{"type": "string", "enum": list(ISO_4217)}, {"type": "string", "pattern": r"^\d{3}$"}]},
        "ISO 4217, alphabetic or numeric (156 = CNY); default CNY. Another currency is converted to yuan "
        "at the policy's rate (fx_rates) and kept as original_amount / original_currency",
    ),
    "account_id": _text("the debited account (required for account_open)"),
    "account_kind": _choice(("bank", "payment")),
    "account_class": _choice(("I", "II", "III")),
    "card_id": _text(
        "a card token or the card number (digits, or grouped by spaces, dashes or dots); a card number is "
        "tokenized at the door and never stored"
    ),
    "card_kind": _choice(("debit", "credit")),
    "card_has_chip": _flag(),
    "entry_mode": _choice(("chip", "contactless", "magstripe", "fallback", "keyed", "ecommerce", "token")),
    "counterparty_account_id": _text("the payee of a transfer"),
    "same_name": _flag("a transfer to the customer's own same-name account"),
    "counterparty_kind": _choice(("bank", "payment"), "whether the payee holds a bank or a payment account"),
    "merchant_id": _text(),
    "mcc": FieldSpec(
        _mcc,
        {"anyOf": [{"type": "string", "pattern": r"^\d{4}$"}, {"type": "integer", "minimum": 0, "maximum": 9999}]},
        "merchant category code",
    ),
    "terminal_id": _text(),
    "auth_factors": FieldSpec(
        _factor_list, {"type": "array", "items": {"type": "string", "enum": _FACTORS}}, "factors presented and verified"
    ),
    "preauth_id": _text("links a pre-authorisation and its completion"),
    "original_event_id": _text("the event a void, reversal or refund takes back"),
    "balance_after": FieldSpec(_money_or_zero, _MONEY_SCHEMA, "the account's balance after the payment, when known"),
    # login
    "username": _text(),
    "success": _flag("required for logins"),
    "method": _choice(("password", "sms_otp", "biometric")),
    "user_agent": _text(limit=MAX_LONG_STRING),
    # account_open
    "id_number": FieldSpec(
        _id_number,
        {"type": "string", "pattern": ID_PATTERN},
        "identity number: resident ID (18 or 15 digits), Hong Kong/Macau/Taiwan residence permit, foreigner's "
        "permanent residence ID; replaced by a keyed hash of its canonical form at the door",
    ),
    "name": _text(
        "the applicant's name; replaced at the door by a keyed hash (name_hash) and a masked form (name_masked)",
        128,
    ),
    "verification_channels": FieldSpec(
        _integer(0, 100),
        {"type": "integer", "minimum": 0, "maximum": 100},
        "how many external channels verified the applicant",
    ),
    "face_to_face": _flag(),
    # card_bind
    "bind_to": _text("the app or payment institution the card is bound to"),
    # profile_change
    "field": _choice(("phone", "login_password", "payment_password", "device"), "required for profile changes"),
    "via": _choice(("sms_otp", "counter", "app", "password")),
    "new_value_hash": _text(),
    # repayment
    "statement_due_date": FieldSpec(_date, {"type": "string", "format": "date"}),
    # feedback
    "target_event_id": _text("required for feedback: the event labelled"),
    "label": FieldSpec(
        _label,
        {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
        "required for feedback: fraud, legit, cash_out, ...",
    ),
    "source": FieldSpec(_label, {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}, "who established the label"),
    # v1.1: the decision lifecycle
    "challenge_id": _text("the challenge answered (challenge_result)"),
    "passed": _flag("whether the customer passed the challenge (challenge_result)"),
    "factors": FieldSpec(
        _factor_list,
        {"type": "array", "items": {"type": "string", "enum": _FACTORS}},
        "the factors verified in answering the challenge (challenge_result)",
    ),
    "outcome": _choice(
        ("completed", "cancelled", "returned"), "what finally happened to the payment (payment_outcome)"
    ),
    "resolution": _choice(("released", "declined"), "an analyst's resolution of a held payment (made by fengkong)"),
    "actor": _text("who resolved the hold (made by fengkong)"),
    "reason": _text("why (made by fengkong)", MAX_LONG_STRING),
    "credit_limit": FieldSpec(_money, _MONEY_SCHEMA, "the card's credit limit in yuan, as the issuer knows it"),
    "available_credit": FieldSpec(_money_or_zero, _MONEY_SCHEMA, "the credit still available in yuan"),
}

REQUIRED: dict[EventType, tuple[str, ...]] = {
    EventType.TRANSACTION: ("txn_type", "channel", "amount"),
    EventType.LOGIN: ("success",),
    EventType.ACCOUNT_OPEN: ("account_id",),
    EventType.CARD_BIND: ("card_id",),
    EventType.PROFILE_CHANGE: ("field",),
    EventType.REPAYMENT: ("card_id", "amount"),
    EventType.FEEDBACK: ("target_event_id", "label"),
    EventType.CHALLENGE_RESULT: ("target_event_id", "challenge_id", "passed"),
    EventType.PAYMENT_OUTCOME: ("target_event_id", "outcome"),
    EventType.HOLD_RESOLUTION: ("target_event_id", "resolution", "actor", "reason"),
}
# Made by fengkong itself (an analyst's release or decline): refused from outside, read back from the log.
INTERNAL_TYPES = frozenset({EventType.HOLD_RESOLUTION})

_EVENT_ID = _string(128)
_TYPES = tuple(t.value for t in EventType if t not in INTERNAL_TYPES)
_ALL_TYPES = tuple(t.value for t in EventType)


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema of one event, generated from `FIELDS` and `REQUIRED` (the API publishes it)."""
    required = "; ".join(f"{t.value}: {', '.join(names)}" for t, names in REQUIRED.items() if t not in INTERNAL_TYPES)
    return {
        "title": "Event",
        "type": "object",
        "description": "One event of the contract (docs/event-contract.md). Required by type: "
        + required
        + f". Unknown extra fields are kept (at most {MAX_EXTRA_FIELDS}), scrubbed of secrets.",
        "required": ["event_id", "type", "occurred_at"],
        "properties": {
            "event_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "description": "unique; the same id again returns the first decision",
            },
            "type": {"type": "string", "enum": list(_TYPES)},
            "occurred_at": {"type": "string", "format": "date-time", "description": "ISO-8601 with a UTC offset"},
            **{name: spec.json_schema() for name, spec in FIELDS.items()},
        },
        "additionalProperties": True,
    }


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _mask_phone(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value))
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"


def _mask_id_number(value: Any) -> str:
    text = str(value).strip()[:32]
    return text[:3] + "*" * (len(text) - 5) + text[-2:] if len(text) >= 8 else "*" * len(text)


def _mask_name(value: Any) -> str:
    text = str(value).strip()[:32]
    return text[:1] + "*" * (len(text) - 1)


# In the excerpt of a refused event, which is never hashed: the fields that identify a person.
_PERSONAL_MASKS: dict[str, Callable[[Any], str]] = {
    "phone": _mask_phone,
    "id_number": _mask_id_number,
    "name": _mask_name,
}


def _scrub(value: Any, depth: int = 0, *, personal: bool = False) -> Any:
    """Extra data is kept, minus fields named like secrets (at any depth) and with every card
    number masked, in keys and values; `personal`: phones, names and ID numbers masked too."""
    if depth > 8:
        return None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k)
            if secret_field_kind(key) is not None:
                continue
            mask = _PERSONAL_MASKS.get(key) if personal else None
            if mask is not None and v is not None:
                out[scrub_text(key)] = mask(v)
            else:
                out[scrub_text(key)] = _scrub(v, depth + 1, personal=personal)
        return out
    if isinstance(value, list):
        return [_scrub(v, depth + 1, personal=personal) for v in value[:256]]
    if isinstance(value, str):
        text = value if len(value) <= MAX_LONG_STRING else value[:MAX_LONG_STRING]
        return scrub_text(text)
    if isinstance(value, int) and not isinstance(value, bool) and looks_like_pan(str(value)):
        return mask_pan(str(value))  # a card number sent as a JSON number
    return value


def parse_json_event(raw: str | bytes) -> tuple[dict[str, Any] | None, EventError | None]:
    """Parse one JSON text into a dict, keeping numbers exact (Decimal), or explain why not."""
    size = len(raw)
    if size > 64 * MAX_EVENT_BYTES:
        return None, EventError(
            _peek_event_id(raw), (FieldError("(event)", f"event is {size:,} bytes; refused unread"),)
        )
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        return None, EventError(_peek_event_id(raw), (FieldError("(json)", f"invalid JSON: {msg}{where}"),))
    except RecursionError:
        return None, EventError(None, (FieldError("(json)", "invalid JSON: nested too deeply"),))
    if not isinstance(data, dict):
        return None, EventError(None, (FieldError("(event)", "an event must be a JSON object"),))
    return data, None


_PEEK = re.compile(rb'"event_id"\s*:\s*"([^"\\]{1,128})"')


def _peek_event_id(raw: str | bytes) -> str | None:
    head = raw[:4096].encode() if isinstance(raw, str) else raw[:4096]
    match = _PEEK.search(head)
    return match.group(1).decode(errors="replace") if match else None


# Where a card or account number is expected: sealed at the door, the event keeps its reference
# and the masked number.
_CARD_FIELDS = ("card_id", "account_id", "counterparty_account_id")
_ACCOUNT_FIELDS = ("account_id", "counterparty_account_id")
_MASKED = {"card_id": "card_masked", "account_id": "account_masked", "counterparty_account_id": "counterparty_masked"}
# The fields the door makes of identifiers kept only as keyed hashes (re-keyed by a rotation).
HASHED_FIELDS = ("id_number_hash", "phone_hash", "name_hash")
# Contract fields whose text is kept as sent, so scrubbed: all but the closed choices, the card
# fields (sealed or scrubbed in `_protect`) and the ones kept only as keyed hashes (`location`
# scrubs its own text).
_SCRUBBED_FIELDS = frozenset(
    name
    for name, spec in FIELDS.items()
    if spec.schema.get("type") == "string"
    and "enum" not in spec.schema
    and name not in (*_CARD_FIELDS, "phone", "id_number")
)


class EventValidator:
    """Turns a decoded JSON object into an `Event`, or an `EventError` naming each bad field.

    Raw card numbers in `card_id` become tokens and resident ID numbers become keyed hashes here,
    at the door, so nothing downstream ever holds them.
    """

    def __init__(
        self,
        protector: IdentifierProtector,
        sealer: CardSealer,
        max_event_bytes: int = MAX_EVENT_BYTES,
        rates: Callable[[], Mapping[str, Decimal]] = dict,
        consortium: IdentifierProtector | None = None,
    ):
        self._protector = protector
        self._sealer = sealer
        self._max_event_bytes = max_event_bytes
        self._rates = rates  # yuan per unit of each currency: the active policy's table
        # With the consortium key, the door also adds the subjects' consortium hashes (the
        # `shared_*_hash` fields): what matches the reports of other member institutions.
        self._consortium = consortium

    def validate(self, data: Mapping[str, Any], raw_size: int = 0, *, trusted: bool = False) -> Event | EventError:
        """`trusted`: a record read back from fengkong's own log (internal event types allowed)."""
        errors: list[FieldError] = []
        raw_id = data.get("event_id")
        event_id: str | None = None
        try:
            event_id = _EVENT_ID(raw_id) if raw_id is not None else None
            if event_id is None:
                errors.append(FieldError("event_id", "is required"))
        except _Invalid as exc:
            errors.append(FieldError("event_id", str(exc)))
        type_value = data.get("type")
        event_type: EventType | None = None
        if type_value is None:
            errors.append(FieldError("type", f"is required: one of {', '.join(_TYPES)}"))
        elif not isinstance(type_value, str) or type_value not in (_ALL_TYPES if trusted else _TYPES):
            if type_value in _ALL_TYPES:  # one of our own names, safe to say
                errors.append(FieldError("type", f"{type_value} events are made by fengkong itself (fengkong holds)"))
            else:
                errors.append(FieldError("type", f"is not one of {', '.join(_TYPES)}"))
        else:
            event_type = EventType(type_value)
        occurred_at: datetime | None = None
        if data.get("occurred_at") is None:
            errors.append(FieldError("occurred_at", "is required (ISO-8601 with UTC offset)"))
        else:
            try:
                occurred_at = _timestamp(data["occurred_at"])
            except _Invalid as exc:
                errors.append(FieldError("occurred_at", str(exc)))

        fields: dict[str, Any] = {}
        redacted: list[str] = []
        extras = 0
        for key, value in data.items():
            if key in ("event_id", "type", "occurred_at"):
                continue
            spec = FIELDS.get(key)
            if spec is None:
                if secret_field_kind(key) is not None:
                    redacted.append(scrub_text(key))
                    continue
                extras += 1
                if extras > MAX_EXTRA_FIELDS:
                    errors.append(FieldError("(event)", f"more than {MAX_EXTRA_FIELDS} unknown fields"))
                    break
                # Our own records were scrubbed when they came in; scrubbing them again could
                # mask digits inside the hashes and references we made.
                fields[key if trusted else scrub_text(key)] = value if trusted else _scrub(value)
                continue
            if value is None:
                continue  # an explicit null is the same as an absent optional field
            try:
                checked = spec.check(value)
            except _Invalid as exc:
                errors.append(FieldError(key, str(exc)))
                continue
            fields[key] = scrub_text(checked) if not trusted and key in _SCRUBBED_FIELDS else checked
        if event_type is not None:
            for name in REQUIRED[event_type]:
                if name not in fields and not any(e.field == name for e in errors):
                    errors.append(FieldError(name, f"is required for {event_type.value} events"))
        id_number = fields.get("id_number")
        if id_number is not None and occurred_at is not None and not any(e.field == "id_number" for e in errors):
            day = business_date(to_epoch_seconds(occurred_at))
            try:
                document = parse_identity_document(id_number, day)
            except ResidentIdError as exc:
                errors.append(FieldError("id_number", str(exc)))
            else:
                fields["id_number"] = document.number  # one person, one hash, whatever form was shown
                fields["id_kind"] = document.kind
                age = document.age_on(day)
                if age is not None:
                    fields["holder_age"] = age
        accounts: dict[str, str] = {}  # the account numbers in canonical form, for `_protect`
        for name in _ACCOUNT_FIELDS:
            value = fields.get(name)
            if isinstance(value, str) and not trusted and not any(e.field == name for e in errors):
                try:
                    accounts[name] = account_number(value, name)
                except InputError as exc:
                    errors.append(FieldError(name, exc.message))
        if not trusted and not errors:
            self._convert(fields, errors)
        if not errors and raw_size > self._max_event_bytes:
            errors.append(FieldError("(event)", f"event is {raw_size:,} bytes; the limit is {self._max_event_bytes:,}"))
        if errors or event_id is None or event_type is None or occurred_at is None:
            return EventError(event_id if isinstance(event_id, str) else None, tuple(errors))

        sealed = self._protect(fields, trusted, accounts)
        amount = fields.get("amount")
        amount_fen = int(amount * 100) if isinstance(amount, Decimal) else None
        return Event(
            event_id=event_id,
            type=event_type,
            occurred_at=occurred_at,
            ts=to_epoch_seconds(occurred_at),
            fields=fields,
            amount_fen=amount_fen,
            redacted=tuple(redacted),
            sealed=sealed,
        )

    def _convert(self, fields: dict[str, Any], errors: list[FieldError]) -> None:
        """An amount in another currency becomes yuan at the policy's rate: the limits are in
        yuan. The original amount, currency and rate are kept; no rate, no decision."""
        currency = fields.get("currency")
        amount = fields.get("amount")
        if currency is None or currency == HOME or not isinstance(amount, Decimal):
            return
        rate = self._rates().get(currency)
        if rate is None:
            errors.append(
                FieldError(
                    "currency",
                    f"no exchange rate for {currency} in the policy (fx_rates): the amount cannot be counted "
                    "against limits in yuan; send it in CNY or add the rate",
                )
            )
            return
        fields["original_amount"], fields["original_currency"], fields["fx_rate"] = amount, currency, str(rate)
        fields["amount"], fields["currency"] = to_yuan(amount, rate), HOME

    def _protect(self, fields: dict[str, Any], trusted: bool, accounts: dict[str, str]) -> tuple[SealedCard, ...]:
        """Card numbers in the card fields become references (sealed for the vault), however
        grouped; any other text in `card_id` has its card numbers masked. Account numbers become
        account references (sealed too; a card-shaped one is its card). ID numbers and phones
        become keyed hashes (a phone by its digits, the key the phone lists use). A reference
        is passed on as it is: a replayed record, or one a caller got from us."""
        sealed: list[SealedCard] = []
        clear: dict[str, str] = {}  # the identifiers seen in clear, for their consortium hashes
        if not trusted:
            for name in SHARED_FIELDS:  # made here only, never taken from a sender
                fields.pop(name, None)
        for name in _CARD_FIELDS:
            value = fields.get(name)
            if not isinstance(value, str) or is_reference(value):
                continue
            digits = card_number(value)
            if name in accounts:
                clear[name] = accounts[name]
            elif digits is not None:
                clear[name] = digits
            if digits is not None:
                card = self._sealer.seal(digits)
            elif name == "card_id" or trusted:  # an issuer's own card id; a record of ours
                if not trusted:
                    fields[name] = scrub_text(value)
                continue
            else:
                card = self._sealer.seal_account(accounts[name])
            fields[name] = card.ref
            fields[_MASKED[name]] = card.masked
            if card.new:
                sealed.append(card)
        id_number = fields.pop("id_number", None)
        if id_number is not None:
            fields["id_number_hash"] = self._protector.identifier_hash("id_number", id_number)
        phone = fields.pop("phone", None)
        if phone is not None:
            fields["phone_hash"] = phone_key(phone, self._protector)
        name = fields.pop("name", None)
        if isinstance(name, str) and name.strip():  # a person's name: matched by hash, shown masked
            fields["name_hash"] = self._protector.identifier_hash("name", " ".join(name.split()).casefold())
            fields["name_masked"] = _mask_name(name)
        if self._consortium is not None and not trusted:
            merchant = fields.get("merchant_id")
            fields.update(
                door_hashes(
                    self._consortium,
                    card=clear.get("card_id"),
                    account=clear.get("account_id"),
                    counterparty=clear.get("counterparty_account_id"),
                    id_number=id_number,
                    phone=phone_digits(phone) if isinstance(phone, str) else None,
                    merchant=merchant if isinstance(merchant, str) else None,
                )
            )
        return tuple(sealed)


def seal_number(value: str, sealer: CardSealer, field: str = "account_id") -> SealedCard:
    """A card or account number as its reference, masked and sealed: a card-shaped number is a
    card (a debit card's number is its account's), anything else an account number."""
    digits = card_number(value)
    if digits is not None:
        return sealer.seal(digits)
    return sealer.seal_account(account_number(value, field))


def rejected_excerpt(raw: str | bytes | Mapping[str, Any], limit: int = 2048) -> str:
    """What of a rejected event we keep: a bounded, scrubbed excerpt - no field named like a
    secret, every card number masked, phones, names and ID numbers masked."""
    if isinstance(raw, Mapping):
        try:
            text = json.dumps(_scrub(dict(raw), personal=True), default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(raw)
    elif isinstance(raw, bytes):
        text = raw[: limit * 4].decode("utf-8", errors="replace")
    else:
        text = raw[: limit * 4]
    if not isinstance(raw, Mapping):
        parsed, _ = parse_json_event(text) if len(text) < limit * 4 else (None, None)
        if parsed is not None:
            text = json.dumps(_scrub(parsed, personal=True), default=str, ensure_ascii=False)
        else:
            text = _strip_secret_pairs(text)
    text = scrub_text(text)
    return text if len(text) <= limit else text[:limit] + "...(truncated)"


# A key and its value in text that is not valid JSON: quoted or not, `:` or `=` (a form body).
_PAIR = re.compile(
    r"""(?P<q>["']?)(?P<key>[A-Za-z_][\w.\- ]{0,63})(?P=q)\s*[:=]\s*"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[^,;&{}\[\]\s]*)"""
)


def _strip_secret_pairs(text: str) -> str:
    """For text that is not valid JSON: drop keys named like secrets with their values, mask the
    values of phones, names and ID numbers."""

    def replace(match: re.Match[str]) -> str:
        key = match.group("key").strip()
        if secret_field_kind(key) is not None:
            return '"[secret removed]": null'
        mask = _PERSONAL_MASKS.get(key)
        if mask is not None:
            masked = mask(match.group("value").strip("\"'"))
            return f'{match.group("q")}{key}{match.group("q")}: "{masked}"'
        return match.group()

    return _PAIR.sub(replace, text)
