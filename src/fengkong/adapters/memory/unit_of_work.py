"""The unit of work of the in-memory stores: writes inside a block are undone if it raises.

One lock serialises every block (and every read, so no reader iterates a dict while a writer
changes it). Stores record how to undo each write with `journal`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class _Scope(threading.local):
    depth = 0
    undo: list[Callable[[], object]] | None = None
    after_commit: list[Callable[[], None]] | None = None


class MemoryUnitOfWork:
    """UnitOfWork for the memory adapters."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._scope = _Scope()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        scope = self._scope
        if scope.depth:
            scope.depth += 1
            try:
                yield
            finally:
                scope.depth -= 1
            return
        with self._lock:
            scope.depth, scope.undo, scope.after_commit = 1, [], []
            try:
                yield
            except BaseException:
                for undo in reversed(scope.undo):
                    undo()
                raise
            finally:
                actions = scope.after_commit
                scope.depth, scope.undo, scope.after_commit = 0, None, None
        for action in actions:
            action()

    def on_commit(self, action: Callable[[], None]) -> None:
        if self._scope.after_commit is None:
            action()
        else:
            self._scope.after_commit.append(action)

    def journal(self, undo: Callable[[], object]) -> None:
        """How to take back a write just made (called inside `atomic`)."""
        if self._scope.undo is not None:
            self._scope.undo.append(undo)

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._lock:
            yield
