"""Keeps a long-running process current: reference data, lists, tokens and registries changed by
the CLI or another node, and rule files changed on disk (reloaded all or nothing)."""

from __future__ import annotations

import logging
import threading

from fengkong.services.decide import Engine
from fengkong.services.read_model import DecisionReadModel

log = logging.getLogger("fengkong.watcher")


class Watcher:
    def __init__(self, engine: Engine, read_model: DecisionReadModel, every_s: float):
        self.engine = engine
        self.read_model = read_model
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """One round: refresh what changed elsewhere, reload rule files that changed."""
        try:
            self.read_model.refresh()
        except Exception:  # noqa: BLE001 - keep watching; the next round retries
            log.exception("reference data refresh failed")
        if self.engine.rules.changed_on_disk():
            errors = self.engine.reload_rules()
            for error in errors:
                log.error("rule file refused, active rules kept: %s", error)
            if not errors:
                log.info("rules reloaded: version %s", self.engine.ruleset.version)

    def start(self) -> None:
        if self.every_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
