"""The demo's merchant and terminal section (issue 14): onboarding with qualified samples, the
clusters of linked merchants, a confirmed cash-out merchant blacklisted on four eyes and its
owner refused under a new number, and terminal spot checks that find a doctored terminal."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from fengkong.batch.cashout import CashOutReport
from fengkong.batch.compromise import CompromisePoint
from fengkong.batch.peers import PeerFinding
from fengkong.services.platform import Platform

ONBOARDING = "demo-onboarding"
ANALYST, SUPERVISOR, INSPECTOR = "demo.analyst", "demo.supervisor", "demo.inspector"
SPOT_CHECKS = 20  # the inspections of the month besides the common point of compromise


def onboard(platform: Platform, registry: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Register the qualified samples, then merchants and terminals; count outcomes and codes."""
    for sample in registry.get("samples", []):
        platform.terminal_checks.register_sample(sample, actor=ONBOARDING)
    outcomes: dict[str, Counter[str]] = {"merchants": Counter(), "terminals": Counter()}
    refused: list[tuple[str, list[str]]] = []
    for record in registry.get("merchants", []):
        outcomes["merchants"][platform.merchants.register_merchant(record, actor=ONBOARDING).status] += 1
    for record in registry.get("terminals", []):
        result = platform.merchants.register_terminal(record, actor=ONBOARDING)
        outcomes["terminals"][result.status] += 1
        if result.status == "rejected":
            refused.append((record["terminal_id"], [f.code for f in result.findings]))
    return {
        "samples": len(registry.get("samples", [])),
        "merchants": dict(outcomes["merchants"]),
        "terminals": dict(outcomes["terminals"]),
        "refused_terminals": refused,
        "registered": sum(len(registry.get(k, [])) for k in ("merchants", "terminals")),
    }


def review(
    platform: Platform,
    cashout: CashOutReport,
    points: list[CompromisePoint],
    registry: dict[str, list[dict[str, Any]]],
    labels: dict[str, str],
    at: str,
    peers: list[PeerFinding],
) -> dict[str, Any]:
    """What the acquirer does after the month: reads the clusters, blacklists the merchant the
    scan ranks first (if labelled cash-out: the investigation is simulated), tries its owner's
    return, and inspects terminals - the common point of compromise first."""
    clusters = platform.merchants.clusters()
    summary = [
        {
            "size": len(c["merchants"]),
            "links": sorted(Counter(link["attribute"] for link in c["links"]).items()),
            "acquirers": c["acquirers"],
            "cashout_labelled": sum(
                labels.get(f"merchant:{m['merchant_id']}") == "cashout_merchant" for m in c["merchants"]
            ),
        }
        for c in clusters
    ]
    comeback = _blacklist_and_return(platform, cashout, registry, labels)
    top = peers[:10]
    return {
        "clusters": summary,
        "comeback": comeback,
        "checks": _spot_checks(platform, points, registry, at),
        "peers": {
            "deviating": len(peers),
            "top": [(f.merchant_id, f.peer_group, [d.why for d in f.deviations][:2]) for f in top[:2]],
            "top10_cashout": sum(labels.get(f"merchant:{f.merchant_id}") == "cashout_merchant" for f in top),
        },
    }


def _blacklist_and_return(
    platform: Platform, cashout: CashOutReport, registry: dict[str, list[dict[str, Any]]], labels: dict[str, str]
) -> dict[str, Any] | None:
    confirmed = [f for f in cashout.merchants if labels.get(f"merchant:{f.entity_id}") == "cashout_merchant"]
    if not confirmed:
        return None
    top = confirmed[0]
    request = platform.blacklists.propose(
        "cashout_merchant",
        top.entity_id,
        ground="confirmed_cashout",
        evidence=f"cash-out scan score {top.score:.1f}, level {top.level}; site investigation (simulated)",
        source="acquirer investigation",
        maker=ANALYST,
        reason=", ".join(top.drivers[:3]),
    )
    platform.lists.approve(request.id, checker=SUPERVISOR, note="evidence read")
    owner = next(m for m in registry["merchants"] if m["merchant_id"] == top.entity_id)
    again = platform.merchants.register_merchant(
        {
            "merchant_id": f"{top.entity_id}-new",
            "name": "New Trading Co.",
            "mcc": "5999",
            "legal_rep_id_number": owner["legal_rep_id_number"],
        },
        actor=ONBOARDING,
    )
    return {
        "merchant": top.entity_id,
        "request": request.id,
        "new_number": f"{top.entity_id}-new",
        "status": again.status,
        "findings": [(f.code, f.message_en) for f in again.findings],
    }


def _spot_checks(
    platform: Platform, points: list[CompromisePoint], registry: dict[str, list[dict[str, Any]]], at: str
) -> dict[str, Any]:
    measured = {m["terminal_id"]: m["fingerprint"] for m in registry.get("measured", [])}
    schedule = platform.terminal_checks.schedule(at)
    overdue = sorted(schedule["overdue"], key=lambda d: (-d["overdue_days"], d["terminal_id"]))
    chosen = [p.terminal_id for p in points[:1]] + [d["terminal_id"] for d in overdue][:SPOT_CHECKS]
    results = []
    for terminal_id in dict.fromkeys(t for t in chosen if t in measured):
        check = platform.terminal_checks.spot_check(
            terminal_id,
            measured=measured[terminal_id],
            seal_intact=True,
            at_registered_place=True,
            note="scheduled inspection (simulated)",
            at=at,
            actor=INSPECTOR,
        )
        results.append((terminal_id, check.result, [f.code for f in check.findings]))
    after = platform.terminal_checks.schedule(at)
    return {
        "overdue_before": len(schedule["overdue"]),
        "inspected": results,
        "overdue_after": len(after["overdue"]),
        "suspended": after["suspended"],
    }


def print_section(console: Console, onboarding: dict[str, Any], review: dict[str, Any]) -> None:
    t = Table(title="Merchants and terminals 商户与终端 (onboarding, cross-matching, blacklists, spot checks)")
    t.add_column("")
    t.add_column("what happened")
    t.add_row(
        "onboarded",
        f"{onboarding['samples']} qualified terminal samples; merchants {_counts(onboarding['merchants'])}; "
        f"terminals {_counts(onboarding['terminals'])}",
    )
    for terminal_id, codes in onboarding["refused_terminals"][:3]:
        t.add_row("  refused terminal", f"{terminal_id}: {', '.join(codes)}")
    clusters = review["clusters"]
    t.add_row("clusters 关联商户", f"{len(clusters)} groups of linked merchants")
    for c in clusters[:3]:
        links = ", ".join(f"{name} ×{n}" for name, n in c["links"])
        t.add_row(
            "",
            f"{c['size']} merchants linked by {links}; acquirers {', '.join(c['acquirers']) or '-'}; "
            f"{c['cashout_labelled']} labelled cash-out",
        )
    comeback = review["comeback"]
    if comeback:
        t.add_row(
            "blacklisted 黑名单",
            f"{comeback['merchant']} on the cash-out merchant list (request {comeback['request']}: "
            f"{ANALYST} proposed, {SUPERVISOR} approved)",
        )
        codes = ", ".join(code for code, _ in comeback["findings"])
        t.add_row(
            "re-onboarding 重新入网",
            f"{comeback['new_number']}, same legal representative: {comeback['status']} ({codes})",
        )
    peers = review["peers"]
    t.add_row(
        "peers 同业对比",
        f"{peers['deviating']} merchants off their peers or their own history (second half of the month); "
        f"{peers['top10_cashout']} of the first 10 labelled cash-out",
    )
    for merchant_id, group, why in peers["top"]:
        t.add_row("", f"{merchant_id} (peers: {group}): {'; '.join(why)}")
    checks = review["checks"]
    failed = [(tid, codes) for tid, result, codes in checks["inspected"] if result == "fail"]
    t.add_row(
        "spot checks 终端抽检",
        f"{len(checks['inspected'])} inspected ({checks['overdue_before']} were overdue, {checks['overdue_after']} still are); "
        f"{len(failed)} failed, suspended: {', '.join(checks['suspended']) or '-'}",
    )
    for terminal_id, codes in failed[:3]:
        t.add_row("  failed", f"{terminal_id}: {', '.join(codes)}")
    console.print(t)


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {status}" for status, n in sorted(counter.items()))
