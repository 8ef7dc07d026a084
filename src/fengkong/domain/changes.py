"""Maker-checker: a change that takes a protection away (removing a list entry, releasing an
order, shortening a penalty) is a request made by one person and decided by another."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    id: int
    action: str  # remove_entry | change_penalty | export
    payload: dict[str, Any]
    maker: str
    reason: str
    created_at: str
    status: str = RequestStatus.PENDING.value
    checker: str | None = None
    checker_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def same_person(maker: str, checker: str) -> bool:
    """The four-eyes rule compares people, not spellings of a name's surrounding blanks."""
    return maker.strip() == checker.strip()
