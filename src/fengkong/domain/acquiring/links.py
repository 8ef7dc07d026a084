"""Cross-matching of acquiring registrations (001 §1.8-6①, 004 三(3)): merchants are linked when
they share a legal representative, a settlement account, a business licence or a terminal.

The keys are what the registry keeps, never a clear identity: a keyed hash for a resident ID or
an account number, the licence code (public company data) as it is. Connected merchants form a
cluster - "one identity, many merchants" and "one machine, many numbers" - for the acquirer to
review; a merchant linked to a blacklisted one is refused at onboarding and watched live.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# attribute -> (zh, en)
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "legal_rep": ("法定代表人身份证件", "legal representative's identity"),
    "settlement_account": ("结算账户", "settlement account"),
    "licence": ("营业执照（统一社会信用代码）", "business licence (unified social credit code)"),
    "terminal": ("同一终端（一机多号）", "the same terminal (one machine, many numbers)"),
}

Key = tuple[str, str]  # (attribute, key)


@dataclass(frozen=True, slots=True)
class Link:
    attribute: str
    key: str
    merchants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cluster:
    merchants: tuple[str, ...]
    links: tuple[Link, ...]


class LinkIndex:
    """Which merchants share which key. A source (a merchant's own record, or a terminal's list of
    merchants) contributes pairs (key, merchant); registering it again replaces what it gave."""

    def __init__(self) -> None:
        self._given: dict[str, set[tuple[Key, str]]] = {}
        self._members: dict[Key, dict[str, int]] = {}  # key -> merchant -> how many sources give it
        self._keys: dict[str, set[Key]] = {}  # merchant -> its keys: a look-up per payment reads it

    def assign(self, source: str, pairs: Iterable[tuple[Key, str]]) -> None:
        new = {(key, merchant) for key, merchant in pairs if key[1]}
        old = self._given.pop(source, set())
        for key, merchant in old - new:
            members = self._members[key]
            members[merchant] -= 1
            if not members[merchant]:
                del members[merchant]
                self._keys[merchant].discard(key)
            if not members:
                del self._members[key]
        for key, merchant in new - old:
            members = self._members.setdefault(key, {})
            members[merchant] = members.get(merchant, 0) + 1
            self._keys.setdefault(merchant, set()).add(key)
        self._given[source] = new

    def merchant(self, merchant_id: str, keys: Mapping[str, Iterable[str]]) -> None:
        """A merchant's own keys (attribute -> keys)."""
        self.assign(f"merchant:{merchant_id}", (((a, k), merchant_id) for a, ks in keys.items() for k in ks))

    def terminal(self, terminal_id: str, merchants: Iterable[str]) -> None:
        """The merchants a terminal is registered to: they share it."""
        self.assign(f"terminal:{terminal_id}", ((("terminal", terminal_id), m) for m in merchants))

    def matches(self, keys: Mapping[str, Iterable[str]], excluding: str = "") -> dict[str, list[str]]:
        """Merchants sharing any of `keys`, each with the attributes it shares (sorted)."""
        found: dict[str, set[str]] = {}
        for attribute, values in keys.items():
            for value in values:
                for merchant in self._members.get((attribute, value), {}):
                    if merchant != excluding:
                        found.setdefault(merchant, set()).add(attribute)
        return {m: sorted(found[m]) for m in sorted(found)}

    def linked(self, merchant_id: str) -> dict[str, list[str]]:
        """Merchants sharing a key with this one (a terminal included)."""
        keys: dict[str, set[str]] = {}
        for attribute, value in self._keys.get(merchant_id, ()):
            keys.setdefault(attribute, set()).add(value)
        return self.matches(keys, excluding=merchant_id)

    def clusters(self, min_size: int = 2) -> list[Cluster]:
        """Merchants connected through shared keys, largest first."""
        parent: dict[str, str] = {}

        def root(m: str) -> str:
            parent.setdefault(m, m)
            while parent[m] != m:
                parent[m] = parent[parent[m]]
                m = parent[m]
            return m

        shared = {key: sorted(members) for key, members in self._members.items() if len(members) > 1}
        for members in shared.values():
            first = root(members[0])
            for other in members[1:]:
                parent[root(other)] = first
        groups: dict[str, list[str]] = {}
        for m in list(parent):
            groups.setdefault(root(m), []).append(m)
        clusters = []
        for members in groups.values():
            if len(members) < min_size:
                continue
            inside = set(members)
            links = tuple(
                Link(attribute, value, tuple(ms))
                for (attribute, value), ms in sorted(shared.items())
                if ms[0] in inside
            )
            clusters.append(Cluster(tuple(sorted(members)), links))
        return sorted(clusters, key=lambda c: (-len(c.merchants), c.merchants))


def merchant_keys(record: Mapping[str, object]) -> dict[str, list[str]]:
    """The keys a merchant's registry record links by: the legal representative's identity hash,
    the settlement account's reference, the licence code."""
    keys: dict[str, list[str]] = {}
    for attribute, field in (("legal_rep", "id_number_hash"), ("settlement_account", "settlement_account_ref")):
        value = record.get(field)
        if isinstance(value, str) and value:
            keys[attribute] = [value]
    licence = record.get("licence")
    if isinstance(licence, str) and licence:
        keys["licence"] = [licence]
    return keys
