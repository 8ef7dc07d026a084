"""Batch monitoring: export stored events for analytics, scan for credit-card cash-out, apply
the graded dispositions, find common points of compromise, write the risk event register.
Dispositions and flags go through the audited services (reference data, lists) and take effect
on the next event."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fengkong.batch.cashout import CashOutReport, scan
from fengkong.batch.compromise import CompromisePoint, find_compromise_points
from fengkong.batch.export import export_events
from fengkong.batch.peers import PeerFinding
from fengkong.batch.peers import scan as peer_scan
from fengkong.batch.register import register_rows, write_register
from fengkong.domain.acquiring.limits import Limits, cashout_lowered
from fengkong.domain.errors import required
from fengkong.domain.ports import EventLog
from fengkong.services.lists import ListService
from fengkong.services.merchants import MerchantService
from fengkong.services.reference import ReferenceData

Policy = Callable[[str], Any]


# Dispositions that change what the customer may do with their own credit line: only on a
# second person's approval (003 §2.4.2 graded disposition; four eyes like list removals).
NEEDS_APPROVAL = frozenset({"credit_limit_reduction", "account_control"})
DISPOSITION_ACTION = "cashout_disposition"


class Monitoring:
    def __init__(
        self,
        events: EventLog,
        parquet_dir: Path,
        *,
        reference: ReferenceData,
        lists: ListService,
        merchants: MerchantService,
        policy: Policy,
    ):
        self.events = events
        self.parquet_dir = parquet_dir
        self.proposed = 0  # the last scan's dispositions waiting for a second person
        self.reference = reference
        self.lists = lists
        self.merchants = merchants
        self.policy = policy

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Export events stored since the last export (Parquet, for the batch scans)."""
        return export_events(self.events, self.parquet_dir, progress=progress)

    def cashout(
        self, window_days: int = 30, *, apply: bool = False, actor: str = "", min_level: int = 2
    ) -> tuple[CashOutReport, int]:
        """Scan; with `apply`, set the dispositions found - except a credit-limit reduction or
        account control, which become requests a second person approves (`proposed` in the
        report's counts: `fengkong lists approve` / `POST /v1/changes/{id}:approve`)."""
        report = scan(self.parquet_dir, window_days)
        applied = proposed = 0
        if apply:
            required(actor=actor)
            registered = self.merchants.merchants()
            caps = {
                "transaction_control": ("cashout_control_single", "cashout_control_daily"),
                "credit_limit_reduction": ("cashout_reduced_single", "cashout_reduced_daily"),
                "lower_limits": ("cashout_merchant_single", "cashout_merchant_daily"),
            }
            for finding in report.merchants + report.cardholders:
                if finding.level < min_level or finding.disposition is None:
                    continue
                values: dict[str, Any] = {"action": finding.disposition, "level": finding.level}
                if finding.disposition in caps:
                    values["single"], values["daily"] = (self.policy(name) for name in caps[finding.disposition])
                lowered = _lowered(registered.get(finding.entity_id), finding.level, self.policy)
                if (
                    finding.disposition == "lower_limits" and lowered is not None
                ):  # 003 §3.2.4: the merchant's own limits, lowered by level
                    values["single"], values["daily"] = str(lowered.single), str(lowered.daily)
                    values["basis"] = lowered.basis
                kind = "merchant_disposition" if finding.kind == "merchant" else "card_disposition"
                reason = f"cash-out score {finding.score} level {finding.level}: {', '.join(finding.drivers)}"
                reason += " [re-check]" if finding.recheck else ""
                if finding.disposition in NEEDS_APPROVAL:  # 003 §2.4.2: a person decides these
                    payload = {"kind": kind, "entity_id": finding.entity_id, "values": values, "reason": reason}
                    self.lists.request_action(DISPOSITION_ACTION, payload, maker=actor, reason=reason)
                    proposed += 1
                    continue
                self.reference.set(kind, finding.entity_id, values, actor=actor, reason=reason)
                applied += 1
        self.proposed = proposed
        return report, applied

    def peers(self, window_days: int = 30) -> list[PeerFinding]:
        """Merchants against their peers and their own history; settlement accounts' fund flows
        where the registry names the account and its transactions are sent."""
        accounts = {
            record["settlement_account_ref"]: merchant_id
            for merchant_id, record in self.merchants.merchants().items()
            if record.get("settlement_account_ref")
        }
        return peer_scan(self.parquet_dir, window_days, accounts)

    def compromise(
        self,
        days_before: int = 30,
        *,
        flag: bool = False,
        actor: str = "",
        min_victims: int = 3,
        min_share: float = 0.5,
    ) -> tuple[int, list[CompromisePoint]]:
        victims, points = find_compromise_points(self.parquet_dir, days_before)
        if flag:
            for point in points:
                listed = self.lists.lookup("compromised_terminal", point.terminal_id)
                if point.victims >= min_victims and point.victim_share >= min_share and not listed:
                    self.lists.add(
                        "compromised_terminal",
                        point.terminal_id,
                        actor=actor,
                        source="cpp-analysis",
                        reason=f"{point.victims} of {victims} confirmed counterfeit/stolen cards used it "
                        f"within {days_before} days before their first fraud",
                    )
        return victims, points

    def register(self, report: CashOutReport, path: Path, min_level: int = 3) -> int:
        rows = register_rows(report, self.parquet_dir, self.merchants.merchants(), min_level)
        write_register(rows, path)
        return len(rows)


def _lowered(record: dict[str, Any] | None, level: int, policy: Policy) -> Limits | None:
    """A registered merchant's own limits lowered for its cash-out level (None: not registered
    with limits - the policy's fixed caps apply)."""
    if not record or record.get("single_limit") is None or record.get("daily_limit") is None:
        return None
    own = Limits(Decimal(record["single_limit"]), Decimal(record["daily_limit"]), "its limits")
    return cashout_lowered(own, level, policy)
