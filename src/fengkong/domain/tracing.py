"""Fund tracing ("quick query", R6): from a victim's transfer, follow the money hop by hop.

Money is attributed first-in, first-out: an outgoing transfer from an account can carry traced
money only if it arrived before the transfer, and at most what has not already left. Splits
(one account paying several) and merges (several paying one) are followed; when a merge brings
an account more traced money, its onward transfers are attributed again. What an account
received and has not passed on is what can still be stopped there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fengkong.domain.events import Event
from fengkong.domain.money import fen_to_yuan


@dataclass(frozen=True, slots=True)
class Transfer:
    event_id: str
    ts: float
    from_account: str
    to_account: str
    amount_fen: int


# Money that leaves the account system (cash taken out, goods paid for) is an exit, not an
# account: it is recorded as a movement to "exit:<kind>", reported, and never stopped.
EXIT = "exit:"
EXIT_TYPES = frozenset({"withdrawal", "purchase", "balance_payment", "investment", "preauth_completion"})


def is_exit(account: str) -> bool:
    return account.startswith(EXIT)


def transfer_of(event: Event) -> Transfer | None:
    """The movement of money out of an account: to another account (a transfer), or out of the
    accounts altogether (a withdrawal or a payment: an exit). None for anything else."""
    fields = event.fields
    source, txn_type = fields.get("account_id"), fields.get("txn_type")
    if not source or not event.amount_fen:
        return None
    if txn_type in EXIT_TYPES:
        return Transfer(event.event_id, event.ts, str(source), EXIT + str(txn_type), event.amount_fen)
    target = fields.get("counterparty_account_id")
    if txn_type != "transfer" or not target:
        return None
    return Transfer(event.event_id, event.ts, str(source), str(target), event.amount_fen)


@dataclass
class TraceNode:
    account: str
    depth: int
    arrivals: dict[str, tuple[float, int]] = field(default_factory=dict)  # edge event id -> (ts, fen)
    sent: dict[str, tuple[str, float, int]] = field(default_factory=dict)  # event id -> (to, ts, fen)

    @property
    def received_fen(self) -> int:
        return sum(a for _, a in self.arrivals.values())

    @property
    def forwarded_fen(self) -> int:
        return sum(a for _, _, a in self.sent.values())

    @property
    def exited_fen(self) -> int:
        """Traced money that left the accounts here: cash taken out or goods paid for."""
        return sum(a for to, _, a in self.sent.values() if is_exit(to))

    @property
    def remaining_fen(self) -> int:
        """Traced money that arrived here and has not left: what a stop-payment can still hold."""
        return self.received_fen - self.forwarded_fen

    @property
    def first_arrival(self) -> float:
        return min(ts for ts, _ in self.arrivals.values())


@dataclass
class TraceResult:
    origin: Transfer
    nodes: dict[str, TraceNode]
    truncated: bool = False
    queries: int = 0

    def stoppable(self) -> list[TraceNode]:
        return sorted((n for n in self.nodes.values() if n.remaining_fen > 0), key=lambda n: (n.depth, n.account))

    def to_dict(self) -> dict[str, object]:
        def yuan(fen: int) -> str:
            return str(fen_to_yuan(fen))

        return {
            "origin": {
                "event_id": self.origin.event_id,
                "from": self.origin.from_account,
                "to": self.origin.to_account,
                "amount": yuan(self.origin.amount_fen),
            },
            "accounts": [
                {
                    "account": n.account,
                    "depth": n.depth,
                    "received": yuan(n.received_fen),
                    "forwarded": yuan(n.forwarded_fen),
                    "remaining": yuan(n.remaining_fen),
                    "first_arrival": n.first_arrival,
                    "exited": yuan(n.exited_fen),
                    "paid_to": [
                        {"account": to, "amount": yuan(fen), "event_id": eid, "ts": ts}
                        for eid, (to, ts, fen) in sorted(n.sent.items(), key=lambda x: x[1][1])
                        if not is_exit(to)
                    ],
                    "exits": [
                        {"kind": to[len(EXIT) :], "amount": yuan(fen), "event_id": eid, "ts": ts}
                        for eid, (to, ts, fen) in sorted(n.sent.items(), key=lambda x: x[1][1])
                        if is_exit(to)
                    ],
                }
                for n in sorted(self.nodes.values(), key=lambda n: (n.depth, n.first_arrival, n.account))
            ],
            "stoppable_total": yuan(sum(n.remaining_fen for n in self.nodes.values())),
            "exited_total": yuan(sum(n.exited_fen for n in self.nodes.values())),
            "truncated": self.truncated,
        }


Fetch = Callable[[Sequence[str], float, float], Sequence[Transfer]]


def trace_funds(
    origin: Transfer,
    outgoing: Fetch,
    window_s: float = 72 * 3600,
    max_hops: int = 6,
    max_accounts: int = 2000,
    min_fen: int = 0,
) -> TraceResult:
    """Follow `origin` through later transfers; `outgoing(accounts, since, until)` returns the
    approved transfers out of those accounts in [since, until], in any order. Transfers carrying
    less than `min_fen` of traced money are not followed (that money counts as still held)."""
    until = origin.ts + window_s
    nodes: dict[str, TraceNode] = {origin.to_account: TraceNode(origin.to_account, 1)}
    nodes[origin.to_account].arrivals[origin.event_id] = (origin.ts, origin.amount_fen)
    cache: dict[str, list[Transfer]] = {}
    result = TraceResult(origin, nodes)
    dirty = [origin.to_account]
    while dirty:
        fetch = [a for a in dict.fromkeys(dirty) if a not in cache]
        if fetch:
            since = min(nodes[a].first_arrival for a in fetch)
            rows = outgoing(fetch, since, until)
            result.queries += 1
            for account in fetch:
                cache[account] = []
            for t in rows:
                if t.from_account in cache and t.event_id != origin.event_id:
                    cache[t.from_account].append(t)
            for account in fetch:
                cache[account].sort(key=lambda t: (t.ts, t.event_id))
        next_dirty: list[str] = []
        for account in dict.fromkeys(dirty):
            node = nodes[account]
            for child in _allocate(node, cache[account], nodes, max_hops, min_fen):
                if len(nodes) > max_accounts:
                    result.truncated = True
                    return result
                next_dirty.append(child)
        dirty = next_dirty
    return result


def _allocate(
    node: TraceNode, transfers: list[Transfer], nodes: dict[str, TraceNode], max_hops: int, min_fen: int = 0
) -> list[str]:
    """Attribute the node's traced arrivals to its outgoing transfers (FIFO); return the
    accounts whose arrivals changed and must be attributed again."""
    if node.depth >= max_hops + 1:
        return []
    arrivals = sorted(node.arrivals.values())
    sent: dict[str, tuple[str, float, int]] = {}
    arrived = forwarded = 0
    i = 0
    for t in transfers:
        while i < len(arrivals) and arrivals[i][0] <= t.ts:
            arrived += arrivals[i][1]
            i += 1
        take = min(arrived - forwarded, t.amount_fen)
        if take > max(min_fen - 1, 0) and t.to_account != node.account:
            sent[t.event_id] = (t.to_account, t.ts, take)
            forwarded += take
    changed: list[str] = []
    for event_id in set(node.sent) | set(sent):
        old, new = node.sent.get(event_id), sent.get(event_id)
        if old == new:
            continue
        target = (new or old)[0]  # type: ignore[index]
        if is_exit(target):  # the money left the accounts: nothing to follow or stop there
            continue
        child = nodes.get(target)
        if child is None:
            child = nodes[target] = TraceNode(target, node.depth + 1)
        child.depth = min(child.depth, node.depth + 1)
        if new is None:
            child.arrivals.pop(event_id, None)
        else:
            child.arrivals[event_id] = (new[1], new[2])
        if child.arrivals:
            changed.append(target)
        elif target in nodes and not child.sent:
            del nodes[target]
    node.sent = sent
    return changed
