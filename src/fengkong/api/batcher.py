"""Group commit for the HTTP API: requests that arrive together share one durable commit.

Each request still gets its answer only after the commit that holds its event, so the
durability contract is unchanged; under load the cost of a commit is spread over the batch.
The engine runs in a worker thread so the event loop keeps reading requests meanwhile.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from fengkong.domain.decisions import Decision, EventError
from fengkong.services.decide import Engine, RawEvent

FREEZE_EVERY_S = 30.0


def tune_gc() -> None:
    """Keep garbage-collector pauses off the latency tail.

    Feature state is millions of small long-lived, acyclic lists and dicts; a full collection
    that scans them stalls every waiting request (measured: p99 33 ms -> 10 ms at 1,000 req/s).
    Freezing moves what exists into the permanent generation (still freed by reference
    counting when dropped) and a larger young generation makes collections rarer.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


class DecisionBatcher:
    def __init__(self, engine: Engine, max_batch: int = 256):
        self.engine = engine
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[list[RawEvent], asyncio.Future[list[Decision | EventError]]]] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        tune_gc()
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="decision-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def submit(self, items: list[RawEvent]) -> list[Decision | EventError]:
        """Decide these events (in order, after any queued before them); durable on return."""
        if self._queue is None:  # not started (e.g. no lifespan): decide directly
            return await asyncio.to_thread(self.engine.decide_many, items)
        future: asyncio.Future[list[Decision | EventError]] = asyncio.get_running_loop().create_future()
        await self._queue.put((items, future))
        return await future

    _last_freeze = 0.0

    def _maybe_freeze(self) -> None:
        now = time.monotonic()
        if now - self._last_freeze > FREEZE_EVERY_S:
            self._last_freeze = now
            gc.freeze()

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            first = await queue.get()
            jobs = [first]
            size = len(first[0])
            while not queue.empty() and size < self.max_batch:
                job = queue.get_nowait()
                jobs.append(job)
                size += len(job[0])
            items: list[Any] = [item for job_items, _ in jobs for item in job_items]
            try:
                results = await asyncio.to_thread(self.engine.decide_many, items)
            except Exception as exc:  # noqa: BLE001 - every waiting request gets the failure
                for _, future in jobs:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self._maybe_freeze()
            offset = 0
            for job_items, future in jobs:
                if not future.done():
                    future.set_result(results[offset : offset + len(job_items)])
                offset += len(job_items)
