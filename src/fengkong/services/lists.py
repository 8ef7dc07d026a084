"""Lists (R4): block and allow lists, their bulk import, and maker-checker.

Lists apply by event time, as features do. An entry takes effect for events stamped after
every event decided so far, unless it is given its own start. Taking a protection away -
removing an entry, releasing a stop-payment or a freeze, shortening a penalty - is a request
that a second person must approve. Approved, it ends the entry at the same event-time point:
nothing is deleted, so a replay or backtest of the log meets every change where live did.
Every step is written to the hash-chained audit log in the same commit.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from fengkong.domain import clock
from fengkong.domain.changes import ChangeRequest, RequestStatus, same_person
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted, required
from fengkong.domain.events import Event
from fengkong.domain.identity.accounts import is_reference
from fengkong.domain.lists.compromise import (
    POINT_LIST,
    REPORT_LIST,
    VISITS_FEATURE,
    CounterfeitReport,
    Recall,
    compromise_began,
    counterfeit_report,
    exposed_terminals,
    report_evidence,
)
from fengkong.domain.lists.from_labels import listings_for
from fengkong.domain.lists.governance import rules_of
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.lists.types import LIST_TYPES, match_key
from fengkong.domain.money import MoneyError, parse_yuan
from fengkong.domain.ports import AuditLog, ChangeRequests, IdentifierProtector, ListStore, UnitOfWork
from fengkong.domain.sensitive import scrub_free_text
from fengkong.services.read_model import DecisionReadModel

Instant = str | float | Decimal | datetime | None


LABELS_ACTOR = "engine:labels"  # who the audit log names for entries a confirmed label made


@dataclass(frozen=True, slots=True)
class ImportRow:
    row: int
    value: str
    outcome: str  # added | error
    message: str = ""


def instant(value: Instant, name: str) -> float | None:
    """An ISO-8601 time with offset (or epoch seconds) as epoch seconds, between 1970 and the
    year 3000; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputError(name, "an ISO-8601 time with offset, or epoch seconds")
    if isinstance(value, int | float | Decimal):
        seconds = float(value)
    else:
        moment = value if isinstance(value, datetime) else clock.parse_moment(name, value)
        if moment.tzinfo is None:
            raise InputError(name, "needs a UTC offset, e.g. 2024-03-01T00:00:00+08:00")
        seconds = clock.to_epoch_seconds(moment)
    if not clock.EARLIEST_TS <= seconds < clock.LATEST_TS:
        raise InputError(name, "must be between 1970 and the year 3000")
    return seconds


def _now() -> float:
    return clock.to_epoch_seconds(clock.utc_now())


def _event_time(stream: float | None) -> float:
    """Now by event time given the stream's time (see `ListService.event_now`)."""
    now = _now()
    return now if stream is None else min(stream, now) + TICK_S


# The optional columns of a list import, after value and reason.
OPTIONAL = ("evidence", "starts_at", "expires_at", "ended_at", "amount", "case_number", "authority")

# One microsecond: the finest an ISO-8601 time shows, so a start or end "just after" an event
# survives being shown and imported again (a backtest of the list's history).
TICK_S = 1e-6

# The person penalties of 001 §1.4 as the credit information database names them.
_CREDIT_REPORT = {
    "penalty_person_business": "non_counter_and_payment_business_suspended",
    "penalty_person": "no_new_accounts",
}


class ListService:
    def __init__(
        self,
        entries: ListStore,
        requests: ChangeRequests,
        audit: AuditLog,
        protector: IdentifierProtector,
        read_model: DecisionReadModel,
        uow: UnitOfWork,
        masked: Callable[[str], str | None] = lambda _ref: None,
        stream_time: Callable[[], float | None] = lambda: None,
    ):
        self.entries = entries
        # Lists apply by event time, like features: what a person does is stamped with the
        # stream's event-time clock (the event log's), so a replay or a backtest of the log meets
        # each change where live did. In production that clock is the wall clock's neighbour; on
        # a replayed history it is the history's.
        self.stream_time = stream_time
        self.requests = requests
        self.audit = audit
        self.protector = protector
        self.masked = masked  # the masked number of a card or account reference (the vault's)
        self.read_model = read_model
        self.uow = uow
        # What an approved request does besides lists (e.g. a cash-out disposition set on
        # reference data): action -> how to carry it out, inside the approval's unit of work.
        self._actions: dict[str, Callable[[dict[str, Any], str], None]] = {}

    def on_approval(self, action: str, carry_out: Callable[[dict[str, Any], str], None]) -> None:
        """Let a request of `action` do something when a second person approves it (called with
        the request's payload and the checker)."""
        self._actions[action] = carry_out

    def request_action(self, action: str, payload: dict[str, Any], *, maker: str, reason: str) -> ChangeRequest:
        """Propose something a second person must approve before it takes effect (four eyes)."""
        required(maker=maker, reason=reason)
        if action not in self._actions:
            raise InputError("action", f"no approval path for {action!r}")
        return self._request(action, payload, maker, reason)

    # ------------------------------------------------------------------ entries
    def add(
        self,
        list_type: str,
        value: str,
        *,
        actor: str,
        reason: str,
        source: str,
        evidence: str = "",
        starts_at: Instant = None,
        expires_at: Instant = None,
        amount: Any = None,
        case_number: str | None = None,
        authority: str | None = None,
        display: str | None = None,
        period_from: float | None = None,
        ended_at: Instant = None,
        ground: str | None = None,
    ) -> ListEntry:
        """Put a value on a list. `display`: the mask of a value given by reference, when the
        vault may not hold its number yet (a label in the same commit as the event it labels).
        An industry blacklist (`governance.GOVERNED`) takes an entry only on one of its grounds
        and with evidence; people reach it through `BlacklistService.propose` (four eyes)."""
        required(actor=actor, reason=reason, source=source, value=value)
        governed = rules_of(list_type)
        if governed is not None:
            if ground is None:
                raise InputError("ground", f"a {list_type} entry needs its ground: one of {', '.join(governed.entry)}")
            governed.entry_ground(ground)
            required(evidence=evidence)
            reason = f"[{ground}] {reason}"
        reason, source, evidence = (
            scrub_free_text(reason),
            scrub_free_text(source),
            scrub_free_text(evidence),
        )  # typed by people
        kind = LIST_TYPES.get(list_type)
        if kind is None:
            raise InputError("list_type", f"unknown list; one of {', '.join(LIST_TYPES)}")
        now = _now()
        key, shown = match_key(list_type, value, self.protector, clock.business_date(now))
        if shown == key and is_reference(key):  # given by reference (a trace, a label): shown masked
            shown = display or self.masked(key) or key
        amount_fen = None
        if kind.needs_amount:
            try:
                amount_fen = parse_yuan(amount)
            except MoneyError as exc:
                raise InputError("amount", str(exc)) from None
        # Without an explicit start an entry applies to events stamped after every event decided
        # so far (before the first, to all): what was decided before it stays as it was, live and
        # in a replay alike. An order that must reach further back is given its start.
        given = instant(starts_at, "starts_at")
        start = current = 0.0
        if given is None:
            stream = self.stream_time()  # read once
            current = _event_time(stream)
            start = 0.0 if stream is None else current
        else:
            start = given
        end = instant(expires_at, "expires_at")
        if end is not None and end <= start:
            raise InputError("expires_at", "must be after the start")
        if end is not None and given is None and end <= current:
            # a history given with its start (an import for a backtest) may have ended already
            raise InputError("expires_at", "must be in the future (or give the start too)")
        ended = instant(ended_at, "ended_at")
        if ended is not None and (given is None or ended <= start):
            raise InputError("ended_at", "an ended entry (a list's history) needs its start, and to end after it")
        with self.uow.atomic():
            entry = self.entries.add(
                ListEntry(
                    0,
                    list_type,
                    key,
                    shown,
                    source,
                    reason,
                    evidence,
                    actor,
                    start,
                    end,
                    amount_fen,
                    case_number,
                    authority,
                    period_from,
                    ended,
                )
            )
            self.audit.append(
                actor,
                f"list.add.{list_type}",
                f"list_entry:{entry.id}",
                reason,
                {
                    "display": shown,
                    "source": source,
                    "evidence": evidence,
                    "starts_at": start,
                    "expires_at": end,
                    "ended_at": ended,
                    "amount_fen": amount_fen,
                    "case_number": case_number,
                    "authority": authority,
                },
            )
            stamp = self.entries.stamp()
            self.uow.on_commit(lambda: self.read_model.lists_changed(stamp, added=[entry]))
        return entry

    def import_csv(self, list_type: str, handle: TextIO, *, actor: str, source: str) -> list[ImportRow]:
        """Rows: value, reason[, evidence, starts_at, expires_at, ended_at, amount, case_number,
        authority]; each row reported. A list's history (`lists show --all`) imports as it was,
        ended entries with their end, for a backtest that meets them where live did."""
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "value" not in reader.fieldnames or "reason" not in reader.fieldnames:
            raise InputError("(header)", f"the CSV needs the columns value, reason ({', '.join(OPTIONAL)} optional)")
        kind = LIST_TYPES.get(list_type)
        masked = kind is not None and kind.entity in ("person", "card", "phone")
        results: list[ImportRow] = []
        for i, row in enumerate(reader, start=1):
            value = row.get("value") or ""
            shown = value[:6] + "…" if masked else value
            try:
                self.add(
                    list_type,
                    value,
                    actor=actor,
                    reason=row.get("reason") or "",
                    source=source,
                    evidence=row.get("evidence") or "",
                    starts_at=row.get("starts_at") or None,
                    expires_at=row.get("expires_at") or None,
                    ended_at=row.get("ended_at") or None,
                    amount=row.get("amount") or None,
                    case_number=row.get("case_number") or None,
                    authority=row.get("authority") or None,
                )
                results.append(ImportRow(i, shown, "added"))
            except InputError as exc:
                results.append(ImportRow(i, shown, "error", f"{exc.field}: {exc.message}"))
        return results

    def list_labelled(
        self,
        feedback_id: str,
        fields: Mapping[str, Any],
        fraud_labels: Collection[str],
        takeover_labels: Collection[str],
        at: float,
    ) -> list[ListEntry]:
        """The entries a confirmed label calls for, made inside the caller's unit of work (the
        feedback's own commit), in force from the feedback's time (by event time, as the label
        features); an account or card already on that list is left as it is."""
        made = []
        for listing in listings_for(feedback_id, fields, fraud_labels, takeover_labels):
            if self._in_force(listing.list_type, listing.value, at):
                continue
            made.append(
                self.add(
                    listing.list_type,
                    listing.value,
                    actor=LABELS_ACTOR,
                    reason=listing.reason,
                    source=listing.source,
                    evidence=listing.evidence,
                    display=listing.display,
                    starts_at=at,
                )
            )
        return made

    def label_consequences(self, feedback: Event, recall: Recall, policy: Mapping[str, Any]) -> list[ListEntry]:
        """What a decided feedback event puts on the lists, in its own commit: the payee or card
        of a confirmed fraud (`list_labelled`), and a counterfeit card's report on the terminals
        it used before its fraud (`report_counterfeit`). Windows and thresholds are policy."""
        made = self.list_labelled(
            feedback.event_id,
            feedback.fields,
            policy.get("fraud_labels", ()),
            policy.get("takeover_labels", ()),
            feedback.ts,
        )
        report = counterfeit_report(feedback.event_id, feedback.fields, policy.get("counterfeit_labels", ()))
        if report is None:
            return made
        days = int(policy.get("cpc_exposure_days", 30))
        visits = recall(VISITS_FEATURE, f"card|{report.card}", report.fraud_ts)
        terminals = exposed_terminals(visits, report.fraud_ts, days * 86_400)
        min_reports, margin = int(policy.get("cpc_min_reports", 3)), int(policy.get("cpc_margin_days", 3))
        return made + self.report_counterfeit(report, terminals, min_reports, days, margin, feedback.ts)

    def report_counterfeit(
        self,
        report: CounterfeitReport,
        terminals: Mapping[str, float],
        min_reports: int,
        exposure_days: int,
        margin_days: int,
        at: float,
    ) -> list[ListEntry]:
        """A confirmed counterfeit card counts once on each terminal it used in the exposure window
        (a `skimming_report` entry, in force from the report's time); a terminal with reports from
        `min_reports` different cards becomes a `compromised_terminal` from that time on. Inside the
        caller's unit of work (the feedback's own commit). `terminals`: each terminal the card used
        in the window, with its first visit there; the common point's period begins at the
        earliest reported visit less `margin_days`."""
        made = []
        evidence = report_evidence(report)
        for terminal, visited in terminals.items():
            reports = self._in_force(REPORT_LIST, terminal, at)
            if any(e.evidence.startswith(f"card {report.card};") for e in reports):
                continue
            made.append(
                self.add(
                    REPORT_LIST,
                    terminal,
                    actor=LABELS_ACTOR,
                    reason=f"card {report.card_display} used it before its {report.label} confirmed by {report.source}",
                    source=f"label:{report.source}",
                    evidence=evidence,
                    starts_at=at,
                    period_from=visited,
                )
            )
            cards = len(reports) + 1
            if cards >= min_reports and not self._in_force(POINT_LIST, terminal, at):
                made.append(
                    self.add(
                        POINT_LIST,
                        terminal,
                        actor=LABELS_ACTOR,
                        reason=f"{cards} cards later confirmed counterfeit used it within {exposure_days} days "
                        "before their fraud",
                        source="cpc:real-time",
                        evidence=evidence,
                        starts_at=at,
                        period_from=compromise_began(
                            [visited, *(e.period_from for e in reports if e.period_from is not None)],
                            margin_days * 86_400,
                        ),
                    )
                )
        return made

    def lookup(self, list_type: str, value: str, *, history: bool = False) -> list[ListEntry]:
        """The entries of a list for a value not ended yet, or with `history` all of them, ended
        ones with their end (matched the way events are)."""
        key = self.key_of(list_type, value)
        return self.entries.find(list_type, key) if history else self._in_force(list_type, key, self.event_now())

    def event_now(self) -> float:
        """Now, by event time: just after the latest event time decided (capped at the wall
        clock, so one event stamped in the future cannot put orders off); the wall clock before
        any event. An entry started or ended here meets, in a replay, exactly the events it met
        live: those decided before it are at or before this time."""
        return _event_time(self.stream_time())

    def _in_force(self, list_type: str, key: str, at: float) -> list[ListEntry]:
        """Entries of a list for a key not ended by `at` (in force then, or to begin later)."""
        return [e for e in self.entries.find(list_type, key) if not e.ended_by(at)]

    def key_of(self, list_type: str, value: str) -> str:
        """The key a list of this type and an event's entity give a value (a hash or reference
        for sensitive ones)."""
        return match_key(list_type, value, self.protector, clock.business_date(_now()))[0]

    def penalised_persons(self, at: Instant = None, identities: Iterable[str] = ()) -> list[dict[str, Any]]:
        """The report of penalised persons for the financial credit information database
        (001 §1.4), one row per penalty in force at `at` (default now). fengkong keeps identity
        numbers only as keyed hashes: the bank passes its own customers' numbers in `identities`
        (read, never stored) and a row whose hash matches one of them carries it in clear."""
        ts = instant(at, "at") or _now()
        clear: dict[str, str] = {}
        for number in identities:
            try:
                canonical = match_key("penalty_person", number, self.protector, clock.business_date(ts))[0]
            except InputError:
                continue  # not an identity number: nothing to match
            clear[canonical] = number.strip().upper()
        rows = []
        for entry in sorted(self.entries.all(), key=lambda e: (e.starts_at, e.id)):
            penalty = _CREDIT_REPORT.get(entry.list_type)
            if penalty is None or not entry.active_at(ts):
                continue
            row = entry.to_dict()
            rows.append(
                {
                    "penalty": penalty,
                    "id_number": clear.get(entry.match_key),
                    "id_number_masked": entry.display,
                    "id_number_hash": entry.match_key,
                    **{k: row[k] for k in ("starts_at", "expires_at", "reason", "evidence", "source", "added_by")},
                    "case_number": entry.case_number,
                    "authority": entry.authority,
                }
            )
        return rows

    def entry(self, entry_id: int) -> ListEntry:
        """An entry not ended yet (one that has ended can no longer be removed or changed)."""
        found = self.entries.get(entry_id)
        if found is None or found.ended_by(self.event_now()):
            raise NotFound("entry_id", f"no entry {entry_id} in force or to come")
        return found

    # ------------------------------------------------------------------ maker-checker
    def request_removal(self, entry_id: int, *, maker: str, reason: str) -> ChangeRequest:
        """Remove a list entry, release a stop-payment or a freeze: needs a second person."""
        required(maker=maker, reason=reason)
        entry = self.entry(entry_id)
        return self._request(
            "remove_entry",
            {"entry_id": entry_id, "list_type": entry.list_type, "display": entry.display},
            maker,
            reason,
        )

    def request_penalty_change(self, entry_id: int, expires_at: Instant, *, maker: str, reason: str) -> ChangeRequest:
        required(maker=maker, reason=reason)
        entry = self.entries.get(entry_id)
        if entry is None or entry.ended_by(self.event_now()) or not entry.list_type.startswith("penalty_"):
            raise NotFound("entry_id", f"no penalty {entry_id} in force or to come")
        end = instant(expires_at, "expires_at")
        return self._request("change_penalty", {"entry_id": entry_id, "expires_at": end}, maker, reason)

    def _request(self, action: str, payload: dict[str, Any], maker: str, reason: str) -> ChangeRequest:
        reason = scrub_free_text(reason)
        with self.uow.atomic():
            request = self.requests.create(action, payload, maker, reason)
            self.audit.append(maker, f"request.{action}", f"change_request:{request.id}", reason, payload)
        return request

    def pending(self) -> list[ChangeRequest]:
        return self.requests.pending()

    def approve(self, request_id: int, *, checker: str, note: str = "") -> ChangeRequest:
        required(checker=checker)
        note = scrub_free_text(note)
        request = self._pending(request_id)
        if same_person(request.maker, checker):
            self.audit.append(
                checker, "request.refused_same_person", f"change_request:{request_id}", note, {"maker": request.maker}
            )
            raise NotPermitted("checker", "the checker must be a different person from the maker (four-eyes rule)")
        if "entry_id" not in request.payload:  # an approval that changes no entry: an export, an action
            with self.uow.atomic():
                if not self.requests.decide(request_id, RequestStatus.APPROVED.value, checker, note):
                    raise Conflict("request_id", f"request {request_id} is no longer pending")
                carry_out = self._actions.get(request.action)
                if carry_out is not None:
                    carry_out(dict(request.payload), checker)
                self.audit.append(
                    checker, f"approve.{request.action}", f"change_request:{request_id}", note,
                    {"maker": request.maker, **request.payload},
                )  # fmt: skip
            return replace(request, status=RequestStatus.APPROVED.value, checker=checker, checker_note=note)
        entry_id = int(request.payload["entry_id"])
        with self.uow.atomic():
            if not self.requests.decide(request_id, RequestStatus.APPROVED.value, checker, note):
                raise Conflict("request_id", f"request {request_id} is no longer pending")
            # Ended now by event time, not deleted: an event stamped before still meets it.
            now = self.event_now()
            entry = self.entries.get(entry_id)
            ended = self.entries.end(entry_id, now)
            changed = None
            if request.action == "change_penalty" and entry is not None:
                until = request.payload["expires_at"]
                if until is None or until > max(entry.starts_at, now):
                    changed = self.entries.add(
                        replace(
                            entry,
                            id=0,
                            starts_at=max(entry.starts_at, now),
                            expires_at=until,
                            reason=f"{entry.reason} (changed: {request.reason})",
                        )
                    )
            self.audit.append(
                checker,
                f"approve.{request.action}",
                f"change_request:{request_id}",
                note,
                {"maker": request.maker, **request.payload},
            )
            stamp = self.entries.stamp()
            added = [changed] if changed is not None else []
            over = [ended] if ended is not None else []
            self.uow.on_commit(lambda: self.read_model.lists_changed(stamp, added=added, ended=over))
        return replace(request, status=RequestStatus.APPROVED.value, checker=checker, checker_note=note)

    def reject(self, request_id: int, *, checker: str, note: str) -> ChangeRequest:
        required(checker=checker, note=note)
        note = scrub_free_text(note)
        request = self._pending(request_id)
        with self.uow.atomic():
            if not self.requests.decide(request_id, RequestStatus.REJECTED.value, checker, note):
                raise Conflict("request_id", f"request {request_id} is no longer pending")
            self.audit.append(
                checker, f"reject.{request.action}", f"change_request:{request_id}", note, request.payload
            )
        return replace(request, status=RequestStatus.REJECTED.value, checker=checker, checker_note=note)

    def _pending(self, request_id: int) -> ChangeRequest:
        request = self.requests.get(request_id)
        if request is None:
            raise NotFound("request_id", f"no request {request_id}")
        if request.status != RequestStatus.PENDING.value:
            raise Conflict("request_id", f"request {request_id} is already {request.status}")
        return request
