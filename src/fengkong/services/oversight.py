"""Oversight of sensitive data (003 篇四 ch.4; 001 §1.8-1③): an export of personal data is asked
for (what, why), approved by a second authenticated person through the maker-checker queue, made
once by the one who asked, and recorded — what, how many rows, why, who asked, who approved; the
internal audit, held at least twice a year, gets a report of who saw or exported what, when and
under which role and approval.

Both live in the audit chain, so the report is made from the same tamper-evident rows that
prove it complete."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from fengkong.domain import clock
from fengkong.domain.changes import ChangeRequest, RequestStatus
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted, required
from fengkong.domain.ports import AuditLog, ChangeRequests, UnitOfWork
from fengkong.domain.sensitive import scrub_free_text

# Actions that reveal or move sensitive data, and logins (who could have seen it).
SENSITIVE = ("export.", "token.detokenize", "access.login", "sharing.query", "request.quick_query", "alert.")
AUDIT_EVERY_DAYS = 183  # at least twice a year
EXPORT = "export"  # the maker-checker action of an export
EXPORTS = ("penalty_report", "cashout_register")  # what can be exported, each needing an approval


class Oversight:
    def __init__(self, audit: AuditLog, requests: ChangeRequests, uow: UnitOfWork):
        self.audit = audit
        self.requests = requests
        self.uow = uow

    def request_export(self, *, actor: str, what: str, reason: str) -> ChangeRequest:
        """Ask to export: a maker-checker request that another person approves (`changes approve`)."""
        if what not in EXPORTS:
            raise InputError("what", f"one of {', '.join(EXPORTS)}")
        required(actor=actor, reason=reason)
        reason = scrub_free_text(reason)
        with self.uow.atomic():
            request = self.requests.create(EXPORT, {"what": what}, actor, reason)
            self.audit.append(actor, f"request.{EXPORT}", f"change_request:{request.id}", reason, {"what": what})
        return request

    def approval(self, *, actor: str, what: str, request_id: int) -> ChangeRequest:
        """The approved request this export is made under, checked before anything is written: an
        export of `what`, asked for by this actor, approved by another person, not used yet."""
        request = self.requests.get(request_id)
        if request is None or request.action != EXPORT:
            raise NotFound("approval", "no export request with this number")
        if request.payload.get("what") != what:
            raise Conflict("approval", f"approves an export of {request.payload.get('what')}, not of {what}")
        if request.maker != actor:
            raise NotPermitted("approval", "was asked for by someone else: the one who asked makes the export")
        if request.status != RequestStatus.APPROVED.value:
            raise Conflict("approval", f"is {request.status}: a second person approves it first")
        if any(
            _used(record.payload, request_id) for record in self.audit.records() if record.action == f"export.{what}"
        ):
            raise Conflict("approval", "was used already: ask again for another export")
        return request

    def record_export(self, *, actor: str, rows: int, approval: ChangeRequest, roles: tuple[str, ...] = ()) -> None:
        """The export made under an approval: what, how many rows, why, who approved."""
        what = str(approval.payload["what"])
        self.audit.append(
            actor,
            f"export.{what}",
            what,
            approval.reason,
            {"rows": rows, "approval": approval.id, "approved_by": approval.checker, "roles": list(roles)},
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


def _used(payload: str, request_id: int) -> bool:
    try:
        return bool(json.loads(payload).get("approval") == request_id)
    except (ValueError, AttributeError):
        return False
