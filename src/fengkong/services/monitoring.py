"""Batch monitoring use cases: export stored events for analytics, scan for credit-card
cash-out, apply the graded dispositions, find common points of compromise, write the risk
event register. Dispositions and flags go through the audited paths (reference data, lists)
and take effect on the next event."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fengkong.batch.cashout import CashOutReport, scan
from fengkong.batch.compromise import CompromisePoint, find_compromise_points
from fengkong.batch.export import export_events
from fengkong.batch.register import register_rows, write_register
from fengkong.services.controls import ControlsService
from fengkong.services.decide import Engine
from fengkong.services.registry import RegistryService


class MonitoringService:
    def __init__(self, engine: Engine, controls: ControlsService, registry: RegistryService, db_url: str, parquet_dir: Path):
        self.engine = engine
        self.controls = controls
        self.registry = registry
        self.db_url = db_url
        self.parquet_dir = parquet_dir

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Export events stored since the last export (Parquet, for the batch scans)."""
        return export_events(self.db_url, self.parquet_dir, progress=progress)

    def cashout(self, window_days: int = 30, *, apply: bool = False, actor: str = "", min_level: int = 2) -> tuple[CashOutReport, int]:
        report = scan(self.parquet_dir, window_days)
        applied = 0
        if apply:
            if not actor.strip():
                raise ValueError("applying dispositions needs an actor")
            policy = self.engine.rules.policy_value
            caps = {
                "transaction_control": (policy("cashout_control_single"), policy("cashout_control_daily")),
                "credit_limit_reduction": (policy("cashout_reduced_single"), policy("cashout_reduced_daily")),
                "lower_limits": (policy("cashout_merchant_single"), policy("cashout_merchant_daily")),
            }
            for finding in report.merchants + report.cardholders:
                if finding.level < min_level or finding.disposition is None:
                    continue
                values: dict[str, Any] = {"action": finding.disposition, "level": finding.level}
                if finding.disposition in caps:
                    values["single"], values["daily"] = caps[finding.disposition]
                kind = "merchant_disposition" if finding.kind == "merchant" else "card_disposition"
                reason = f"cash-out score {finding.score} level {finding.level}: {', '.join(finding.drivers)}"
                self.engine.set_reference(kind, finding.entity_id, values, actor, reason + (" [re-check]" if finding.recheck else ""))
                applied += 1
        return report, applied

    def compromise(self, days_before: int = 30, *, flag: bool = False, actor: str = "", min_victims: int = 3,
                   min_share: float = 0.5) -> tuple[int, list[CompromisePoint]]:
        victims, points = find_compromise_points(self.parquet_dir, days_before)
        if flag:
            for point in points:
                if point.victims >= min_victims and point.victim_share >= min_share:
                    self.controls.add("compromised_terminal", point.terminal_id, actor=actor, source="cpp-analysis",
                                      reason=f"{point.victims} of {victims} confirmed counterfeit/stolen cards used it "
                                             f"within {days_before} days before their first fraud")
        return victims, points

    def register(self, report: CashOutReport, path: Path, min_level: int = 3) -> int:
        registry = {entity: record for _, entity, record in self.registry.store.all("merchant")}
        rows = register_rows(report, self.parquet_dir, registry, min_level)
        write_register(rows, path)
        return len(rows)
