"""Terminal master-key records (001 §1.8-7②): each load or rotation is written to the terminal's
record and the audit log by the custodian who did it; the report finds shared and overdue keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fengkong.domain import clock
from fengkong.domain.errors import required
from fengkong.domain.terminal_keys import KeyLoad, check_kcv, check_version, key_findings
from fengkong.services.merchants import MerchantService


class TerminalKeys:
    def __init__(self, merchants: MerchantService, policy: Callable[[str], Any]):
        self.merchants = merchants
        self.policy = policy

    def record(
        self, terminal_id: str, *, kcv: str, version: str, actor: str, loaded_at: str | None = None
    ) -> dict[str, Any]:
        """A key loaded into a terminal: its check value and version, and who loaded it when.
        The answer says whether another terminal carries the same key."""
        required(actor=actor)
        terminal = self.merchants.terminal(terminal_id)
        history = list(terminal.get("keys") or [])
        when = clock.utc_now() if not loaded_at else clock.parse_moment("loaded_at", loaded_at)
        load = KeyLoad(check_version(version, history), check_kcv(kcv), when.isoformat(), actor)
        record = {**terminal, "keys": [*history, load.to_dict()], "key_version": load.version}
        self.merchants.keep("terminal", terminal_id, record, str(terminal.get("status") or "active"), actor)
        shared = [
            f.to_dict()
            for f in self._findings(when)
            if f.code == "TERMINAL_KEY_SHARED" and f.terminal_id == terminal_id
        ]
        for finding in shared:  # an alert on record, for the custodians and the audit
            self.merchants.audit.append(actor, "alert.terminal_key_shared", f"terminal:{terminal_id}", "", finding)
        return {"terminal_id": terminal_id, "key": load.to_dict(), "rotation": len(history) > 0, "findings": shared}

    def report(self, at: str | None = None) -> dict[str, Any]:
        moment = clock.utc_now() if not at else clock.parse_moment("at", at)
        findings = self._findings(moment)
        return {
            "at": moment.isoformat(),
            "rotation_days": int(self.policy("terminal_key_rotation_days")),
            "terminals": len(self._current()),
            "findings": [f.to_dict() for f in findings],
        }

    def _current(self) -> dict[str, dict[str, Any] | None]:
        return {
            terminal_id: (record.get("keys") or [None])[-1]
            for terminal_id, record in self.merchants.terminals().items()
        }

    def _findings(self, at: datetime) -> list[Any]:
        return key_findings(self._current(), at, int(self.policy("terminal_key_rotation_days")))
