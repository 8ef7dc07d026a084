"""Reciprocal risk-information sharing between member institutions (R4, 003 §4.1.2, 001 §1.8-10).

Subjects are exchanged only as keyed SM3 hashes under a consortium key shared by the members,
so raw personal data never crosses institutions. Only an institution that has reported may
query or pull (reciprocity), and the institution is always the one proven by the caller's
credential and, for a report from another fengkong, by the signature of its member certificate
- never a body field. Every query, allowed or not, and every refused report is logged and
audited. Answers say how many reports and institutions there are and of what risk types; they
name a reporting institution only where its report consented to that.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import Conflict, InputError, NotPermitted
from fengkong.domain.ports import (
    AuditLog,
    IdentifierProtector,
    ReportSigner,
    ReportVerifier,
    SharedReport,
    SharingLedger,
    SharingPeerLog,
    UnitOfWork,
)
from fengkong.domain.sharing.report import RISK_TYPE, SUBJECT_HASH, ReportBody, SignedReport
from fengkong.domain.sharing.subjects import SUBJECT_TYPES, canonical_subject, subject_hash
from fengkong.domain.sharing.summary import fact_of, summarize
from fengkong.services.read_model import DecisionReadModel

__all__ = ["SUBJECT_TYPES", "SharingService"]

FEED_PAGE = 500


class SharingService:
    def __init__(
        self,
        ledger: SharingLedger,
        audit: AuditLog,
        consortium: IdentifierProtector,
        uow: UnitOfWork,
        *,
        home_institution: str = "home",
        read_model: DecisionReadModel | None = None,
        signer: ReportSigner | None = None,
        verifier: ReportVerifier | None = None,
        peers: SharingPeerLog | None = None,
        hub_url: str | None = None,
        pseudonyms: IdentifierProtector | None = None,
    ):
        self.ledger = ledger
        self.audit = audit
        self._consortium = consortium  # keyed hashes under the key the member institutions share
        self.uow = uow
        self.home = home_institution
        self._read_model = read_model
        self._signer = signer  # this institution's member certificate: its reports are signed
        self._verifier = verifier  # the members' CA: signed reports of others are checked
        self._peers = peers
        self._hub_url = hub_url  # where this institution's signed reports are sent
        self._pseudonyms = pseudonyms or consortium  # a key of this fengkong only, in production

    def subject_hash(self, subject_type: str, value: str) -> str:
        today = clock.business_date(clock.to_epoch_seconds(clock.utc_now()))
        return subject_hash(self._consortium, subject_type, canonical_subject(subject_type, value, today))

    # ------------------------------------------------------------------ reporting
    def report(
        self,
        institution_id: str,
        subject_type: str,
        value: str,
        risk_type: str,
        actor: str,
        *,
        amount_fen: int | None = None,
        card_count: int | None = None,
        consent_to_disclose: bool = False,
    ) -> dict[str, Any]:
        """A report by a person or system of `institution_id` (their credential's). This
        institution's own reports are signed and, with a hub configured, queued for it in the
        same commit: nothing reported is lost if the hub is down."""
        if not RISK_TYPE.match(risk_type):
            raise InputError("risk_type", "a lower-case word such as telecom_fraud, cash_out, account_rental")
        return self.report_hash(
            institution_id,
            subject_type,
            self.subject_hash(subject_type, value),
            risk_type,
            actor,
            amount_fen=amount_fen,
            card_count=card_count,
            consent_to_disclose=consent_to_disclose,
        )

    def report_hash(
        self,
        institution_id: str,
        subject_type: str,
        digest: str,
        risk_type: str,
        actor: str,
        *,
        amount_fen: int | None = None,
        card_count: int | None = None,
        consent_to_disclose: bool = False,
    ) -> dict[str, Any]:
        """A report of a subject already held as its consortium hash (a blacklisted merchant's
        legal representative, whose number fengkong does not keep)."""
        if not institution_id.strip():
            raise InputError("institution_id", "is required")
        if not RISK_TYPE.match(risk_type):
            raise InputError("risk_type", "a lower-case word such as telecom_fraud, cash_out, account_rental")
        body = ReportBody.from_dict(
            {
                "report_id": secrets.token_hex(16),
                "subject_type": subject_type,
                "subject_hash": digest,
                "risk_type": risk_type,
                "reported_at": datetime.now(UTC).isoformat(),
                "amount_fen": amount_fen,
                "card_count": card_count,
                "consent_to_disclose": consent_to_disclose,
            },
            datetime.now(UTC),
        )
        signed = self._sign(body) if institution_id == self.home else None
        queued = signed is not None and self._peers is not None and self._hub_url is not None
        report = SharedReport(
            institution_id,
            risk_type,
            body.reported_at,
            body.report_id,
            amount_fen,
            card_count,
            institution_id if consent_to_disclose else None,
            "local",
        )
        with self.uow.atomic():
            self._keep(subject_type, digest, report)
            if queued:
                assert self._peers is not None and self._hub_url is not None and signed is not None
                self._peers.enqueue(self._hub_url, body.report_id, json.dumps(signed.to_dict()))
            self.audit.append(
                actor or institution_id,
                "sharing.report",
                f"{subject_type}:{digest[:16]}",
                risk_type,
                {"institution_id": institution_id, "report_id": body.report_id, "queued_for": self._hub_url},
            )
        return {"reported": True, "report_id": body.report_id, "signed": signed is not None, "queued": queued}

    def _sign(self, body: ReportBody) -> SignedReport | None:
        if self._signer is None:
            return None
        if self._signer.institution != self.home:
            raise InputError(
                "sharing_cert",
                f"the member certificate names {self._signer.institution!r}, this fengkong is {self.home!r} "
                "(FENGKONG_INSTITUTION_ID)",
            )
        return SignedReport(body, self._signer.sign(body.signed_bytes()), self._signer.certificate_pem)

    def receive(self, data: object, institution_id: str, actor: str) -> dict[str, Any]:
        """A signed report from another member, sent with a credential of `institution_id`. The
        signature must verify against the members' CA and be that institution's; a report id is
        accepted once. A refusal is audited and raised naming the field."""
        report_id: str | None = None
        try:
            now = datetime.now(UTC)
            signed = SignedReport.from_dict(data, now)
            report_id = signed.body.report_id
            if self._verifier is None:
                raise NotPermitted(
                    "certificate", "this fengkong takes no signed reports: FENGKONG_SHARING_MEMBERS_CA is not set"
                )
            signer = self._verifier.signer_of(signed.body.signed_bytes(), signed.signature, signed.certificate_pem, now)
            if signer != institution_id:
                raise NotPermitted("certificate", f"signed by {signer!r}, but the credential is of {institution_id!r}")
            if self.ledger.has_report(report_id):
                raise Conflict("report.report_id", "this report was received already (a replay)")
            body = signed.body
            report = SharedReport(
                signer,
                body.risk_type,
                body.reported_at,
                report_id,
                body.amount_fen,
                body.card_count,
                signer if body.consent_to_disclose else None,
                "peer",
            )
            with self.uow.atomic():
                self._keep(body.subject_type, body.subject_hash, report)
                self.audit.append(
                    actor,
                    "sharing.receive",
                    f"{body.subject_type}:{body.subject_hash[:16]}",
                    body.risk_type,
                    {"institution_id": signer, "report_id": report_id},
                )
        except InputError as refused:
            with self.uow.atomic():
                self.audit.append(
                    actor,
                    "sharing.refused",
                    f"report:{report_id or '(unreadable)'}",
                    f"{refused.field}: {refused.message}"[:500],
                    {"institution_id": institution_id, "field": refused.field},
                )
            raise
        return {"accepted": True, "report_id": report_id}

    def _keep(self, subject_type: str, digest: str, report: SharedReport) -> None:
        """Inside the caller's commit: the report, and the read model once it is committed."""
        self.ledger.add(subject_type, digest, report)
        if self._read_model is not None:
            stamp = self.ledger.stamp()
            fact = fact_of(report)
            read_model = self._read_model
            self.uow.on_commit(lambda: read_model.shared_added(subject_type, digest, fact, stamp))

    # ------------------------------------------------------------------ asking
    def _allowed(self, institution_id: str, subject_type: str, digest: str, actor: str, action: str) -> None:
        """Reciprocity: only an institution that has reported may ask. Logged either way."""
        allowed = self.ledger.has_reported(institution_id)
        with self.uow.atomic():
            self.ledger.log_query(institution_id, subject_type, digest, allowed)
            self.audit.append(
                actor or institution_id,
                action,
                f"{subject_type}:{digest[:16]}",
                "allowed" if allowed else "refused: has not reported",
                {"institution_id": institution_id},
            )
        if not allowed:
            raise NotPermitted(
                "institution_id", "only institutions that have reported risk events may query (reciprocity)"
            )

    def query(
        self, institution_id: str, subject_type: str, value: str, actor: str, *, hashed: str | None = None
    ) -> dict[str, Any]:
        """What the members reported about a subject, given in clear (`value`) or, from
        another fengkong, as its consortium hash (`hashed`)."""
        if hashed is not None:
            if subject_type not in SUBJECT_TYPES:
                raise InputError("subject_type", f"one of {', '.join(SUBJECT_TYPES)}")
            if not SUBJECT_HASH.match(hashed):
                raise InputError("subject_hash", "the consortium-keyed SM3 hash: 64 lower-case hex characters")
            digest = hashed
        else:
            digest = self.subject_hash(subject_type, value)
        self._allowed(institution_id, subject_type, digest, actor, "sharing.query")
        reports = self.ledger.reports_about(subject_type, digest)
        found = summarize([fact_of(r) for r in reports], float("inf"), None, institution_id)
        if found is None:
            return {"subject_type": subject_type, "reports": 0, "institutions": 0, "risk_types": {}}
        return {
            "subject_type": subject_type,
            "reports": found["reports"],
            "institutions": found["institutions"],
            "risk_types": found["risk_types"],
            "amount_fen": sum(r.amount_fen for r in reports if r.amount_fen is not None) or None,
            "cards": found["cards"],
            "disclosed_institutions": found["disclosed"],  # only reporters that consented
            "first_reported": min(r.reported_at for r in reports).isoformat(),
            "last_reported": max(r.reported_at for r in reports).isoformat(),
        }

    def feed(self, institution_id: str, after: int, limit: int, actor: str) -> dict[str, Any]:
        """The reports after position `after` that another member may pull (reciprocity holds):
        all but its own, each reporter named only where it consented, otherwise by a pseudonym
        of this fengkong (stable, so the puller can count institutions, and not reversible)."""
        if after < 0 or not 1 <= limit <= FEED_PAGE:
            raise InputError("limit", f"after is 0 or more, limit from 1 to {FEED_PAGE}")
        self._allowed(institution_id, "*", "", actor, "sharing.query.feed")
        rows = self.ledger.reports_after(after, limit)
        reports = [
            {
                "report_id": r.report_id,
                "subject_type": subject_type,
                "subject_hash": digest,
                "risk_type": r.risk_type,
                "reported_at": r.reported_at.isoformat(),
                "amount_fen": r.amount_fen,
                "card_count": r.card_count,
                "reporter": self._pseudonym(r),
                "disclosed_by": r.disclosed_by,
            }
            for _, subject_type, digest, r in rows
            if r.report_id is not None and r.institution_id != institution_id
        ]
        return {"reports": reports, "next": rows[-1][0] if rows else after}

    def _pseudonym(self, report: SharedReport) -> str:
        if report.origin == "hub":  # pulled from another hub: its pseudonym already
            return report.institution_id
        return "anon:" + self._pseudonyms.identifier_hash("sharing_reporter", report.institution_id)[:16]

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
