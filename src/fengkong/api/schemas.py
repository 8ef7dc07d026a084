"""Request and response schemas for the OpenAPI documentation of the HTTP API.

Validation of events is done by the domain validator (one implementation for every entry
point, errors in the contract's shape); these models describe the contract to API users.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Location(BaseModel):
    lat: float | None = None
    lon: float | None = None
    city: str | None = None
    country: str | None = Field(None, description="ISO 3166 alpha-2")


class EventIn(BaseModel):
    """One event of the contract (docs/event-contract.md). Unknown extra fields are kept."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "examples": [{
            "event_id": "e-42", "type": "transaction", "occurred_at": "2019-12-12T03:23:00+08:00",
            "customer_id": "c-1", "txn_type": "transfer", "channel": "quick_pay", "amount": "5000.00",
            "account_id": "a-1", "counterparty_account_id": "a-9", "device_id": "d-1",
        }]
    })

    event_id: str
    type: str = Field(description="transaction, login, account_open, card_bind, profile_change, repayment, feedback")
    occurred_at: str = Field(description="ISO-8601 with UTC offset")
    institution_id: str | None = None
    customer_id: str | None = None
    phone: str | None = None
    device_id: str | None = None
    ip: str | None = None
    location: Location | None = None
    txn_type: str | None = None
    channel: str | None = None
    amount: str | float | None = Field(None, description="yuan, > 0, at most 2 decimals")
    currency: str | None = None
    account_id: str | None = None
    account_kind: str | None = None
    account_class: str | None = None
    card_id: str | None = None
    card_kind: str | None = None
    card_has_chip: bool | None = None
    entry_mode: str | None = None
    counterparty_account_id: str | None = None
    same_name: bool | None = None
    merchant_id: str | None = None
    mcc: str | None = None
    terminal_id: str | None = None
    auth_factors: list[str] | None = None


class ReasonOut(BaseModel):
    code: str
    rule_id: str
    message: str
    message_zh: str
    message_en: str
    outcome: str
    score: float
    rule_version: int


class DecisionOut(BaseModel):
    event_id: str
    decision: str = Field(description="approve, step_up, review, delay_settlement, reject, stop_payment")
    score: float = Field(description="risk score 0-100 with decimals")
    reasons: list[ReasonOut]
    required_factors: list[str]
    latency_ms: float
    ruleset_version: str
    shadow_reasons: list[ReasonOut] | None = None
    replayed: bool | None = None


class FieldErrorOut(BaseModel):
    field: str
    message: str


class EventErrorOut(BaseModel):
    event_id: str | None
    error: FieldErrorOut
    errors: list[FieldErrorOut]


class BatchOut(BaseModel):
    results: list[dict[str, Any]] = Field(description="one decision or error per event, in order")


def request_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
