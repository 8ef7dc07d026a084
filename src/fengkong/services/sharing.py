"""Reciprocal risk-information sharing between member institutions (R4, 003 ch.4).

Subjects are exchanged only as keyed SM3 hashes under a consortium key shared by the members,
so raw personal data never crosses institutions. Only an institution that has reported may
query (reciprocity); every query, allowed or not, is logged and audited. Answers say how many
reports and institutions there are and of what risk types, never who reported.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fengkong.domain.errors import InputError, NotPermitted
from fengkong.domain.identity.accounts import account_number
from fengkong.domain.identity.phones import checked_phone
from fengkong.domain.ports import AuditLog, IdentifierProtector, SharingLedger, UnitOfWork
from fengkong.domain.sensitive import looks_like_pan

SUBJECT_TYPES = ("account", "phone", "id_number", "device", "card", "merchant")
_RISK = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class SharingService:
    def __init__(self, ledger: SharingLedger, audit: AuditLog, consortium: IdentifierProtector, uow: UnitOfWork):
        self.ledger = ledger
        self.audit = audit
        self._consortium = consortium  # keyed hashes under the key the member institutions share
        self.uow = uow

    def subject_hash(self, subject_type: str, value: str) -> str:
        if subject_type not in SUBJECT_TYPES:
            raise InputError("subject_type", f"one of {', '.join(SUBJECT_TYPES)}")
        text = value.strip()
        if not text:
            raise InputError("value", "is required")
        if subject_type == "phone":
            text = checked_phone(text, "value")  # +86 138… and 138… are one phone
        elif subject_type == "id_number":
            text = text.upper()
        elif subject_type == "account":
            text = account_number(text, "value")  # however it was typed, one account
        elif subject_type == "card" and not looks_like_pan(text):
            raise InputError("value", "a card is shared by its card number (13-19 digits, Luhn-valid)")
        return self._consortium.identifier_hash(subject_type, text)

    def report(self, institution_id: str, subject_type: str, value: str, risk_type: str, actor: str) -> None:
        if not institution_id.strip():
            raise InputError("institution_id", "is required")
        if not _RISK.match(risk_type):
            raise InputError("risk_type", "a lower-case word such as telecom_fraud, cash_out, account_rental")
        digest = self.subject_hash(subject_type, value)
        with self.uow.atomic():
            self.ledger.add_report(institution_id, subject_type, digest, risk_type)
            self.audit.append(
                actor or institution_id,
                "sharing.report",
                f"{subject_type}:{digest[:16]}",
                risk_type,
                {"institution_id": institution_id},
            )

    def query(self, institution_id: str, subject_type: str, value: str, actor: str) -> dict[str, Any]:
        digest = self.subject_hash(subject_type, value)
        allowed = self.ledger.has_reported(institution_id)
        with self.uow.atomic():
            self.ledger.log_query(institution_id, subject_type, digest, allowed)
            self.audit.append(
                actor or institution_id,
                "sharing.query",
                f"{subject_type}:{digest[:16]}",
                "allowed" if allowed else "refused: has not reported",
                {"institution_id": institution_id},
            )
        if not allowed:
            raise NotPermitted(
                "institution_id", "only institutions that have reported risk events may query (reciprocity)"
            )
        reports = self.ledger.reports_about(subject_type, digest)
        if not reports:
            return {"subject_type": subject_type, "reports": 0, "institutions": 0, "risk_types": {}}
        return {
            "subject_type": subject_type,
            "reports": len(reports),
            "institutions": len({r.institution_id for r in reports}),
            "risk_types": dict(Counter(r.risk_type for r in reports)),
            "first_reported": min(r.reported_at for r in reports).isoformat(),
            "last_reported": max(r.reported_at for r in reports).isoformat(),
        }

    def queries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The most recent queries asked of the consortium, newest first."""
        return [
            {
                "institution_id": q.institution_id,
                "subject_type": q.subject_type,
                "allowed": q.allowed,
                "asked_at": q.asked_at.isoformat(),
            }
            for q in self.ledger.queries(limit)
        ]
