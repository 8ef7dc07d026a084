"""The acquirer's registry of the simulated world: merchants with their legal representatives,
settlement accounts and licences, terminals with their identifiers, signatures and firmware, and
the qualified samples they are compared with.

What it holds besides honest shops: the cash-out ring's merchants registered under one boss
(one identity, many merchants) with settlement accounts shared in pairs, across two acquirers;
an honest chain of three restaurants under one owner (a cluster that is not a ring); three
terminals that fail admission; and the true firmware of the skimmers' terminals, which a spot
check measures (they joined clean and were doctored later)."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from typing import Any

from stdnum.cn import uscc

from fengkong.domain.identity.resident_id import check_digit

SAMPLES = (
    ("Landi", "A8", "CUP-2023-0113", ("3.2.1", "3.3.0")),
    ("PAX", "S920", "CUP-2022-0471", ("2.8.4",)),
    ("Newland", "N910", "CUP-2024-0032", ("1.9.7", "2.0.1")),
)
INSPECTED_BY = date(2026, 10, 1)  # the simulated month's start: inspections before it
LARGE_MCCS = frozenset({"5311", "5732"})  # department stores and electronics chains: large merchants
_ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def build_fingerprint(manufacturer: str, model: str, firmware: str, doctored: bool = False) -> str:
    """The hex digest a terminal management system measures of a firmware build."""
    text = f"{manufacturer}/{model}/{firmware}" + ("/skimmer" if doctored else "")
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def samples() -> list[dict[str, Any]]:
    return [
        {
            "manufacturer": maker,
            "model": model,
            "certificate": cert,
            "valid_until": "2030-12-31",
            "builds": {fw: build_fingerprint(maker, model, fw) for fw in builds},
        }
        for maker, model, cert, builds in SAMPLES
    ]


class Registry:
    """Draws identities from its own generator: the traffic's draws are not moved by it."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"registry:{seed}")

    def person(self) -> str:
        body = f"{self.rng.choice(['110105', '310104', '440305', '510107'])}19{self.rng.randint(60, 99)}"
        body += f"{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}{self.rng.randint(0, 999):03d}"
        return body + check_digit(body)

    def account(self) -> str:
        return "6222" + "".join(str(self.rng.randint(0, 9)) for _ in range(15))

    def licence(self) -> str:
        body = "91" + self.rng.choice(["110105", "310104", "440305"]) + "".join(self.rng.choice(_ORG) for _ in range(9))
        return body + uscc.calc_check_digit(body)

    def terminal(self, tid: str) -> dict[str, Any]:
        maker, model, _, builds = self.rng.choice(SAMPLES)
        firmware = self.rng.choice(builds)
        return {
            "serial": f"SN{hashlib.sha256(tid.encode()).hexdigest()[:12].upper()}",
            "signature": hashlib.sha256(f"signature:{tid}".encode()).hexdigest()[:40],
            "manufacturer": maker,
            "model": model,
            "firmware": firmware,
            "fingerprint": build_fingerprint(maker, model, firmware),
            # inspected yearly; about one in ten is behind
            "last_checked_at": (INSPECTED_BY - timedelta(days=self.rng.randint(20, 400))).isoformat(),
        }


def merchant_identities(
    merchant_ids: list[str], ring: list[str], chain: list[str], registry: Registry, mccs: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Each merchant's legal representative, settlement account, licence and acquirer."""
    out = {
        m: {
            "legal_rep_id_number": registry.person(),
            "settlement_account": registry.account(),
            "licence": registry.licence(),
            "acquirer": registry.rng.choice(["acq-east", "acq-west"]),
            "scale": "large" if mccs.get(m) in LARGE_MCCS else "medium",
        }
        for m in merchant_ids
    }
    boss = registry.person()
    for i, m in enumerate(ring):  # nominee shops of one boss, paid out to shared accounts
        out[m]["legal_rep_id_number"] = boss
        if i % 2:
            out[m]["settlement_account"] = out[ring[i - 1]]["settlement_account"]
        out[m]["acquirer"] = ["acq-east", "acq-west"][i % 2]
    owner = registry.person()
    for m in chain:  # three branches of one restaurant owner: linked, and honest
        out[m]["legal_rep_id_number"] = owner
    return out


def refused_terminals(registry: Registry, merchant: str) -> list[dict[str, Any]]:
    """Three terminals that fail admission: no signature, an unqualified model, a modified build."""
    base = {"certified": True, "kind": "fixed", "merchants": merchant}
    unsigned = {**base, "terminal_id": "t-refused-unsigned", **registry.terminal("t-refused-unsigned"), "signature": ""}
    unknown = {
        **base,
        "terminal_id": "t-refused-model",
        **registry.terminal("t-refused-model"),
        "manufacturer": "Acme",
        "model": "Z1",
    }
    modified = {**base, "terminal_id": "t-refused-modified", **registry.terminal("t-refused-modified")}
    modified["fingerprint"] = build_fingerprint(modified["manufacturer"], modified["model"], modified["firmware"], True)
    return [unsigned, unknown, modified]
