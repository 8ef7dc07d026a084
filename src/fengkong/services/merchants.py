"""The merchant and terminal registries: onboarding checks with reasons, bulk import, and the
records the decision path reads (terminal certification, service life, mobile area, limits)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from fengkong.domain import clock
from fengkong.domain.acquiring.admission import compare, fingerprint, sample_key, sample_of
from fengkong.domain.acquiring.limits import SCALES, Limits, merchant_limits, terminal_limits
from fengkong.domain.acquiring.links import ATTRIBUTES, merchant_keys
from fengkong.domain.acquiring.onboarding import OnboardingResult, check_merchant, check_terminal
from fengkong.domain.errors import InputError, NotFound
from fengkong.domain.identity.accounts import account_number
from fengkong.domain.identity.documents import parse_identity_document
from fengkong.domain.identity.resident_id import ResidentIdError
from fengkong.domain.lists.types import entity_key
from fengkong.domain.money import MoneyError, fen_to_yuan, parse_yuan
from fengkong.domain.ports import AuditLog, IdentifierProtector, MerchantStore, UnitOfWork
from fengkong.services.read_model import DecisionReadModel
from fengkong.services.sharing import SharingService

MERCHANT_FIELDS = (
    "merchant_id",
    "name",
    "mcc",
    "declared_category",
    "address",
    "legal_rep_name",
    "legal_rep_id_number",
    "settlement_account",
    "settlement_personal",
    "accepts_credit",
    "preauth_enabled",
    "acquirer",
    "onboarded_at",
    "single_limit",
    "daily_limit",
    "licence",
    "outsourcer",
    "scale",
)
TERMINAL_FIELDS = (
    "terminal_id",
    "serial",
    "certified",
    "signature",
    "manufacturer",
    "model",
    "kind",
    "deployed_at",
    "lat",
    "lon",
    "city",
    "merchants",
    "key_version",
    "tamper_state",
    "single_limit",
    "daily_limit",
    "firmware",
    "fingerprint",
    "outsourcer",
    "last_checked_at",
)


@dataclass(frozen=True, slots=True)
class RegistryRow:
    row: int
    entity_id: str
    outcome: str  # active | review | rejected | error
    message: str = ""


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y")


def _money(values: dict[str, Any], name: str) -> str | None:
    if values.get(name) in (None, ""):
        return None
    try:
        return str(fen_to_yuan(parse_yuan(values[name])))
    except MoneyError as exc:
        raise InputError(name, str(exc)) from None


def _date(values: dict[str, Any], name: str) -> str | None:
    if values.get(name) in (None, ""):
        return None
    try:
        return date.fromisoformat(str(values[name])[:10]).isoformat()
    except ValueError:
        raise InputError(name, "must be a date YYYY-MM-DD") from None


MERCHANT_LISTS = ("illegal_merchant", "cashout_merchant")


def _now() -> float:
    return clock.to_epoch_seconds(clock.utc_now())


def _midnight(day: str | None) -> float | None:
    """The start of a business day in Beijing, as epoch seconds."""
    return None if day is None else clock.to_epoch_seconds(datetime.fromisoformat(day + "T00:00:00+08:00"))


def _listed(lists: DecisionReadModel, types: tuple[str, ...], value: str, at: float) -> dict[str, Any] | None:
    for list_type in types:
        found = lists.listed(list_type, value, at)
        if found is not None:
            return found
    return None


def _licence(values: dict[str, Any]) -> str | None:
    """A business licence's unified social credit code (18 characters, check character verified)."""
    text = str(values.get("licence") or "").strip().upper()
    if not text:
        return None
    try:
        return str(uscc.validate(text))
    except ValidationError:
        raise InputError("licence", "not a valid unified social credit code (18 characters)") from None


def _given_limits(values: dict[str, Any], derived: Limits | None) -> tuple[str | None, str | None, str]:
    """(single, daily, basis): what the acquirer set itself, the derived limits for the rest."""
    single, daily = _money(values, "single_limit"), _money(values, "daily_limit")
    if single is None and daily is None:
        if derived is None:
            return None, None, "no scale declared: no limits of its own"
        return str(derived.single), str(derived.daily), derived.basis
    basis = "set by the acquirer"
    if derived is not None and (single is None or daily is None):
        basis += f"; the other by {derived.basis}"
        single = single if single is not None else str(derived.single)
        daily = daily if daily is not None else str(derived.daily)
    return single, daily, basis


def _limits_of(record: dict[str, Any]) -> Limits | None:
    if record.get("single_limit") is None or record.get("daily_limit") is None:
        return None
    return Limits(Decimal(record["single_limit"]), Decimal(record["daily_limit"]), "its merchant's")


class MerchantService:
    def __init__(
        self,
        store: MerchantStore,
        audit: AuditLog,
        protector: IdentifierProtector,
        read_model: DecisionReadModel,
        uow: UnitOfWork,
        policy: Callable[[str], Any],
        *,
        sharing: SharingService | None = None,
    ):
        self.policy = policy  # limits by scale and risk, high-risk merchant types
        # the consortium: what other member institutions reported about a merchant's identities
        self.sharing = sharing
        self.store = store
        self.audit = audit
        self.protector = protector
        self.read_model = read_model
        self.uow = uow

    def _hash_identity(self, number: str) -> tuple[str, str]:
        try:
            document = parse_identity_document(number, clock.business_date(clock.to_epoch_seconds(clock.utc_now())))
        except ResidentIdError as exc:
            raise InputError("legal_rep_id_number", str(exc)) from None
        return self.protector.identifier_hash("id_number", document.number), document.masked

    def merchant(self, merchant_id: str) -> dict[str, Any]:
        record = self.store.get("merchant", merchant_id)
        if record is None:
            raise NotFound("merchant_id", "not registered")
        return record

    def terminal(self, terminal_id: str) -> dict[str, Any]:
        record = self.store.get("terminal", terminal_id)
        if record is None:
            raise NotFound("terminal_id", "not registered")
        return record

    def merchants(self) -> dict[str, dict[str, Any]]:
        """Every merchant's record by id."""
        return {entity: record for _, entity, record in self.store.all("merchant")}

    def terminals(self) -> dict[str, dict[str, Any]]:
        """Every terminal's record by id."""
        return {entity: record for _, entity, record in self.store.all("terminal")}

    def clusters(self, min_size: int = 2) -> list[dict[str, Any]]:
        """Merchants linked by a legal representative, a settlement account, a licence or a
        terminal, largest first, for the acquirer's review: who, through what (shown masked),
        across which acquirers, and which of them are blacklisted."""
        merchants = self.merchants()
        now = _now()
        out = []
        for cluster in self.read_model.clusters(min_size):
            members = []
            for merchant_id in cluster.merchants:
                record = merchants.get(merchant_id, {})
                found = _listed(self.read_model, MERCHANT_LISTS, merchant_id, now)
                members.append(
                    {
                        "merchant_id": merchant_id,
                        "name": record.get("name", ""),
                        "status": record.get("status", "unregistered"),
                        "acquirer": record.get("acquirer", ""),
                        "blacklisted": found["reason"] if found else None,
                    }
                )
            links = []
            for link in cluster.links:
                zh, en = ATTRIBUTES[link.attribute]
                sample = merchants.get(link.merchants[0], {})
                shown = {
                    "legal_rep": sample.get("legal_rep_id_masked"),
                    "settlement_account": sample.get("settlement_account_masked"),
                    "licence": sample.get("licence"),
                    "terminal": link.key,
                }[link.attribute]
                links.append(
                    {"attribute": link.attribute, "zh": zh, "en": en, "value": shown, "merchants": list(link.merchants)}
                )
            out.append(
                {
                    "merchants": members,
                    "links": links,
                    "acquirers": sorted({m["acquirer"] for m in members if m["acquirer"]}),
                    "blacklisted": sum(m["blacklisted"] is not None for m in members),
                }
            )
        return out

    def register_merchant(self, values: dict[str, Any], *, actor: str) -> OnboardingResult:
        unknown = set(values) - set(MERCHANT_FIELDS)
        if unknown:
            raise InputError(sorted(unknown)[0], f"not a merchant field; fields: {', '.join(MERCHANT_FIELDS)}")
        for name in ("merchant_id", "name", "mcc"):
            if not str(values.get(name) or "").strip():
                raise InputError(name, "is required")
        mcc = str(values["mcc"]).strip()
        if not (len(mcc) == 4 and mcc.isdigit()):
            raise InputError("mcc", "must be a 4-digit merchant category code")
        merchant_id = str(values["merchant_id"]).strip()
        scale = str(values.get("scale") or "").strip() or None
        if scale is not None and scale not in SCALES:
            raise InputError("scale", f"one of {', '.join(SCALES)}")
        identity_hash = masked = None
        if values.get("legal_rep_id_number"):
            identity_hash, masked = self._hash_identity(str(values["legal_rep_id_number"]))
        account_ref = account_masked = None
        if values.get("settlement_account"):
            # the key the door gives the same number in an event's account_id (a card-like
            # number is a card reference there), so its transactions meet the merchant
            number = account_number(str(values["settlement_account"]), "settlement_account")
            account_ref, account_masked = entity_key("account", number, self.protector, clock.business_date(_now()))
        licence = _licence(values)
        outsourcer = str(values.get("outsourcer") or "").strip() or None
        keys = merchant_keys(
            {"id_number_hash": identity_hash, "settlement_account_ref": account_ref, "licence": licence}
        )
        lists = self.read_model
        now = clock.to_epoch_seconds(clock.utc_now())
        listed = _listed(lists, MERCHANT_LISTS, merchant_id, now)
        rep_listed = None
        if identity_hash is not None:
            rep_listed = _listed(lists, ("id_number", "penalty_person"), identity_hash, now)
        linked = lists.merchant_matches(keys, merchant_id)
        linked_listed = {
            other: found["reason"] for other in linked if (found := _listed(lists, MERCHANT_LISTS, other, now))
        }
        provider = _listed(lists, ("outsourcing_provider",), outsourcer, now) if outsourcer else None
        personal = _flag(values.get("settlement_personal", False))
        shared = self._shared_keys(
            merchant_id,
            rep=values.get("legal_rep_id_number"),
            licence=licence,
            account=values.get("settlement_account"),
        )
        reported = self._reported(shared, now)
        result = check_merchant(
            mcc=mcc,
            declared_category=values.get("declared_category") or None,
            preauth_enabled=_flag(values.get("preauth_enabled", False)),
            settlement_personal=personal,
            accepts_credit=_flag(values.get("accepts_credit", True)),
            merchant_listed=listed["reason"] if listed else None,
            representative_listed=rep_listed["reason"] if rep_listed else None,
            linked=linked,
            linked_listed=linked_listed,
            outsourcer_listed=provider["reason"] if provider else None,
            reported=reported,
            blacklist_risks=frozenset(self.policy("shared_blacklist_risks")),
        )
        risk = (
            "high" if mcc in self.policy("high_risk_mccs") or linked_listed else "medium" if result.findings else "low"
        )
        # limits the acquirer set; else by declared scale, or a personal settlement account's
        derived = merchant_limits(scale or "micro", risk, personal, self.policy) if scale or personal else None
        single, daily, basis = _given_limits(values, derived)
        record = {
            "merchant_id": merchant_id,
            "name": str(values["name"]),
            "mcc": mcc,
            "declared_category": values.get("declared_category") or None,
            "address": values.get("address") or "",
            "legal_rep_name": values.get("legal_rep_name") or "",
            "legal_rep_id_masked": masked,
            "id_number_hash": identity_hash,
            "settlement_account_masked": account_masked,
            "settlement_account_ref": account_ref,
            "licence": licence,
            "outsourcer": outsourcer,
            **shared,  # consortium hashes: what a report to the other members names
            "settlement_personal": personal,
            "accepts_credit": _flag(values.get("accepts_credit", True)),
            "preauth_enabled": _flag(values.get("preauth_enabled", False)),
            "acquirer": values.get("acquirer") or "",
            "onboarded_at": _date(values, "onboarded_at"),
            "scale": scale,
            "risk": risk,
            "single_limit": single,
            "daily_limit": daily,
            "limits_basis": basis,
            "status": result.status,
            "findings": result.to_dict()["findings"],
        }
        self.keep("merchant", merchant_id, record, result.status, actor, identity_hash)
        return result

    def _shared_keys(self, merchant_id: str, *, rep: Any, licence: str | None, account: Any) -> dict[str, str]:
        """The consortium hashes of what identifies a merchant across institutions: its legal
        representative, its licence (a merchant number is one acquirer's), its settlement account."""
        if self.sharing is None:
            return {}
        keys = {"shared_merchant_hash": self.sharing.subject_hash("merchant", licence or merchant_id)}
        if rep:
            keys["shared_person_hash"] = self.sharing.subject_hash("id_number", str(rep))
        if account:
            keys["shared_account_hash"] = self.sharing.subject_hash("account", str(account))
        return keys

    def _reported(self, keys: dict[str, str], now: float) -> dict[str, dict[str, Any]]:
        """What other member institutions reported about those (what -> summary)."""
        found = {}
        for field, subject_type, what in (
            ("shared_person_hash", "id_number", "legal representative"),
            ("shared_merchant_hash", "merchant", "merchant"),
            ("shared_account_hash", "account", "settlement account"),
        ):
            summary = self.read_model.shared(subject_type, keys[field], None, now) if field in keys else None
            if summary is not None and summary["others"] > 0:
                found[what] = summary
        return found

    def register_terminal(self, values: dict[str, Any], *, actor: str) -> OnboardingResult:
        unknown = set(values) - set(TERMINAL_FIELDS)
        if unknown:
            raise InputError(sorted(unknown)[0], f"not a terminal field; fields: {', '.join(TERMINAL_FIELDS)}")
        terminal_id = str(values.get("terminal_id") or "").strip()
        if not terminal_id:
            raise InputError("terminal_id", "is required")
        kind = str(values.get("kind") or "fixed")
        if kind not in ("fixed", "mobile", "atm"):
            raise InputError("kind", "one of fixed, mobile, atm")
        merchants = values.get("merchants") or []
        if isinstance(merchants, str):
            merchants = [m.strip() for m in merchants.replace(";", ",").split(",") if m.strip()]
        records = [self.store.get("merchant", m) or {} for m in merchants]
        location: dict[str, Any] = {}
        for name in ("lat", "lon"):
            if values.get(name) not in (None, ""):
                try:
                    location[name] = float(values[name])
                except (TypeError, ValueError):
                    raise InputError(name, "must be a number") from None
        if values.get("city"):
            location["city"] = str(values["city"])
        serial = str(values.get("serial") or "").strip()
        firmware = str(values.get("firmware") or "").strip()
        measured = fingerprint(str(values["fingerprint"]), "fingerprint") if values.get("fingerprint") else ""
        manufacturer, model = str(values.get("manufacturer") or ""), str(values.get("model") or "")
        against_sample = None
        if self.read_model.keeps_samples():  # an acquirer keeping qualified samples compares every terminal
            sample = sample_of(self.read_model.sample(sample_key(manufacturer, model)))
            against_sample = compare(sample, firmware=firmware, measured=measured, on=clock.business_date(_now()))
        outsourcer = str(values.get("outsourcer") or "").strip() or None
        provider = _listed(self.read_model, ("outsourcing_provider",), outsourcer, _now()) if outsourcer else None
        certified = _flag(values.get("certified", False))
        result = check_terminal(
            certified=certified,
            merchants=merchants,
            kind=kind,
            merchant_mccs=[r.get("mcc", "") for r in records],
            serial=serial,
            signature=str(values.get("signature") or ""),
            serial_taken_by=self.read_model.terminal_with_serial(serial, terminal_id) if serial else None,
            outsourcer_listed=provider["reason"] if provider else None,
            against_sample=against_sample,
        )
        deployed = _date(values, "deployed_at")
        merchant = _limits_of(records[0]) if records else None
        single, daily, basis = _given_limits(values, terminal_limits(kind, merchant, self.policy))
        record = {
            "terminal_id": terminal_id,
            "serial": serial,
            "certified": certified,
            "signature": values.get("signature") or "",
            "manufacturer": manufacturer,
            "model": model,
            "firmware": firmware,
            "fingerprint": measured,
            "outsourcer": outsourcer,
            "kind": kind,
            "deployed_at": deployed,
            "deployed_ts": _midnight(deployed),
            "registered_ts": _now(),
            "location": location or None,
            "merchants": merchants,
            "key_version": values.get("key_version") or "",
            "tamper_state": values.get("tamper_state") or "intact",
            "single_limit": single,
            "daily_limit": daily,
            "limits_basis": basis,
            "checks": [],
            # the last inspection before this registry kept them (a migrated registry), if known
            "last_check_ts": _midnight(_date(values, "last_checked_at")),
            "status": result.status,
            "admitted_status": result.status,
            "findings": result.to_dict()["findings"],
        }
        self.keep("terminal", terminal_id, record, result.status, actor)
        return result

    def keep(
        self,
        kind: str,
        entity_id: str,
        record: dict[str, Any],
        status: str,
        actor: str,
        identity_hash: str | None = None,
    ) -> None:
        """Store and audit in one commit; then into the read model (no reload of the registry)."""
        with self.uow.atomic():
            self.store.put(kind, entity_id, record, status, identity_hash)
            self.audit.append(
                actor,
                f"registry.{kind}",
                f"{kind}:{entity_id}",
                status,
                {k: v for k, v in record.items() if k != "findings"},
            )
            stamp = self.store.stamp()
            self.uow.on_commit(lambda: self.read_model.registry_changed(kind, entity_id, record, stamp))

    def import_csv(self, kind: str, handle: TextIO, *, actor: str) -> list[RegistryRow]:
        if kind not in ("merchant", "terminal"):
            raise InputError("kind", "merchant or terminal")
        register = self.register_merchant if kind == "merchant" else self.register_terminal
        key = "merchant_id" if kind == "merchant" else "terminal_id"
        rows: list[RegistryRow] = []
        for i, row in enumerate(csv.DictReader(handle), start=1):
            values = {k: v for k, v in row.items() if k and v not in (None, "")}
            try:
                result = register(values, actor=actor)
                rows.append(
                    RegistryRow(i, row.get(key) or "", result.status, "; ".join(f.code for f in result.findings))
                )
            except InputError as exc:
                rows.append(RegistryRow(i, row.get(key) or "", "error", f"{exc.field}: {exc.message}"))
        return rows
