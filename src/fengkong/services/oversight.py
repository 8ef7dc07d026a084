"""Oversight of sensitive data (003 篇四 ch.4; 001 §1.8-1③): every export is recorded — what, how
many rows, why, who asked and who approved — and the internal audit, held at least twice a
year, gets a report of who saw or exported what, when and under which role and approval.

Both live in the audit chain, so the report is made from the same tamper-evident rows that
prove it complete."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import InputError, NotPermitted, required
from fengkong.domain.ports import AuditLog

# Actions that reveal or move sensitive data, and logins (who could have seen it).
SENSITIVE = ("export.", "token.detokenize", "access.login", "sharing.query", "request.quick_query", "alert.")
AUDIT_EVERY_DAYS = 183  # at least twice a year


class Oversight:
    def __init__(self, audit: AuditLog):
        self.audit = audit

    @staticmethod
    def check_export(*, actor: str, reason: str, approved_by: str) -> None:
        """Refuse an export before it is made: it needs a reason and an approver other than the actor."""
        required(reason=reason, approved_by=approved_by)
        if approved_by.strip() == actor.strip():
            raise NotPermitted("approved_by", "an export is approved by someone other than the person exporting")

    def record_export(
        self, *, actor: str, what: str, rows: int, reason: str, approved_by: str, roles: tuple[str, ...] = ()
    ) -> None:
        """An export of data out of fengkong, approved by someone other than the one exporting."""
        self.check_export(actor=actor, reason=reason, approved_by=approved_by)
        self.audit.append(
            actor, f"export.{what}", what, reason, {"rows": rows, "approved_by": approved_by, "roles": list(roles)}
        )

    def access_report(self, *, actor: str, since: str, until: str) -> dict[str, Any]:
        """Who saw or exported what in [since, until): every such row and the totals per person and
        action. Making the report is itself recorded, and it says when the previous one was made."""
        start, end = clock.parse_moment("since", since), clock.parse_moment("until", until)
        if end <= start:
            raise InputError("until", "must be after since")
        rows: list[dict[str, Any]] = []
        previous: str | None = None
        for record in self.audit.records():
            if record.action == "audit.access_report":
                previous = record.at
            at = datetime.fromisoformat(record.at)
            if start <= at < end and record.action.startswith(SENSITIVE):
                payload = json.loads(record.payload) if record.payload else {}
                rows.append(
                    {
                        "seq": record.seq,
                        "at": record.at,
                        "actor": record.actor,
                        "action": record.action,
                        "subject": record.subject,
                        "reason": record.reason,
                        "roles": payload.get("roles", []) if isinstance(payload, dict) else [],
                        "approved_by": payload.get("approved_by") if isinstance(payload, dict) else None,
                        "rows": payload.get("rows") if isinstance(payload, dict) else None,
                    }
                )
        totals = Counter((r["actor"], r["action"]) for r in rows)
        now = clock.utc_now()
        overdue = previous is None or now - datetime.fromisoformat(previous) > timedelta(days=AUDIT_EVERY_DAYS)
        self.audit.append(actor, "audit.access_report", f"{since}/{until}", "internal audit", {"rows": len(rows)})
        return {
            "since": start.isoformat(),
            "until": end.isoformat(),
            "made_by": actor,
            "previous_report_at": previous,
            "schedule": f"at least every {AUDIT_EVERY_DAYS} days (001 §1.8-1③: twice a year)",
            "previous_report_overdue": overdue,
            "totals": [{"actor": a, "action": act, "count": n} for (a, act), n in sorted(totals.items())],
            "rows": rows,
        }
