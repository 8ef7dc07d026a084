"""The merchant and terminal registries: onboarding checks with reasons, bulk import, and the
records the decision path reads (terminal certification, service life, mobile area, limits)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

from fengkong.domain import clock
from fengkong.domain.errors import InputError, NotFound
from fengkong.domain.identity.documents import parse_identity_document
from fengkong.domain.identity.resident_id import ResidentIdError
from fengkong.domain.merchants import OnboardingResult, check_merchant, check_terminal
from fengkong.domain.money import MoneyError, fen_to_yuan, parse_yuan
from fengkong.domain.ports import AuditLog, IdentifierProtector, MerchantStore, UnitOfWork
from fengkong.services.read_model import DecisionReadModel

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


class MerchantService:
    def __init__(
        self,
        store: MerchantStore,
        audit: AuditLog,
        protector: IdentifierProtector,
        read_model: DecisionReadModel,
        uow: UnitOfWork,
    ):
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
        identity_hash = masked = None
        if values.get("legal_rep_id_number"):
            identity_hash, masked = self._hash_identity(str(values["legal_rep_id_number"]))
        lists = self.read_model
        now = clock.to_epoch_seconds(clock.utc_now())
        listed = lists.listed("illegal_merchant", merchant_id, now) or lists.listed(
            "cashout_merchant", merchant_id, now
        )
        rep_listed = None
        if identity_hash is not None:
            rep_listed = lists.listed("id_number", identity_hash, now) or lists.listed(
                "penalty_person", identity_hash, now
            )
        result = check_merchant(
            mcc=mcc,
            declared_category=values.get("declared_category") or None,
            preauth_enabled=_flag(values.get("preauth_enabled", False)),
            settlement_personal=_flag(values.get("settlement_personal", False)),
            accepts_credit=_flag(values.get("accepts_credit", True)),
            merchant_listed=listed["reason"] if listed else None,
            representative_listed=rep_listed["reason"] if rep_listed else None,
            other_merchants_same_representative=self.store.count_identity("merchant", identity_hash, merchant_id)
            if identity_hash
            else 0,
        )
        record = {
            "merchant_id": merchant_id,
            "name": str(values["name"]),
            "mcc": mcc,
            "declared_category": values.get("declared_category") or None,
            "address": values.get("address") or "",
            "legal_rep_name": values.get("legal_rep_name") or "",
            "legal_rep_id_masked": masked,
            "settlement_personal": _flag(values.get("settlement_personal", False)),
            "accepts_credit": _flag(values.get("accepts_credit", True)),
            "preauth_enabled": _flag(values.get("preauth_enabled", False)),
            "acquirer": values.get("acquirer") or "",
            "onboarded_at": _date(values, "onboarded_at"),
            "single_limit": _money(values, "single_limit"),
            "daily_limit": _money(values, "daily_limit"),
            "status": result.status,
            "findings": result.to_dict()["findings"],
        }
        self.keep("merchant", merchant_id, record, result.status, actor, identity_hash)
        return result

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
        mccs = [(self.store.get("merchant", m) or {}).get("mcc", "") for m in merchants]
        location: dict[str, Any] = {}
        for name in ("lat", "lon"):
            if values.get(name) not in (None, ""):
                try:
                    location[name] = float(values[name])
                except (TypeError, ValueError):
                    raise InputError(name, "must be a number") from None
        if values.get("city"):
            location["city"] = str(values["city"])
        certified = _flag(values.get("certified", False))
        result = check_terminal(certified=certified, merchants=merchants, kind=kind, merchant_mccs=mccs)
        deployed = _date(values, "deployed_at")
        record = {
            "terminal_id": terminal_id,
            "serial": values.get("serial") or "",
            "certified": certified,
            "signature": values.get("signature") or "",
            "manufacturer": values.get("manufacturer") or "",
            "model": values.get("model") or "",
            "kind": kind,
            "deployed_at": deployed,
            "deployed_ts": None
            if deployed is None
            else clock.to_epoch_seconds(datetime.fromisoformat(deployed + "T00:00:00+08:00")),
            "location": location or None,
            "merchants": merchants,
            "key_version": values.get("key_version") or "",
            "tamper_state": values.get("tamper_state") or "intact",
            "single_limit": _money(values, "single_limit"),
            "daily_limit": _money(values, "daily_limit"),
            "status": result.status,
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
