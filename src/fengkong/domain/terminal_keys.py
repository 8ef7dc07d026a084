"""Terminal master keys as the acquirer's key custodians record them (001 §1.8-7②: every
terminal its own master key, changed periodically). fengkong never sees a key: it keeps the key
check value (KCV, the first bytes of a block of zeros encrypted under the key) and the version,
which is enough to find two terminals loaded with one key and keys past their rotation date."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fengkong.domain.errors import InputError

KCV = re.compile(r"^[0-9A-F]{6,16}$")  # 3 to 8 bytes: a KCV; 16 bytes or more would be a key
VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


@dataclass(frozen=True, slots=True)
class KeyLoad:
    version: str
    kcv: str
    loaded_at: str  # ISO-8601 with offset
    recorded_by: str

    def to_dict(self) -> dict[str, str]:
        return {"version": self.version, "kcv": self.kcv, "loaded_at": self.loaded_at, "recorded_by": self.recorded_by}


def check_kcv(value: str) -> str:
    """The KCV upper-cased, or InputError; a value long enough to be a key is refused unread."""
    text = value.strip().replace(" ", "").upper()
    if len(text) > 16:
        raise InputError("kcv", "send the key check value (6-16 hex digits), never the key itself")
    if not KCV.match(text):
        raise InputError("kcv", "6-16 hexadecimal digits (the key check value)")
    return text


def check_version(value: str, history: Iterable[Mapping[str, Any]]) -> str:
    version = value.strip()
    if not VERSION.match(version):
        raise InputError("version", "1-32 letters, digits, '.', '_' or '-'")
    if any(load.get("version") == version for load in history):
        raise InputError("version", "this terminal had this key version already: a rotation loads a new one")
    return version


@dataclass(frozen=True, slots=True)
class KeyFinding:
    code: str
    terminal_id: str
    message_zh: str
    message_en: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "terminal_id": self.terminal_id,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            **self.detail,
        }


def key_findings(current: Mapping[str, Mapping[str, Any] | None], at: datetime, rotation_days: int) -> list[KeyFinding]:
    """What the custodians must act on: terminals sharing a current key (same KCV), current keys
    older than the rotation period, and terminals with no key recorded."""
    findings: list[KeyFinding] = []
    by_kcv: dict[str, list[str]] = defaultdict(list)
    for terminal_id, load in sorted(current.items()):
        if load is None:
            findings.append(
                KeyFinding(
                    "TERMINAL_KEY_UNKNOWN",
                    terminal_id,
                    "终端主密钥未登记",
                    "no master key recorded for the terminal",
                    {},
                )
            )
            continue
        by_kcv[str(load["kcv"])].append(terminal_id)
        loaded = datetime.fromisoformat(str(load["loaded_at"]))
        if at - loaded > timedelta(days=rotation_days):
            findings.append(
                KeyFinding(
                    "TERMINAL_KEY_OVERDUE",
                    terminal_id,
                    f"终端主密钥已超过{rotation_days}天未更换",
                    f"master key not changed for more than {rotation_days} days",
                    {"version": load["version"], "loaded_at": load["loaded_at"], "days": (at - loaded).days},
                )
            )
    for kcv, terminals in sorted(by_kcv.items()):
        if len(terminals) > 1:
            for terminal_id in terminals:
                findings.append(
                    KeyFinding(
                        "TERMINAL_KEY_SHARED",
                        terminal_id,
                        "多台终端使用相同主密钥（校验值相同）",
                        "the same master key (same check value) is loaded in other terminals",
                        {"kcv": kcv, "terminals": terminals},
                    )
                )
    return findings
