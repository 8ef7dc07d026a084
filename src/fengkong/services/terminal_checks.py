"""Qualified terminal samples and spot checks (001 §1.8-3②, 004 三(2)): the acquirer registers
each certified model with the firmware builds approved for it; deployed terminals are inspected
on a schedule (who, when, what was measured, the result). A terminal that fails stops
transacting until a later check passes; one past its due date is reported overdue."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from typing import Any, TextIO

from fengkong.domain import clock
from fengkong.domain.acquiring.admission import (
    SAMPLE_KIND,
    SpotCheck,
    against_build,
    fingerprint,
    inspect,
    next_due,
    sample_key,
    sample_of,
)
from fengkong.domain.errors import InputError, required
from fengkong.domain.lifecycle import iso
from fengkong.domain.sensitive import scrub_free_text
from fengkong.services.lists import instant
from fengkong.services.merchants import MerchantService, RegistryRow

Policy = Callable[[str], Any]


def _builds(value: Any) -> dict[str, str]:
    """Approved builds as {version: fingerprint}, or text "1.2.0=ab12...;1.3.0=cd34..."."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.replace(",", ";").split(";") if part.strip()]
        if any(len(p) != 2 for p in pairs):
            raise InputError("builds", "version=fingerprint pairs separated by ';'")
        value = {k.strip(): v for k, v in pairs}
    if not isinstance(value, dict) or not value:
        raise InputError("builds", "at least one approved firmware build: {version: fingerprint}")
    return {str(k).strip(): fingerprint(str(v), "builds") for k, v in value.items()}


def _at(value: Any) -> float:
    found = instant(value, "at")
    return clock.to_epoch_seconds(clock.utc_now()) if found is None else found


class TerminalChecks:
    def __init__(self, registry: MerchantService, policy: Policy):
        self.registry = registry
        self.policy = policy

    def register_sample(self, values: dict[str, Any], *, actor: str) -> dict[str, Any]:
        """Register (or replace) the qualified sample of a manufacturer's model."""
        unknown = set(values) - {"manufacturer", "model", "certificate", "valid_until", "builds"}
        if unknown:
            raise InputError(
                sorted(unknown)[0], "not a sample field; fields: manufacturer, model, certificate, valid_until, builds"
            )
        manufacturer, model = str(values.get("manufacturer") or "").strip(), str(values.get("model") or "").strip()
        certificate = str(values.get("certificate") or "").strip()
        required(manufacturer=manufacturer, model=model, certificate=certificate)
        until = values.get("valid_until")
        if until:
            try:
                until = date.fromisoformat(str(until)[:10]).isoformat()
            except ValueError:
                raise InputError("valid_until", "must be a date YYYY-MM-DD") from None
        record = {
            "manufacturer": manufacturer,
            "model": model,
            "certificate": certificate,
            "valid_until": until or None,
            "builds": _builds(values.get("builds")),
        }
        self.registry.keep(SAMPLE_KIND, sample_key(manufacturer, model), record, "qualified", actor)
        return record

    def import_csv(self, handle: TextIO, *, actor: str) -> list[RegistryRow]:
        """Qualified samples in bulk; every row reported."""
        rows: list[RegistryRow] = []
        for i, row in enumerate(csv.DictReader(handle), start=1):
            values = {k: v for k, v in row.items() if k and v not in (None, "")}
            name = f"{row.get('manufacturer') or ''} {row.get('model') or ''}".strip()
            try:
                self.register_sample(values, actor=actor)
                rows.append(RegistryRow(i, name, "qualified"))
            except InputError as exc:
                rows.append(RegistryRow(i, name, "error", f"{exc.field}: {exc.message}"))
        return rows

    def samples(self) -> list[dict[str, Any]]:
        return [record for _, _, record in self.registry.store.all(SAMPLE_KIND)]

    def spot_check(
        self,
        terminal_id: str,
        *,
        measured: str,
        seal_intact: bool,
        at_registered_place: bool,
        passes: bool = True,
        firmware: str = "",
        note: str = "",
        at: Any = None,
        actor: str,
    ) -> SpotCheck:
        """Record an inspection; a failed one suspends the terminal, a passed one reinstates it."""
        required(actor=actor)
        record = self.registry.terminal(terminal_id)
        when = _at(at)
        firmware = firmware.strip() or str(record.get("firmware") or "")
        read = fingerprint(measured, "measured")
        model = self.registry.read_model
        build = against_build(
            sample_of(model.sample(sample_key(record["manufacturer"], record["model"]))),
            kept=model.keeps_samples(),
            firmware=firmware,
            measured=read,
            registered=str(record.get("fingerprint") or ""),
            on=clock.business_date(when),
        )
        findings = inspect(
            build, seal_intact=seal_intact, at_registered_place=at_registered_place, inspector_passes=passes
        )
        check = SpotCheck(
            when,
            actor,
            "fail" if findings else "pass",
            read,
            seal_intact,
            at_registered_place,
            scrub_free_text(note),
            tuple(findings),
        )
        updated = dict(record)
        updated["checks"] = [*record.get("checks", []), check.to_dict()]
        updated["last_check_ts"] = when
        if findings:
            updated["status"] = "suspended"
        elif record.get("status") == "suspended":
            updated["status"] = record.get("admitted_status") or "active"
        self.registry.keep("terminal", terminal_id, updated, updated["status"], actor)
        return check

    def interval_days(self, record: dict[str, Any]) -> float:
        name = "mobile_pos_spot_check_days" if record.get("kind") == "mobile" else "terminal_spot_check_days"
        return float(self.policy(name))

    def schedule(self, at: Any = None) -> dict[str, Any]:
        """Every admitted terminal's next spot check; those past due are `overdue` (an alert)."""
        now = _at(at)
        due: list[dict[str, Any]] = []
        for terminal_id, record in sorted(self.registry.terminals().items()):
            if record.get("status") == "rejected":
                continue
            since = record.get("deployed_ts") or record.get("registered_ts") or now
            when = next_due(record.get("last_check_ts"), float(since), self.interval_days(record))
            due.append(
                {
                    "terminal_id": terminal_id,
                    "status": record.get("status"),
                    "last_check": iso(record["last_check_ts"]) if record.get("last_check_ts") else None,
                    "next_due": iso(when),
                    "overdue_days": max(0, int((now - when) // 86400)) if now > when else 0,
                }
            )
        overdue = [d for d in due if d["overdue_days"] > 0]
        return {
            "as_of": iso(now),
            "terminals": len(due),
            "overdue": overdue,
            "suspended": [d["terminal_id"] for d in due if d["status"] == "suspended"],
        }
