"""The industry blacklists under their rules (004 三(4)①, 001 §1.8-7⑤): an entry on the
illegal-merchant, cash-out merchant or outsourcing-provider list is proposed on a stated ground
with evidence and made when a second person approves; its removal names a removal ground, and
"term served" only once the policy's minimum term has passed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fengkong.domain.changes import ChangeRequest
from fengkong.domain.errors import InputError, required
from fengkong.domain.lists.governance import GOVERNED, rules_of
from fengkong.services.lists import ListService
from fengkong.services.merchants import MerchantService
from fengkong.services.sharing import SharingService

ENTRY_ACTION = "blacklist_entry"
# a merchant record's consortium hashes -> the subject type each is reported as
SHARED_SUBJECTS = {
    "shared_merchant_hash": "merchant",
    "shared_person_hash": "id_number",
    "shared_account_hash": "account",
}
YEAR_S = 365 * 86400.0


class BlacklistService:
    def __init__(
        self,
        lists: ListService,
        policy: Callable[[str], Any],
        *,
        sharing: SharingService | None = None,
        registry: MerchantService | None = None,
    ):
        self.lists = lists
        self.policy = policy
        # 004 三(4)①: an entry is reported to the members at once (their onboarding refuses it)
        self.sharing = sharing
        self.registry = registry
        lists.on_approval(ENTRY_ACTION, self._enter)

    def rules(self) -> dict[str, Any]:
        """Every governed list's entry and removal grounds (zh, en) and minimum term."""
        return {
            name: {
                "entry": {k: {"zh": zh, "en": en} for k, (zh, en) in r.entry.items()},
                "removal": {k: {"zh": zh, "en": en} for k, (zh, en) in r.removal.items()},
                "min_term_years": self.policy(r.min_term_policy),
            }
            for name, r in GOVERNED.items()
        }

    def propose(
        self, list_type: str, value: str, *, ground: str, evidence: str, source: str, maker: str, reason: str
    ) -> ChangeRequest:
        """Ask for an entry; a different person approves it (`fengkong changes approve`)."""
        rules = rules_of(list_type)
        if rules is None:
            raise InputError("list_type", f"not a governed blacklist; one of {', '.join(GOVERNED)}")
        rules.entry_ground(ground)
        required(value=value, evidence=evidence, source=source)
        self.lists.key_of(list_type, value)  # a value the list cannot take is refused now, not at approval
        payload = {
            "list_type": list_type,
            "value": value.strip(),
            "ground": ground,
            "evidence": evidence,
            "source": source,
            "reason": reason,
            "maker": maker,
        }
        return self.lists.request_action(ENTRY_ACTION, payload, maker=maker, reason=reason)

    def _enter(self, payload: dict[str, Any], checker: str) -> None:
        self.lists.add(
            str(payload["list_type"]),
            str(payload["value"]),
            actor=f"{payload['maker']}, approved by {checker}",
            reason=str(payload["reason"]),
            source=str(payload["source"]),
            evidence=str(payload["evidence"]),
            ground=str(payload["ground"]),
            # from now by event time (the wall clock before any event): a term counts from here
            starts_at=self.lists.event_now(),
        )
        self._share(str(payload["list_type"]), str(payload["value"]).strip(), checker)

    def _share(self, list_type: str, value: str, actor: str) -> None:
        """Report the entry to the other members by what identifies the merchant across
        institutions (its consortium hashes, kept at onboarding), in the approval's commit."""
        if self.sharing is None:
            return
        record = None if self.registry is None else self.registry.store.get("merchant", value)
        # its number (what events carry) and, where registered, its licence, owner and account
        subjects = {("merchant", self.sharing.subject_hash("merchant", value))}
        if record is not None:
            subjects |= {(kind, record[field]) for field, kind in SHARED_SUBJECTS.items() if record.get(field)}
        for subject_type, digest in sorted(subjects):
            self.sharing.report_hash(self.sharing.home, subject_type, digest, list_type, actor)

    def request_removal(self, entry_id: int, *, ground: str, maker: str, reason: str) -> ChangeRequest:
        """Ask to take an entry off a governed list on a removal ground (four eyes)."""
        entry = self.lists.entry(entry_id)
        rules = rules_of(entry.list_type)
        if rules is None:
            return self.lists.request_removal(entry_id, maker=maker, reason=reason)
        rules.removal_ground(ground)
        if ground == "term_served":
            years = float(self.policy(rules.min_term_policy))
            until = entry.starts_at + years * YEAR_S
            if self.lists.event_now() < until:
                raise InputError("ground", f"the minimum term of {years:g} years has not passed")
        return self.lists.request_removal(entry_id, maker=maker, reason=f"[{ground}] {reason}")
