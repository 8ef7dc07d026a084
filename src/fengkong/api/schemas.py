"""Request and response schemas for the OpenAPI description of the HTTP API.

Events are validated by the domain validator (one implementation for every entry point, errors
in the contract's shape); their schema here is generated from the validator's own field table,
so the description shows every contract field and cannot drift from what is accepted.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from fengkong.domain.validation import event_json_schema


class ReasonOut(BaseModel):
    code: str
    rule_id: str
    message: str
    message_zh: str
    message_en: str
    outcome: str
    score: float
    rule_version: int


class ChallengeOut(BaseModel):
    challenge_id: str = Field(description="answer it with a challenge_result naming this id")
    required_factors: list[str] = Field(description="what the customer must pass; always satisfiable")
    expires_at: str = Field(description="ISO-8601 on event time; a later answer is expired")


class DecisionOut(BaseModel):
    event_id: str
    decision: str = Field(description="approve, step_up, review, delay_settlement, reject, stop_payment")
    status: str = Field(description="pending (step_up, review: waiting for an answer) or final")
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


EVENT_REF = {"$ref": "#/components/schemas/Event"}
# Schemas referenced by routes that read their bodies themselves; added to the document's components.
COMPONENTS: dict[str, dict[str, Any]] = {"Event": event_json_schema()}
