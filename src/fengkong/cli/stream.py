"""JSON Lines scoring: one answer per event, in input order, state carried across the stream.

Input is read with os.read so that whatever lines have arrived form the next batch (one durable
commit per batch) while an interactive sender, who waits for each answer, is never kept waiting.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from fengkong import jsonio
from fengkong.domain.decisions import Decision, EventError, FieldError
from fengkong.domain.validation import MAX_EVENT_BYTES
from fengkong.services.decide import Engine

HARD_LINE_LIMIT = 64 * MAX_EVENT_BYTES


@dataclass
class TooLong:
    """A line over the hard limit: only its head and size are kept."""

    head: bytes
    size: int


def batches(fd: int, max_batch: int = 1000, chunk: int = 1 << 16) -> Iterator[list[bytes | TooLong]]:
    """Yield lists of complete lines as they become available."""
    pending = bytearray()
    oversized: TooLong | None = None
    while True:
        data = os.read(fd, chunk)
        if not data:
            break
        lines: list[bytes | TooLong] = []
        if oversized is not None:
            end = data.find(b"\n")
            if end < 0:
                oversized.size += len(data)
                continue
            oversized.size += end
            lines.append(oversized)
            oversized = None
            data = data[end + 1 :]
        pending += data
        start = 0
        while True:
            end = pending.find(b"\n", start)
            if end < 0:
                break
            line = bytes(pending[start:end]).strip()
            if line:
                lines.append(line)
            start = end + 1
        del pending[:start]
        if len(pending) > HARD_LINE_LIMIT:
            oversized = TooLong(bytes(pending[:4096]), len(pending))
            pending.clear()
        for i in range(0, len(lines), max_batch):
            yield lines[i : i + max_batch]
    if oversized is not None:
        yield [oversized]
    tail = bytes(pending).strip()
    if tail:
        yield [tail]


def _line(payload: dict[str, object]) -> bytes:
    return jsonio.dumps(payload)


def score_stream(
    engine: Engine, fd: int, out: BinaryIO, max_batch: int = 1000, explain: bool = False
) -> dict[str, int]:
    counts = {"decisions": 0, "errors": 0, "replayed": 0}
    for lines in batches(fd, max_batch):
        events = [line for line in lines if isinstance(line, bytes)]
        answers = iter(engine.decide_many(events, explain=explain))
        buffer = []
        for line in lines:
            result: Decision | EventError
            if isinstance(line, TooLong):
                result = EventError(
                    None,
                    (
                        FieldError(
                            "(event)", f"line of {line.size:,} bytes is over {HARD_LINE_LIMIT:,}; refused unread"
                        ),
                    ),
                )
                engine.refuse(result, line.head, line.size)
            else:
                result = next(answers)
            if isinstance(result, EventError):
                counts["errors"] += 1
            else:
                counts["decisions"] += 1
                counts["replayed"] += int(result.replayed)
            buffer.append(_line(result.to_dict()))
        out.write(b"\n".join(buffer) + b"\n")
        out.flush()
    return counts
