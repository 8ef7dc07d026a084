"""Terminal admission and spot checks (001 §1.8-3②, 004 三(2)): a terminal joins with its unique
identifier and its network signature, its model must be a registered qualified sample, and the
firmware it runs must be the sample's build - a different build is a modified terminal (改装).
Deployed terminals are spot-checked on a schedule; one that fails stops transacting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fengkong.domain.acquiring.onboarding import Finding
from fengkong.domain.errors import InputError

DAY_S = 86400.0
SAMPLE_KIND = "terminal_sample"  # the registry kind of a qualified sample
_FINGERPRINT = re.compile(r"^[0-9a-f]{16,128}$")


def sample_key(manufacturer: str, model: str) -> str:
    """One qualified sample per manufacturer and model, however they were typed."""
    return f"{' '.join(manufacturer.lower().split())}|{' '.join(model.lower().split())}"


def fingerprint(value: str, field: str) -> str:
    """A firmware fingerprint as the terminal management system measures it: a hex digest."""
    text = value.strip().lower()
    if not _FINGERPRINT.match(text):
        raise InputError(field, "a firmware fingerprint is a hex digest (16-128 hex digits)")
    return text


@dataclass(frozen=True, slots=True)
class QualifiedSample:
    """A model that passed certification: the firmware builds approved for it (version ->
    fingerprint), its certificate and until when it holds."""

    manufacturer: str
    model: str
    builds: dict[str, str]
    certificate: str
    valid_until: date | None = None


def sample_of(record: Mapping[str, Any] | None) -> QualifiedSample | None:
    """A qualified sample from its registry record."""
    if record is None:
        return None
    until = record.get("valid_until")
    return QualifiedSample(
        str(record["manufacturer"]),
        str(record["model"]),
        dict(record.get("builds") or {}),
        str(record.get("certificate") or ""),
        date.fromisoformat(until) if isinstance(until, str) and until else None,
    )


def compare(sample: QualifiedSample | None, *, firmware: str, measured: str, on: date) -> list[Finding]:
    """What differs between a terminal and the qualified sample of its model."""
    if sample is None:
        return [
            Finding(
                "TERMINAL_MODEL_NOT_QUALIFIED",
                "reject",
                "终端型号不在合格样品登记中，不得入网",
                "the terminal's model is not a registered qualified sample: it may not join",
            )
        ]
    findings = []
    if sample.valid_until is not None and sample.valid_until < on:
        findings.append(
            Finding(
                "TERMINAL_SAMPLE_EXPIRED",
                "review",
                f"合格样品证书 {sample.certificate} 已于 {sample.valid_until} 到期",
                f"the sample's certificate {sample.certificate} expired on {sample.valid_until}",
            )
        )
    expected = sample.builds.get(firmware)
    if expected is None:
        findings.append(
            Finding(
                "TERMINAL_FIRMWARE_NOT_QUALIFIED",
                "reject",
                f"固件版本 {firmware or '（空）'} 不是合格样品的版本",
                f"firmware {firmware or '(none)'} is not a version of the qualified sample",
            )
        )
    elif measured != expected:
        findings.append(
            Finding(
                "TERMINAL_DIFFERS_FROM_SAMPLE",
                "reject",
                "终端固件指纹与合格样品不一致，疑似被改装",
                "the terminal's firmware fingerprint differs from the qualified sample's: possibly modified",
            )
        )
    return findings


@dataclass(frozen=True, slots=True)
class SpotCheck:
    """One inspection of a deployed terminal (who, when, what was seen, the result)."""

    at: float
    inspector: str
    result: str  # pass | fail
    measured: str
    seal_intact: bool
    at_registered_place: bool
    note: str
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "at": self.at,
            "inspector": self.inspector,
            "result": self.result,
            "measured": self.measured,
            "seal_intact": self.seal_intact,
            "at_registered_place": self.at_registered_place,
            "note": self.note,
            "findings": [
                {"code": f.code, "message_zh": f.message_zh, "message_en": f.message_en} for f in self.findings
            ],
        }


DIFFERS_FROM_REGISTERED = Finding(
    "TERMINAL_DIFFERS_FROM_REGISTERED",
    "reject",
    "终端固件指纹与入网登记时不一致，疑似被改装",
    "the terminal's firmware fingerprint differs from the one registered at admission: possibly modified",
)


def against_build(
    sample: QualifiedSample | None, *, kept: bool, firmware: str, measured: str, registered: str, on: date
) -> list[Finding]:
    """The build measured in the field against what it must be: the qualified sample where the
    acquirer keeps samples (`kept`), else the build registered at admission."""
    if kept:
        return [f for f in compare(sample, firmware=firmware, measured=measured, on=on) if f.severity == "reject"]
    return [DIFFERS_FROM_REGISTERED] if registered and measured != registered else []


def inspect(
    build: list[Finding], *, seal_intact: bool, at_registered_place: bool, inspector_passes: bool
) -> list[Finding]:
    """Why a spot check fails: the build (`against_build`), the seal, the place (移机), and the
    inspector's own judgement. Empty: it passes."""
    findings = list(build)
    if not seal_intact:
        findings.append(
            Finding("TERMINAL_SEAL_BROKEN", "reject", "终端防拆封签破损", "the terminal's tamper seal is broken")
        )
    if not at_registered_place:
        findings.append(
            Finding(
                "TERMINAL_NOT_AT_REGISTERED_PLACE",
                "reject",
                "终端不在登记的装机地址（移机）",
                "the terminal is not at its registered installation address (relocated)",
            )
        )
    if not inspector_passes:
        findings.append(
            Finding("TERMINAL_FAILED_INSPECTION", "reject", "检查人员判定不合格", "the inspector found it unfit")
        )
    return findings


def next_due(last_check: float | None, since: float, interval_days: float) -> float:
    """When the next spot check is due: an interval after the last one, or after deployment."""
    return (since if last_check is None else last_check) + interval_days * DAY_S
