"""Merchants and terminals (R8, R9, seed 003): merchant category codes and onboarding checks.

The MCC groups are the ones the card association's cash-out rules turn on: what a declared
business may use, where pre-authorisation is allowed, which industries may use mobile POS,
what counts as everyday spending and what as low-fee wholesale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fengkong.domain.acquiring.links import ATTRIBUTES

# Declared business -> MCCs consistent with it.
CATEGORY_MCCS: dict[str, frozenset[str]] = {
    "restaurant": frozenset({"5812", "5813", "5814"}),
    "grocery": frozenset({"5411", "5412", "5422", "5441", "5451", "5462", "5499"}),
    "retail": frozenset(
        {
            "5311",
            "5331",
            "5399",
            "5611",
            "5621",
            "5631",
            "5641",
            "5651",
            "5661",
            "5691",
            "5699",
            "5732",
            "5734",
            "5941",
            "5942",
            "5945",
            "5947",
            "5977",
            "5999",
        }
    ),
    "wholesale": frozenset(
        {"5998", "5045", "5047", "5065", "5072", "5111", "5131", "5137", "5139", "5172", "5192", "5193", "5198"}
    ),
    "jewellery": frozenset({"5944"}),
    "fuel": frozenset({"5541", "5542"}),
    "pharmacy": frozenset({"5912"}),
    "transport": frozenset({"4111", "4121", "4131", "4784", "4789"}),
    "hotel": frozenset({"7011"}),
    "airline": frozenset({"4511"}),
    "car_rental": frozenset({"7512"}),
    "logistics": frozenset({"4214", "4215"}),
    "utilities": frozenset({"4900"}),
    "government": frozenset({"9222", "9311", "9399"}),
    "mobile_vending": frozenset({"5963"}),
    "electronics": frozenset({"5732", "5045"}),
}

# Pre-authorisation only for airline tickets, car rental and hotels (003).
PREAUTH_MCCS = frozenset(
    {"4511", "7011", "7512"}
    | {str(c) for c in range(3000, 3300)}
    | {str(c) for c in range(3351, 3442)}
    | {str(c) for c in range(3501, 4000)}
)
# Mobile POS only where a fixed till cannot be used (000 §3, 001 §1.8-3): aviation, catering,
# traffic fines, door-to-door collection, mobile vending, logistics.
MOBILE_POS_MCCS = frozenset(
    {"4511", "5812", "5814", "9222", "4900", "5963", "4214", "4215"} | {str(c) for c in range(3000, 3300)}
)
EVERYDAY_MCCS = frozenset(
    {"5411", "5412", "5499", "5812", "5814", "5541", "5542", "4111", "4121", "5912", "5311", "5331"}
)
WHOLESALE_MCCS = frozenset(
    {"5998", "5045", "5047", "5065", "5072", "5111", "5131", "5137", "5139", "5172", "5192", "5193", "5198", "5300"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # review | reject
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class OnboardingResult:
    status: str  # active | review | rejected
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "findings": [
                {"code": f.code, "severity": f.severity, "message_zh": f.message_zh, "message_en": f.message_en}
                for f in self.findings
            ],
        }


# What a link to another merchant says at onboarding (001 §1.8-6①): one identity or one
# settlement account behind several merchants is for the acquirer to look at.
_LINK_FINDINGS = {
    "legal_rep": (
        "SAME_IDENTITY_SEVERAL_MERCHANTS",
        "同一法定代表人已有 {n} 家商户",
        "the same legal representative is behind {n} other merchant(s)",
    ),
    "settlement_account": (
        "SHARED_SETTLEMENT_ACCOUNT",
        "结算账户已被 {n} 家商户使用",
        "the settlement account is already used by {n} other merchant(s)",
    ),
    "licence": (
        "SHARED_LICENCE",
        "营业执照已登记于 {n} 家商户",
        "the business licence is already registered for {n} other merchant(s)",
    ),
}


_ZH_WHAT = {"legal representative": "法定代表人", "merchant": "商户（营业执照）", "settlement account": "结算账户"}


def check_merchant(
    *,
    mcc: str,
    declared_category: str | None,
    preauth_enabled: bool,
    settlement_personal: bool,
    accepts_credit: bool,
    merchant_listed: str | None,
    representative_listed: str | None,
    linked: Mapping[str, list[str]] | None = None,
    linked_listed: Mapping[str, str] | None = None,
    outsourcer_listed: str | None = None,
    reported: Mapping[str, Mapping[str, Any]] | None = None,
    blacklist_risks: frozenset[str] = frozenset(),
) -> OnboardingResult:
    """Onboarding checks of 003 ch.2-3; every finding carries its reason. `linked`: registered
    merchants sharing a key with this one (id -> attributes); `linked_listed`: those of them on
    a merchant blacklist (id -> the entry's reason) - a listed merchant may not come back under
    a new number (004 三(4))."""
    findings: list[Finding] = []
    if merchant_listed:
        findings.append(
            Finding(
                "MERCHANT_BLACKLISTED",
                "reject",
                f"商户在黑名单中（{merchant_listed}），不得重新入网",
                f"merchant is blacklisted ({merchant_listed}) and may not be re-onboarded",
            )
        )
    if representative_listed:
        findings.append(
            Finding(
                "REPRESENTATIVE_BLACKLISTED",
                "reject",
                f"法定代表人在黑名单中（{representative_listed}）",
                f"the legal representative is blacklisted ({representative_listed})",
            )
        )
    linked = linked or {}
    for other, reason in sorted((linked_listed or {}).items()):
        shared = [ATTRIBUTES[a] for a in linked.get(other, []) if a in ATTRIBUTES]
        via_zh, via_en = "、".join(zh for zh, _ in shared), ", ".join(en for _, en in shared)
        findings.append(
            Finding(
                "LINKED_TO_BLACKLISTED_MERCHANT",
                "reject",
                f"与黑名单商户 {other} 共用{via_zh}（{reason}），不得扩展入网",
                f"shares the {via_en} of blacklisted merchant {other} ({reason}): a listed merchant may not come back",
            )
        )
    if outsourcer_listed:
        findings.append(
            Finding(
                "OUTSOURCER_BLACKLISTED",
                "reject",
                f"所用外包服务机构在黑名单中（{outsourcer_listed}）",
                f"its outsourcing provider is blacklisted ({outsourcer_listed})",
            )
        )
    for what, summary in sorted((reported or {}).items()):
        blacklisted = bool(blacklist_risks & set(summary["risk_types"]))  # 004 三(4)②: shared blacklists
        findings.append(
            Finding(
                "SHARED_BLACKLIST" if blacklisted else "REPORTED_BY_MEMBERS",
                "reject" if blacklisted else "review",
                f"{_ZH_WHAT.get(what, what)}已被 {summary['others']} 家其他成员机构报送（{summary['kinds']}）",
                f"the {what} was reported by {summary['others']} other member institution(s) ({summary['kinds']})",
            )
        )
    for attribute, (code, zh, en) in _LINK_FINDINGS.items():
        n = sum(attribute in attributes for attributes in linked.values())
        if n:
            findings.append(Finding(code, "review", zh.format(n=n), en.format(n=n)))
    if declared_category is not None:
        allowed = CATEGORY_MCCS.get(declared_category)
        if allowed is None:
            findings.append(
                Finding(
                    "UNKNOWN_CATEGORY",
                    "review",
                    f"未知经营类别 {declared_category}",
                    f"unknown declared business {declared_category!r}",
                )
            )
        elif mcc not in allowed:
            findings.append(
                Finding(
                    "MCC_INCONSISTENT",
                    "review",
                    f"MCC {mcc} 与申报经营类别（{declared_category}）不符，须实地核实",
                    f"MCC {mcc} does not match the declared business ({declared_category}): verify on site",
                )
            )
    if preauth_enabled and mcc not in PREAUTH_MCCS:
        findings.append(
            Finding(
                "PREAUTH_NOT_ALLOWED",
                "reject",
                "预授权仅限航空、租车、酒店类商户",
                "pre-authorisation is only for airline, car rental and hotel merchants",
            )
        )
    if settlement_personal and accepts_credit:
        findings.append(
            Finding(
                "PERSONAL_SETTLEMENT_CREDIT",
                "review",
                "使用个人结算账户的商户受理信用卡须审慎核查",
                "a merchant settling to a personal account accepts credit cards: check with care",
            )
        )
    return OnboardingResult(status_of(findings), tuple(findings))


def check_terminal(
    *,
    certified: bool,
    merchants: list[str],
    kind: str,
    merchant_mccs: list[str],
    serial: str = "",
    signature: str = "",
    serial_taken_by: str | None = None,
    outsourcer_listed: str | None = None,
    against_sample: list[Finding] | None = None,
) -> OnboardingResult:
    """Terminal admission (001 §1.8-3②, 004 三(2)): certified, with its unique identifier and
    network signature, the same build as its qualified sample, one merchant, a permitted industry."""
    findings: list[Finding] = []
    if not certified:
        findings.append(
            Finding(
                "TERMINAL_UNCERTIFIED",
                "reject",
                "终端未通过认证，不得入网",
                "the terminal is not certified and may not join the network",
            )
        )
    if not serial.strip():
        findings.append(
            Finding(
                "TERMINAL_NO_IDENTIFIER",
                "reject",
                "终端缺少唯一性标识（序列号），不得入网",
                "the terminal has no unique identifier (serial number) and may not join",
            )
        )
    elif serial_taken_by:
        findings.append(
            Finding(
                "TERMINAL_IDENTIFIER_TAKEN",
                "reject",
                f"终端唯一性标识已被终端 {serial_taken_by} 使用",
                f"the terminal's unique identifier is already registered to terminal {serial_taken_by}",
            )
        )
    if not signature.strip():
        findings.append(
            Finding(
                "TERMINAL_NO_SIGNATURE",
                "reject",
                "终端缺少入网签名，不得入网",
                "the terminal has no network signature and may not join",
            )
        )
    findings.extend(against_sample or [])
    if outsourcer_listed:
        findings.append(
            Finding(
                "OUTSOURCER_BLACKLISTED",
                "reject",
                f"终端的外包服务机构在黑名单中（{outsourcer_listed}）",
                f"the terminal's outsourcing provider is blacklisted ({outsourcer_listed})",
            )
        )
    if len(set(merchants)) > 1:
        findings.append(
            Finding(
                "ONE_TERMINAL_SEVERAL_MERCHANTS",
                "review",
                f"一机多号：终端绑定 {len(set(merchants))} 个商户",
                f"one terminal bound to {len(set(merchants))} merchants",
            )
        )
    if kind == "mobile" and any(m not in MOBILE_POS_MCCS for m in merchant_mccs):
        findings.append(
            Finding(
                "MOBILE_POS_NOT_PERMITTED",
                "reject",
                "移动POS仅限无法使用固定收银台的行业",
                "mobile POS only for industries that cannot use a fixed till",
            )
        )
    return OnboardingResult(status_of(findings), tuple(findings))


def status_of(findings: list[Finding]) -> str:
    """rejected if any finding rejects, review if there is any, else active."""
    return "rejected" if any(f.severity == "reject" for f in findings) else "review" if findings else "active"
