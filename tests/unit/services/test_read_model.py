"""DecisionReadModel over the memory stores: reloading what changed elsewhere, and only that."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

import pytest

from fengkong.adapters.crypto.sm3 import Sm3Protector
from fengkong.bootstrap import Stores, build_stores
from fengkong.config import Settings
from fengkong.domain.lists.index import ListEntry
from fengkong.domain.lists.types import phone_key
from fengkong.domain.tokens import PaymentToken
from fengkong.services.lists import ListService
from fengkong.services.platform import Platform
from fengkong.services.read_model import DecisionReadModel
from fengkong.services.reference import ReferenceData
from tests.unit.services.support import now_ts


@dataclass
class Node:
    """One process's view (read model and services) over stores another process also writes."""

    stores: Stores
    protector: Sm3Protector
    read_model: DecisionReadModel
    lists: ListService
    reference: ReferenceData


@pytest.fixture
def node() -> Node:
    stores = build_stores(Settings.memory())
    protector = Sm3Protector(secrets.token_bytes(32))
    read_model = DecisionReadModel(
        protector, reference=stores.reference, lists=stores.lists, tokens=stores.tokens, merchants=stores.merchants
    )
    assert read_model.refresh(force=True) is True
    lists = ListService(stores.lists, stores.requests, stores.audit, protector, read_model, stores.uow)
    return Node(
        stores, protector, read_model, lists, ReferenceData(stores.reference, read_model, stores.uow, protector)
    )


def _entry(list_type: str, key: str) -> ListEntry:
    """An entry as another process writes it straight to the store (in force from the start, no end)."""
    return ListEntry(0, list_type, key, key, "cli", "written elsewhere", "", "other-node", 0.0, None)


def test_nothing_changed_nothing_reloaded(node: Node) -> None:
    assert node.read_model.refresh() is False
    assert node.read_model.refresh() is False


def test_refresh_picks_up_list_entries_written_elsewhere(node: Node) -> None:
    stored = node.stores.lists.add(_entry("device", "dev-1"))
    assert node.read_model.listed("device", "dev-1", now_ts()) is None  # not seen before a refresh

    assert node.read_model.refresh() is True

    listed = node.read_model.listed("device", "dev-1", now_ts())
    assert listed is not None and listed["id"] == stored.id and listed["reason"] == "written elsewhere"
    assert node.read_model.refresh() is False

    ended_at = now_ts()
    node.stores.lists.end(stored.id, ended_at)
    assert node.read_model.refresh() is True
    assert node.read_model.listed("device", "dev-1", ended_at) is None
    # ended, not forgotten: an event stamped before the end still meets it
    assert node.read_model.listed("device", "dev-1", ended_at - 1) is not None


def test_refresh_picks_up_phones_by_their_key(node: Node) -> None:
    node.stores.lists.add(_entry("phone", phone_key("13900001111", node.protector)))

    assert node.read_model.refresh() is True

    # an event carries the phone as the same keyed hash of its digits
    assert node.read_model.listed("phone", phone_key("139-0000-1111", node.protector), now_ts()) is not None


def test_refresh_picks_up_reference_records_written_elsewhere(node: Node) -> None:
    node.stores.reference.put("customer_limits", "c1", {"single": "500.00"}, "other-node", "limit set")

    assert node.read_model.refresh() is True

    assert node.read_model.reference("customer_limits", "customer|c1") == {"single": Decimal("500.00")}
    assert node.read_model.record("customer_limits", "c1") == {"single": "500.00"}
    assert node.read_model.refresh() is False
    node.stores.reference.put("customer_limits", "c1", None, "other-node", "limit removed")
    assert node.read_model.refresh() is True
    assert node.read_model.record("customer_limits", "c1") is None


def test_refresh_picks_up_tokens_written_elsewhere(node: Node) -> None:
    node.stores.tokens.add(PaymentToken("ptk_1", "ctk_1", "622202*********0128", "active", {"per_use_max": "50.00"}))
    assert node.read_model.refresh() is True
    assert node.read_model.reference("payment_token", "payment_token|ptk_1") == {
        "status": "active",
        "per_use_max": Decimal("50.00"),
    }

    node.stores.tokens.set_status("ptk_1", "suspended")
    assert node.read_model.refresh() is True
    assert (node.read_model.reference("payment_token", "payment_token|ptk_1") or {})["status"] == "suspended"
    assert node.read_model.refresh() is False


def test_refresh_picks_up_registry_records_written_elsewhere(node: Node) -> None:
    node.stores.merchants.put(
        "merchant",
        "m1",
        {"merchant_id": "m1", "single_limit": "100.00", "daily_limit": None, "status": "active", "findings": []},
        "active",
    )
    assert node.read_model.refresh() is True
    assert node.read_model.reference("merchant", "merchant|m1") == {
        "merchant_id": "m1",
        "single_limit": Decimal("100.00"),
        "daily_limit": None,
        "status": "active",
    }
    assert node.read_model.refresh() is False


def test_changes_made_through_services_are_not_reloaded(platform: Platform) -> None:
    assert platform.read_model.refresh() is False

    platform.lists.add("device", "dev-1", actor="a", reason="r", source="s")
    assert platform.read_model.listed("device", "dev-1", now_ts()) is not None
    assert platform.read_model.refresh() is False

    platform.reference.set("customer_limits", "c1", {"single": "10"}, actor="a", reason="r")
    assert platform.read_model.refresh() is False

    platform.vault.issue(card_number="6222021234567890128", actor="a", reason="r")
    assert platform.read_model.refresh() is False

    platform.merchants.register_merchant({"merchant_id": "m1", "name": "Shop", "mcc": "5411"}, actor="a")
    assert platform.read_model.refresh() is False


def test_removal_through_maker_checker_is_not_reloaded(platform: Platform) -> None:
    entry = platform.lists.add("device", "dev-1", actor="a", reason="r", source="s")
    request = platform.lists.request_removal(entry.id, maker="a", reason="r")
    platform.lists.approve(request.id, checker="b")

    assert platform.read_model.listed("device", "dev-1", now_ts()) is None
    assert platform.read_model.refresh() is False


def test_change_made_elsewhere_is_not_lost_when_a_local_change_follows(node: Node) -> None:
    node.stores.lists.add(_entry("device", "dev-elsewhere"))  # e.g. the CLI, on the shared database
    node.lists.add("device", "dev-here", actor="a", reason="r", source="s")

    node.read_model.refresh()

    assert node.read_model.listed("device", "dev-here", now_ts()) is not None
    assert node.read_model.listed("device", "dev-elsewhere", now_ts()) is not None


def test_unregistered_terminal_once_a_registry_exists(platform: Platform) -> None:
    assert platform.read_model.reference("terminal", "terminal|x") is None  # no registry kept: nothing to say

    platform.merchants.register_terminal(
        {"terminal_id": "T1", "serial": "S1", "signature": "g1", "certified": True}, actor="a"
    )

    assert platform.read_model.reference("terminal", "terminal|x") == {"status": "unregistered"}
    known = platform.read_model.reference("terminal", "terminal|T1")
    assert known is not None and known["status"] == "active" and known["terminal_id"] == "T1"
    assert platform.read_model.reference("merchant", "merchant|x") is None  # merchants have no such rule


def test_listed_of_an_unknown_or_empty_list_is_none(platform: Platform) -> None:
    assert platform.read_model.listed("greylist", "x", now_ts()) is None
    assert platform.read_model.listed("device", "x", now_ts()) is None
