"""Sending this institution's signed reports to the sharing hub, and pulling the reports the hub
lets it see. Both are safe to repeat: the outbox keeps a report until the hub took it (a hub that
cannot be reached leaves it waiting, one that refused it keeps the reason), and a pulled report
is kept once whatever the cursor says."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fengkong.domain.errors import InputError, Unavailable
from fengkong.domain.ports import AuditLog, SharedReport, SharingHub, SharingLedger, SharingPeerLog, UnitOfWork
from fengkong.domain.sharing.report import ReportBody
from fengkong.services.read_model import DecisionReadModel

log = logging.getLogger("fengkong.sharing")

PAGE = 500
_REPORTER_CHARS = 128


class SharingExchange:
    def __init__(
        self,
        hub: SharingHub | None,
        peers: SharingPeerLog,
        ledger: SharingLedger,
        audit: AuditLog,
        uow: UnitOfWork,
        read_model: DecisionReadModel,
    ):
        self.hub = hub
        self.peers = peers
        self.ledger = ledger
        self.audit = audit
        self.uow = uow
        self.read_model = read_model
        self._lock = threading.Lock()  # one exchange at a time per process (the CLI, the poller)

    def _hub(self) -> SharingHub:
        if self.hub is None:
            raise InputError(
                "sharing_hub_url",
                "no sharing hub is configured: set FENGKONG_SHARING_HUB_URL with its CA, this institution's "
                "member certificate and key, and the API key the hub issued (docs/operations.md)",
            )
        return self.hub

    def flush(self, limit: int = 100) -> dict[str, Any]:
        """Send what waits in the outbox, oldest first; stop at the first report the hub could
        not take (the rest waits too). Says what was sent, refused and still waiting."""
        hub = self._hub()
        sent: list[str] = []
        refused: list[dict[str, str]] = []
        error: str | None = None
        with self._lock:
            for item in self.peers.pending(hub.url, limit):
                try:
                    hub.send(json.loads(item.payload))
                except Unavailable as exc:
                    error = str(exc)
                    self.peers.mark_failed(item.id, error, refused=False)
                    break
                except InputError as exc:
                    reason = f"{exc.field}: {exc.message}"
                    with self.uow.atomic():
                        self.peers.mark_failed(item.id, reason, refused=True)
                        self.audit.append(
                            "sharing",
                            "sharing.send_refused",
                            f"report:{item.report_id}",
                            reason[:500],
                            {"peer": hub.url},
                        )
                    refused.append({"report_id": item.report_id, "reason": reason})
                    continue
                self.peers.mark_sent(item.id)
                sent.append(item.report_id)
            waiting = len(self.peers.pending(hub.url, PAGE))
        return {"peer": hub.url, "sent": sent, "refused": refused, "waiting": waiting, "error": error}

    def sync(self, pages: int = 20) -> dict[str, Any]:
        """Pull the reports the hub lets this institution see (reciprocity: it must have
        reported) into the local ledger, from where the decision path reads them."""
        hub = self._hub()
        kept = seen = 0
        with self._lock:
            after = self.peers.cursor(hub.url)
            for _ in range(pages):
                page = hub.feed(after, PAGE)
                reports = page.get("reports") or []
                for item in reports:
                    seen += 1
                    kept += self._keep(item, hub.url)
                following = page.get("next")
                if not isinstance(following, int) or following <= after:
                    break
                after = following
                self.peers.set_cursor(hub.url, after)
        self.read_model.refresh()
        return {"peer": hub.url, "received": seen, "kept": kept, "cursor": after}

    def _keep(self, item: object, peer: str) -> int:
        """One pulled report, checked as any input; 1 if it was new."""
        if not isinstance(item, Mapping):
            raise InputError("reports", "the hub sent a report that is not an object")
        fields = {k: item.get(k) for k in ("report_id", "subject_type", "subject_hash", "risk_type", "reported_at")}
        fields |= {"amount_fen": item.get("amount_fen"), "card_count": item.get("card_count")}
        body = ReportBody.from_dict(fields, datetime.now(UTC))
        reporter = item.get("reporter")
        disclosed = item.get("disclosed_by")
        if not isinstance(reporter, str) or not 0 < len(reporter) <= _REPORTER_CHARS:
            raise InputError("reports.reporter", "the hub's name for the reporting institution is required")
        if disclosed is not None and (not isinstance(disclosed, str) or len(disclosed) > _REPORTER_CHARS):
            raise InputError("reports.disclosed_by", "an institution id or null")
        if self.ledger.has_report(body.report_id):
            return 0
        report = SharedReport(
            reporter,
            body.risk_type,
            body.reported_at,
            body.report_id,
            body.amount_fen,
            body.card_count,
            disclosed,
            "hub",
        )
        with self.uow.atomic():
            self.ledger.add(body.subject_type, body.subject_hash, report)
            self.audit.append(
                "sharing",
                "sharing.pulled",
                f"{body.subject_type}:{body.subject_hash[:16]}",
                body.risk_type,
                {"peer": peer, "report_id": body.report_id},
            )
        return 1

    def outbox(self, limit: int = 100) -> list[dict[str, Any]]:
        """The most recent reports sent or waiting, newest first (never their content)."""
        return [
            {
                "report_id": i.report_id,
                "peer": i.peer,
                "state": i.state,
                "attempts": i.attempts,
                "last_error": i.last_error,
                "queued_at": i.queued_at.isoformat(),
                "sent_at": None if i.sent_at is None else i.sent_at.isoformat(),
            }
            for i in self.peers.outbox(limit)
        ]


class SharingPoller:
    """Sends waiting reports and pulls new ones every `every_s` seconds, in a thread of `serve`."""

    def __init__(self, exchange: SharingExchange, every_s: float):
        self.exchange = exchange
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> None:
        for name, step in (("send", self.exchange.flush), ("pull", self.exchange.sync)):
            try:
                step()
            except Exception:  # noqa: BLE001 - the next round retries; the outbox keeps what waits
                log.exception("sharing %s failed", name)

    def start(self) -> None:
        if self.every_s <= 0 or self._thread is not None or self.exchange.hub is None:
            return
        self._thread = threading.Thread(target=self._run, name="sharing", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.round()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
