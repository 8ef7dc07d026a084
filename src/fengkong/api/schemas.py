"""Request and response schemas for the OpenAPI description of the HTTP API.

Events are validated by the domain validator (one implementation for every entry point, errors
in the contract's shape); their schema here is generated from the validator's own field table,
so the description shows every contract field and cannot drift from what is accepted. Enums
come from the code's own constants (event types, channels, outcomes, list kinds, ...).

Routes that read their bodies themselves declare them with `request_body(ref("Name"))`; `ref`
accepts only a name defined in `COMPONENTS`, so the description never refers to a schema it
lacks (a generated client would drop the operation).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from fengkong.domain.access.roles import ROLES
from fengkong.domain.clock import LATEST_TS
from fengkong.domain.decisions import Outcome
from fengkong.domain.errors import InputError
from fengkong.domain.events import Channel, EventType
from fengkong.domain.lists.types import LIST_TYPES
from fengkong.domain.requests import KINDS, MAX_ACCOUNTS
from fengkong.domain.tokens import CONTROLS
from fengkong.domain.validation import INTERNAL_TYPES, REQUIRED, event_json_schema
from fengkong.services.merchants import MERCHANT_FIELDS, TERMINAL_FIELDS
from fengkong.services.oversight import EXPORTS
from fengkong.services.sharing import SUBJECT_TYPES

SCHEMAS = "#/components/schemas/"


class ReasonOut(BaseModel):
    code: str
    rule_id: str
    message: str = Field(description="the English message")
    message_zh: str
    message_en: str
    outcome: Outcome = Field(description="what this rule alone would decide")
    score: float
    rule_version: int


class ChallengeOut(BaseModel):
    challenge_id: str = Field(description="answer it with a challenge_result naming this id")
    required_factors: list[str] = Field(description="what the customer must pass; always satisfiable")
    expires_at: str = Field(description="ISO-8601 on event time; a later answer is expired")


class DecisionOut(BaseModel):
    event_id: str
    decision: Outcome = Field(description="the most severe outcome of the rules that hit")
    status: Literal["pending", "final"] = Field(description="pending (step_up, review: waiting for an answer) or final")
    score: float = Field(description="risk score 0-100 with decimals")
    reasons: list[ReasonOut]
    required_factors: list[str]
    latency_ms: float
    ruleset_version: str
    policy_version: str
    challenge: ChallengeOut | None = Field(default=None, description="on every step_up (contract v1.1)")
    resend_of: str | None = Field(
        default=None, description="the payment whose open challenge this resend was given again"
    )
    shadow_reasons: list[ReasonOut] | None = None
    replayed: bool | None = Field(default=None, description="true when the event_id had been decided before")
    trace: dict[str, Any] | None = Field(default=None, description="with explain=true: the feature values read")


class FieldErrorOut(BaseModel):
    field: str = Field(
        description="the field at fault, or a pseudo-field: (json), (event), (body), (server), (authorization)"
    )
    message: str


class ErrorOut(BaseModel):
    """Every refusal of the API has this shape: `error` is the first problem, `errors` all of them."""

    event_id: str | None = Field(default=None, description="the refused event's id, when it could be read")
    error: FieldErrorOut
    errors: list[FieldErrorOut] | None = Field(default=None, description="every problem found (events)")


# The one error model; the events route still imports it by this name.
EventErrorOut = ErrorOut


class BatchOut(BaseModel):
    results: list[DecisionOut | ErrorOut] = Field(description="one decision or error per event, in order")


def request_body(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


def ref(name: str) -> dict[str, Any]:
    """A reference to a schema of `COMPONENTS`; any other name fails here, not in a client."""
    if name not in COMPONENTS:
        raise KeyError(f"{name} is not a schema of fengkong.api.schemas.COMPONENTS")
    return {"$ref": SCHEMAS + name}


# --- the event ---------------------------------------------------------------------------------


def _event_schema() -> dict[str, Any]:
    """The validator's schema, plus what each type requires as JSON Schema (`if type is X then
    these are required`), so a validating client refuses what the server would refuse."""
    schema = event_json_schema()
    schema["allOf"] = [
        {"if": {"properties": {"type": {"const": kind.value}}, "required": ["type"]}, "then": {"required": list(names)}}
        for kind, names in REQUIRED.items()
        if kind not in INTERNAL_TYPES
    ]
    schema["examples"] = [
        {
            "event_id": "t-1001",
            "type": EventType.TRANSACTION.value,
            "occurred_at": "2024-03-02T10:00:00+08:00",
            "customer_id": "c-1",
            "account_id": "a-1",
            "txn_type": "transfer",
            "channel": Channel.MOBILE_BANKING.value,
            "amount": "500.00",
            "counterparty_account_id": "a-2",
            "auth_factors": ["password"],
        }
    ]
    return schema


# --- bodies of the routes that read them themselves ------------------------------------------

_TEXT: dict[str, Any] = {"type": "string"}
_YUAN: dict[str, Any] = {
    "anyOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "number"}],
    "description": "yuan, at most 2 decimals",
}
_INSTANT: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "number", "minimum": 0, "exclusiveMaximum": LATEST_TS},
    ],
    "description": "ISO-8601 with a UTC offset, or epoch seconds",
}
_FLAG: dict[str, Any] = {"type": "boolean"}
# Who acts is the authenticated caller, never a body field; why is.
_REASON = {"reason": {**_TEXT, "description": "why (written to the audit log)"}}
_ROLES = {"type": "array", "items": {"type": "string", "enum": list(ROLES)}}


def _body(description: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _fields(names: tuple[str, ...], kinds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Properties for a service's field list, typed where the type is known (text otherwise)."""
    return {name: kinds.get(name, _TEXT) for name in names}


_CASE = {
    "case_number": _TEXT,
    "authority": {**_TEXT, "description": "the requesting authority (police station, court, bank)"},
    **_REASON,
}
_TRACE = {
    "event_id": {**_TEXT, "description": "the stored transfer to follow"},
    "window_hours": {"type": "number", "default": 72},
    "max_hops": {"type": "integer", "default": 6},
}
_SUBJECT = {
    "institution_id": {**_TEXT, "description": "optional: the caller's own institution (another is refused)"},
    "subject_type": {"type": "string", "enum": list(SUBJECT_TYPES)},
    "value": {**_TEXT, "description": "the subject itself; only a keyed hash of it leaves the institution"},
}

BODIES: dict[str, dict[str, Any]] = {
    "ReasonIn": _body("Why (written to the audit log with the caller's name)", _REASON, ("reason",)),
    "CustomerLimitsIn": _body(
        "A customer's own single and daily limits", {"single": _YUAN, "daily": _YUAN, **_REASON}, ("reason",)
    ),
    "TransferAgreementIn": _body(
        "An account's transfer agreement",
        {
            "to_account_daily_amount": _YUAN,
            "to_account_daily_count": {"type": "integer", "minimum": 0},
            "to_bank_daily_amount": _YUAN,
            "to_bank_daily_count": {"type": "integer", "minimum": 0},
            **_REASON,
        },
        ("reason",),
    ),
    "ListEntryIn": _body(
        "A list entry; the list is named in the path, one of: " + ", ".join(LIST_TYPES),
        {
            "value": {**_TEXT, "description": "what is listed (account, phone, device, ...)"},
            **_REASON,
            "source": {**_TEXT, "description": "where the listing comes from"},
            "evidence": _TEXT,
            "starts_at": _INSTANT,
            "expires_at": _INSTANT,
            "ground": {
                **_TEXT,
                "description": "the entry ground, on the industry blacklists (GET /v1/blacklists:grounds); "
                "such an entry is proposed (202) and made when a second person approves",
            },
        },
        ("value", "reason", "source"),
    ),
    "RemovalIn": _body(
        "Why an entry should end; on an industry blacklist, on which removal ground",
        {**_REASON, "ground": {**_TEXT, "description": "misidentified, ruling or term_served (blacklists)"}},
        ("reason",),
    ),
    "SampleIn": _body(
        "A qualified terminal sample: the model and the firmware builds certified for it",
        {
            "manufacturer": _TEXT,
            "model": _TEXT,
            "certificate": _TEXT,
            "valid_until": {"type": "string", "format": "date"},
            "builds": {
                "type": "object",
                "description": "firmware version -> fingerprint (hex digest)",
                "additionalProperties": {"type": "string", "pattern": "^[0-9a-fA-F]{16,128}$"},
                "minProperties": 1,
            },
        },
        ("manufacturer", "model", "certificate", "builds"),
    ),
    "SpotCheckIn": _body(
        "A spot check of a deployed terminal (who is the caller)",
        {
            "measured": {
                "type": "string",
                "pattern": "^[0-9a-fA-F]{16,128}$",
                "description": "firmware fingerprint read",
            },
            "firmware": _TEXT,
            "seal_intact": {"type": "boolean"},
            "at_registered_place": {"type": "boolean"},
            "passes": {"type": "boolean", "description": "the inspector's own verdict"},
            "note": _TEXT,
            "at": _INSTANT,
        },
        ("measured", "seal_intact", "at_registered_place"),
    ),
    "ListImportCsv": {
        "type": "string",
        "format": "binary",
        "contentMediaType": "text/csv",
        "description": "CSV rows: value,reason[,evidence,starts_at,expires_at,ended_at,amount,case_number,authority] (UTF-8, a BOM is allowed)",
    },
    "PenaltyChangeIn": _body(
        "A request to change a penalty's expiry (a second person approves it)",
        {"expires_at": _INSTANT, **_REASON},
        ("expires_at", "reason"),
    ),
    "CheckerNoteIn": _body("The checker's note on a maker-checker request (required to reject)", {"note": _TEXT}),
    "StopPaymentIn": _body(
        "An emergency stop-payment",
        {"account_id": _TEXT, **_CASE, "expires_at": _INSTANT},
        ("account_id", "case_number", "authority"),
    ),
    "FreezeIn": _body(
        "A quick freeze: the account must keep `amount` until `expires_at`",
        {"account_id": _TEXT, "amount": _YUAN, **_CASE, "expires_at": _INSTANT},
        ("account_id", "amount", "case_number", "authority", "expires_at"),
    ),
    "RentedAccountIn": _body(
        "A confirmed rented or sold account: listing and penalties",
        {
            "account_id": _TEXT,
            "owner_id_number": {**_TEXT, "description": "kept only as a keyed hash"},
            **_REASON,
            "evidence": _TEXT,
            "source": _TEXT,
        },
        ("account_id", "owner_id_number", "reason"),
    ),
    "OrderRequestIn": _body(
        "A stop-payment, freeze or quick query requested by electronic message; the same request_id again "
        "changes nothing",
        {
            "request_id": _TEXT,
            "kind": {"type": "string", "enum": list(KINDS)},
            "authority": _TEXT,
            "case_number": _TEXT,
            "officer": {**_TEXT, "description": "the authority's officer who asks"},
            "reason": {"type": "string", "maxLength": 2048},
            "accounts": {
                "type": "array",
                "maxItems": MAX_ACCOUNTS,
                "items": {
                    "type": "object",
                    "properties": {
                        "account_id": _TEXT,
                        "amount": {**_YUAN, "description": "a freeze: the amount the account must keep"},
                        "until": {"type": "string", "format": "date-time", "description": "the authority's time limit"},
                    },
                    "required": ["account_id"],
                },
            },
            "event_id": {**_TEXT, "description": "a quick query: the victim's transfer to trace"},
        },
        ("request_id", "kind", "authority", "case_number", "officer"),
    ),
    "TraceIn": _body("Follow a transfer's money hop by hop", _TRACE, ("event_id",)),
    "TraceStopIn": _body(
        "Trace, and stop-payment every account still holding the money",
        {**_TRACE, **_CASE},
        ("event_id", "case_number", "authority"),
    ),
    "SharingReportIn": _body(
        "A risk event reported to the consortium (this institution's own reports are signed and sent to the hub)",
        {
            **_SUBJECT,
            "risk_type": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "amount_fen": {"type": "integer", "minimum": 0, "description": "cash-out: the amount, in fen"},
            "card_count": {"type": "integer", "minimum": 0, "description": "cash-out: the number of cards"},
            "consent_to_disclose": {
                "type": "boolean",
                "default": False,
                "description": "others may learn that this institution reported (003 §4.1.2: never without)",
            },
        },
        ("subject_type", "value", "risk_type"),
    ),
    "SharingQueryIn": _body(
        "A question to the consortium about a subject, given in clear or (another fengkong) as its consortium hash",
        {**_SUBJECT, "subject_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
        ("subject_type",),
    ),
    "SignedReportIn": _body(
        "A member's report signed with its member certificate (ECDSA P-256, SHA-256 over the canonical report)",
        {
            "report": {
                "type": "object",
                "properties": {
                    "report_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                    "subject_type": {"type": "string", "enum": list(SUBJECT_TYPES)},
                    "subject_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "risk_type": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "reported_at": {"type": "string", "format": "date-time"},
                    "amount_fen": {"type": ["integer", "null"], "minimum": 0},
                    "card_count": {"type": ["integer", "null"], "minimum": 0},
                    "consent_to_disclose": {"type": "boolean"},
                },
                "required": ["report_id", "subject_type", "subject_hash", "risk_type", "reported_at"],
            },
            "signature": {"type": "string", "description": "base64 of the DER ECDSA signature"},
            "certificate": {"type": "string", "description": "the member certificate (PEM), O = institution id"},
        },
        ("report", "signature", "certificate"),
    ),
    "TokenIn": _body(
        "A payment token for a card number (or a card already in the vault) with domain controls",
        {
            **_REASON,
            "card_number": {**_TEXT, "description": "never logged or stored in clear"},
            "card_ref": _TEXT,
            "controls": {
                "type": "object",
                "additionalProperties": False,
                "properties": _fields(
                    CONTROLS,
                    {
                        "max_uses": {"type": "integer", "minimum": 1},
                        "per_use_max": _YUAN,
                        "total_max": _YUAN,
                        "valid_from": {"type": "string", "format": "date-time"},
                        "valid_until": {"type": "string", "format": "date-time"},
                        "channels": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "enum": [c.value for c in Channel]},
                        },
                        "merchants": {"type": "array", "minItems": 1, "items": _TEXT},
                    },
                ),
            },
        },
        ("reason",),
    ),
    "DetokenizeIn": _body("What the card number is needed for (audited)", {"purpose": _TEXT}, ("purpose",)),
    "PasswordCheckIn": _body(
        "A transaction password to check against the policy (nothing is stored or logged)",
        {
            "password": _TEXT,
            "account_name": _TEXT,
            "phone": _TEXT,
            "id_number": _TEXT,
            "birth_date": {"type": "string", "format": "date"},
            "initial": {**_FLAG, "description": "an initial password set by the bank"},
        },
        ("password",),
    ),
    "ExportIn": _body(
        "An export of personal data to be approved by a second person",
        {"what": {"type": "string", "enum": list(EXPORTS)}, **_REASON},
        ("what", "reason"),
    ),
    "TerminalKeyIn": _body(
        "A master key loaded into a terminal: its check value and version, never the key (001 §1.8-7②)",
        {
            "kcv": {
                "type": "string",
                "pattern": "^[0-9A-Fa-f ]{6,23}$",
                "description": "key check value, 6-16 hex digits",
            },
            "version": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,32}$"},
            "loaded_at": {"type": "string", "format": "date-time", "description": "default: now"},
        },
        ("kcv", "version"),
    ),
    "MerchantIn": _body(
        "A merchant to register (onboard); unknown fields are refused",
        _fields(
            MERCHANT_FIELDS,
            {
                "mcc": {"type": "string", "pattern": r"^\d{4}$"},
                "settlement_personal": _FLAG,
                "accepts_credit": _FLAG,
                "preauth_enabled": _FLAG,
                "onboarded_at": {"type": "string", "format": "date"},
                "single_limit": _YUAN,
                "daily_limit": _YUAN,
                "scale": {"type": "string", "enum": ["micro", "small", "medium", "large"]},
                "licence": {"type": "string", "description": "unified social credit code (18 characters)"},
            },
        ),
        ("merchant_id", "name", "mcc"),
    ),
    "TerminalIn": _body(
        "A terminal to register; unknown fields are refused",
        _fields(
            TERMINAL_FIELDS,
            {
                "certified": _FLAG,
                "kind": {"type": "string", "enum": ["fixed", "mobile", "atm"], "default": "fixed"},
                "deployed_at": {"type": "string", "format": "date"},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "merchants": {"type": "array", "items": _TEXT},
                "single_limit": _YUAN,
                "daily_limit": _YUAN,
                "fingerprint": {"type": "string", "pattern": "^[0-9a-fA-F]{16,128}$"},
                "last_checked_at": {"type": "string", "format": "date"},
            },
        ),
        ("terminal_id",),
    ),
    "LoginIn": _body(
        "A user's login",
        {"username": _TEXT, "password": _TEXT, "code": {**_TEXT, "description": "TOTP, if enrolled"}},
        ("username", "password"),
    ),
    "PasswordChangeIn": _body(
        "Change your own password",
        {"current_password": _TEXT, "new_password": _TEXT},
        ("current_password", "new_password"),
    ),
    "TotpCodeIn": _body("A code from the authenticator app", {"code": _TEXT}, ("code",)),
    "ApiKeyIn": _body(
        "An API key for an institution's system",
        {
            "label": _TEXT,
            "institution": _TEXT,
            "roles": _ROLES,
            "days": {"type": "integer", "default": 365, "description": "validity"},
            **_REASON,
        },
        ("label", "institution", "roles"),
    ),
    "ApiKeyRotationIn": _body(
        "A new key for the same client",
        {
            "overlap_hours": {"type": "number", "default": 24, "description": "how long the old key still works"},
            **_REASON,
        },
    ),
    "UserIn": _body(
        "A user (their initial password is in the answer, once)",
        {"username": _TEXT, "roles": _ROLES, "institution": _TEXT, **_REASON},
        ("username", "roles"),
    ),
    "RolesIn": _body("A user's roles (not your own)", {"roles": _ROLES, **_REASON}, ("roles",)),
}

# One example of each body that does something (shown by the docs; schemathesis sends them first).
_CASE_EXAMPLE = {"case_number": "SZ-2024-001", "authority": "Shenzhen PSB", "reason": "telecom fraud"}
BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "ReasonIn": {"reason": "confirmed with the customer"},
    "CustomerLimitsIn": {"single": "5000.00", "daily": "20000.00", "reason": "asked at the branch"},
    "TransferAgreementIn": {
        "to_account_daily_amount": "10000.00",
        "to_account_daily_count": 5,
        "to_bank_daily_amount": "50000.00",
        "to_bank_daily_count": 10,
        "reason": "signed at the branch",
    },
    "ListEntryIn": {"value": "dev-77", "reason": "fraud ring", "source": "case 7", "evidence": "report 2231"},
    "PenaltyChangeIn": {"expires_at": "2030-01-01T00:00:00+08:00", "reason": "court order 2024-17"},
    "CheckerNoteIn": {"note": "checked against the case file"},
    "StopPaymentIn": {"account_id": "a-9", **_CASE_EXAMPLE},
    "FreezeIn": {"account_id": "a-9", "amount": "500.00", **_CASE_EXAMPLE, "expires_at": "2030-01-01T00:00:00+08:00"},
    "RentedAccountIn": {
        "account_id": "a-8",
        "owner_id_number": "11010519491231002X",
        "reason": "sold the account",
        "source": "police",
    },
    "OrderRequestIn": {
        "request_id": "req-2024-001",
        "kind": "stop_payment",
        "authority": "Shenzhen PSB",
        "case_number": "SZ-2024-003",
        "officer": "Officer Wang",
        "reason": "telecom fraud",
        "accounts": [{"account_id": "a-7"}],
    },
    "TraceIn": {"event_id": "t-1001", "window_hours": 72, "max_hops": 6},
    "TraceStopIn": {"event_id": "t-1001", **_CASE_EXAMPLE},
    "SharingReportIn": {"subject_type": "phone", "value": "13800138000", "risk_type": "telecom_fraud"},
    "SharingQueryIn": {"subject_type": "phone", "value": "13800138000"},
    "SignedReportIn": {
        "report": {
            "report_id": "5f0c6d1e8a2b4c7d9e0f1a2b3c4d5e6f",
            "subject_type": "account",
            "subject_hash": "5c17a5556ca9d1cfd85a5b420b3a1a6f9fc69cab93c9ab87501b8f6356dfcbaa",
            "risk_type": "telecom_fraud",
            "reported_at": "2026-12-01T02:00:00.000000Z",
            "amount_fen": None,
            "card_count": None,
            "consent_to_disclose": False,
        },
        "signature": "MEUCIQ...",
        "certificate": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n",
    },
    "TokenIn": {
        "card_number": "6222021234567890128",
        "reason": "wallet provisioning",
        "controls": {"max_uses": 10, "per_use_max": "500.00", "channels": [Channel.MOBILE_BANKING.value]},
    },
    "DetokenizeIn": {"purpose": "chargeback 2231"},
    "PasswordCheckIn": {"password": "Xq7pL9", "account_name": "Li Wei", "birth_date": "1990-05-17"},
    "MerchantIn": {"merchant_id": "m-1", "name": "Corner Shop", "mcc": "5411"},
    "TerminalKeyIn": {"kcv": "1A2B3C", "version": "2026-11"},
    "ExportIn": {"what": "penalty_report", "reason": "monthly report to the credit information database"},
    "TerminalIn": {
        "terminal_id": "t-1",
        "serial": "SN-0001",
        "signature": "3045022100c1",
        "certified": True,
        "kind": "fixed",
        "merchants": ["m-1"],
    },
    "RemovalIn": {"reason": "the court withdrew the finding", "ground": "ruling"},
    "SampleIn": {
        "manufacturer": "Landi",
        "model": "A8",
        "certificate": "CUP-2024-0113",
        "valid_until": "2029-12-31",
        "builds": {"3.2.1": "9f2c4e1a7b3d5e60"},
    },
    "SpotCheckIn": {"measured": "9f2c4e1a7b3d5e60", "seal_intact": True, "at_registered_place": True},
    "ApiKeyIn": {"label": "acquirer gateway", "institution": "home", "roles": ["client"], "days": 90},
    "ApiKeyRotationIn": {"overlap_hours": 24, "reason": "yearly rotation"},
    "UserIn": {"username": "li.wei", "roles": ["analyst"], "reason": "joined the fraud team"},
    "RolesIn": {"roles": ["analyst", "supervisor"], "reason": "promoted"},
}
for _name, _example in BODY_EXAMPLES.items():
    BODIES[_name]["examples"] = [_example]


# The Python types a JSON value of each schema type decodes to (numbers are exact: int or Decimal).
_DECODED: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, Decimal, float),
    "array": (list,),
    "object": (dict,),
}


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """Whether a decoded JSON value has the type `schema` describes (types only, not formats)."""
    if "anyOf" in schema:
        return any(_fits(value, branch) for branch in schema["anyOf"])
    kind = schema.get("type")
    if kind is None:
        return True
    if isinstance(value, bool) and kind != "boolean":  # a bool is an int to Python, not to JSON
        return False
    if kind == "array":
        return isinstance(value, list) and all(_fits(item, schema.get("items", {})) for item in value)
    return isinstance(value, _DECODED[kind])


def check_types(name: str, data: dict[str, Any]) -> None:
    """Refuse (InputError naming the field) a field of body `name` whose JSON type is not the one
    BODIES describes, for services that take a body's fields as they come; an absent or null
    field, and one the schema does not name, are left to the service."""
    properties = BODIES[name].get("properties", {})
    for field_name, value in data.items():
        schema = properties.get(field_name)
        if value is not None and schema is not None and not _fits(value, schema):
            kinds = [b.get("type") for b in schema["anyOf"]] if "anyOf" in schema else [schema.get("type")]
            raise InputError(field_name, "must be " + " or ".join(f"a JSON {k}" for k in kinds))


def _model(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=SCHEMAS + "{model}")
    schema.pop("$defs", None)  # each nested model is a component of its own
    return schema


# Every schema the routes refer to beyond FastAPI's own: the event, the error model, the bodies.
COMPONENTS: dict[str, dict[str, Any]] = {
    "Event": _event_schema(),
    "ErrorOut": _model(ErrorOut),
    "FieldErrorOut": _model(FieldErrorOut),
    **BODIES,
}
EVENT_REF = ref("Event")
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")


# Every refusal is an ErrorOut; what each status means.
REFUSALS: dict[int, str] = {
    401: "No credential, or an unknown one",
    403: "The credential lacks the permission",
    404: "Nothing with that name or id",
    409: "Not possible in the present state (named in the message)",
    413: "The body is over the size limit",
    422: "Invalid input: `error.field` names what",
    429: "Too many requests: retry after `Retry-After` seconds",
    503: "A store is unavailable: retry",
}


def refusal(status: int, description: str | None = None) -> dict[str, Any]:
    """An ErrorOut answer with this status, described as REFUSALS does unless told otherwise."""
    return {
        "description": description or REFUSALS[status],
        "content": {"application/json": {"schema": ref("ErrorOut")}},
    }


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that can also refuse with these statuses (404 and 409 depend on
    what the route does; `describe` adds the refusals every operation of a kind can answer)."""
    return {status: refusal(status) for status in statuses}


def json_answer(description: str) -> dict[str, Any]:
    """A JSON answer (an object) of a route's own shape, for a status that is not a refusal."""
    return {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}


def _refusals(path: str, operation: dict[str, Any]) -> list[int]:
    """What any operation like this one can be refused with: 429 by the rate limits in front of
    every route; 401, 403 and 422 where a credential is asked for (422: what it may do with the
    kind of credential it is, or its input); 413 and 422 where a body is read; 503 where a store
    is read (every /v1 operation)."""
    statuses = [429]
    if operation.get("security"):
        statuses += [401, 403, 422]
    if "requestBody" in operation:
        statuses += [413, 422]
    if path.startswith("/v1/"):
        statuses.append(503)
    return statuses


def describe(spec: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's description completed (in place; doing it twice changes nothing): the schemas of
    `COMPONENTS`; the one error model where FastAPI describes its own 422 answer (the app answers
    a RequestValidationError in that model too, so the two agree); and the refusals each
    operation can answer (`_refusals`), so that a client knows every status it may get."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(COMPONENTS)
    theirs = {SCHEMAS + "HTTPValidationError"}
    for path, path_item in spec.get("paths", {}).items():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                media = response.get("content", {}).get("application/json", {})
                if media.get("schema", {}).get("$ref") in theirs:
                    media["schema"] = ref("ErrorOut")
            for status in _refusals(path, operation):
                responses.setdefault(str(status), refusal(status))
    for name in _FASTAPI_ERRORS:
        schemas.pop(name, None)
    return spec
