"""Roles and duties (003 篇四 ch.4, 001 §1.8-1②): least privilege, and incompatible duties kept
apart. A permission names one kind of action; a role is a set of permissions; an API operation
asks for exactly one permission."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from fengkong.domain.errors import InputError


class Permission(StrEnum):
    EVENTS_SEND = "events:send"  # submit events and get decisions (institution systems)
    EVENTS_READ = "events:read"  # rejected events, decisions
    HOLDS_WORK = "holds:work"  # release or decline a held payment
    HOLDS_READ = "holds:read"
    LISTS_READ = "lists:read"
    LISTS_WRITE = "lists:write"  # add, import, ask for a removal (maker)
    CHANGES_DECIDE = "changes:decide"  # approve or reject a maker's request (checker)
    ORDERS_WRITE = "orders:write"  # stop-payment, freeze, penalties, trace-and-stop
    EXPORTS_REQUEST = "exports:request"  # ask to export personal data (a second person approves)
    ORDERS_READ = "orders:read"  # fund tracing, the penalty report
    REQUESTS_SUBMIT = "requests:submit"  # electronic messages from the police and banks
    REFERENCE_WRITE = "reference:write"  # customers' limits, accounts, agreements
    REFERENCE_READ = "reference:read"
    MERCHANTS_WRITE = "merchants:write"
    MERCHANTS_READ = "merchants:read"
    RULES_READ = "rules:read"
    RULES_RELOAD = "rules:reload"  # take rule files changed on disk into use
    TERMINAL_KEYS_MANAGE = "terminal-keys:manage"  # record a key loaded into a terminal (its KCV)
    TERMINAL_KEYS_READ = "terminal-keys:read"  # shared and overdue terminal keys
    TERMINAL_CHECKS = "terminal-checks:write"  # qualified samples and spot-check records
    VAULT_KEYS = "vault:keys"  # rotate the vault's master and data keys
    TOKENS_MANAGE = "tokens:manage"  # issue, suspend, resume, delete payment tokens
    TOKENS_READ = "tokens:read"
    TOKENS_DETOKENIZE = "tokens:detokenize"  # reveal a card number (with a stated reason; audited)
    SHARING_USE = "sharing:use"  # report to and query the consortium, as one's own institution
    PASSWORDS_CHECK = "passwords:check"
    AUDIT_READ = "audit:read"  # the audit log and the sensitive-data access report
    ACCESS_ADMIN = "access:admin"  # API keys and users


P = Permission

ROLES: dict[str, tuple[str, frozenset[Permission]]] = {
    "client": (
        "an institution's system: sends events, messages and tokens on its own behalf",
        frozenset(
            {
                P.EVENTS_SEND,
                P.REQUESTS_SUBMIT,
                P.REFERENCE_WRITE,
                P.REFERENCE_READ,
                P.MERCHANTS_WRITE,
                P.MERCHANTS_READ,
                P.TOKENS_MANAGE,
                P.TOKENS_READ,
                P.SHARING_USE,
                P.PASSWORDS_CHECK,
            }
        ),
    ),
    "member": (
        "another member institution's fengkong: sends its signed reports and pulls the reports it may see",
        frozenset({P.SHARING_USE}),
    ),
    "analyst": (
        "works held payments and alerts, traces funds, proposes list entries",
        frozenset(
            {
                P.EVENTS_READ,
                P.HOLDS_READ,
                P.HOLDS_WORK,
                P.LISTS_READ,
                P.LISTS_WRITE,
                P.ORDERS_READ,
                P.EXPORTS_REQUEST,
                P.REFERENCE_READ,
                P.MERCHANTS_READ,
                P.RULES_READ,
                P.TOKENS_READ,
                P.SHARING_USE,
            }
        ),
    ),
    "supervisor": (
        "checks what analysts and list managers propose; orders stop-payments and freezes",
        frozenset(
            {
                P.EVENTS_READ,
                P.HOLDS_READ,
                P.HOLDS_WORK,
                P.LISTS_READ,
                P.CHANGES_DECIDE,
                P.ORDERS_WRITE,
                P.ORDERS_READ,
                P.EXPORTS_REQUEST,
                P.REFERENCE_READ,
                P.MERCHANTS_READ,
                P.RULES_READ,
                P.RULES_RELOAD,
                P.TERMINAL_KEYS_READ,
                P.TOKENS_READ,
            }
        ),
    ),
    "list_manager": (
        "keeps the black, grey and white lists; a second list manager or a supervisor checks",
        frozenset({P.LISTS_READ, P.LISTS_WRITE, P.CHANGES_DECIDE, P.MERCHANTS_READ, P.REFERENCE_READ}),
    ),
    "secops": (
        "security operations: payment tokens, card numbers with a stated reason, terminal keys, samples and spot checks",
        frozenset(
            {
                P.TOKENS_READ,
                P.TOKENS_MANAGE,
                P.TOKENS_DETOKENIZE,
                P.TERMINAL_KEYS_MANAGE,
                P.TERMINAL_KEYS_READ,
                P.TERMINAL_CHECKS,
                P.MERCHANTS_READ,
                P.VAULT_KEYS,
            }
        ),
    ),
    "auditor": (
        "internal audit: reads the audit log and the access report, changes nothing",
        frozenset({P.AUDIT_READ}),
    ),
    "admin": ("administers API keys and users; no business duty", frozenset({P.ACCESS_ADMIN})),
}

# Roles that must be held alone: who administers access or audits it does no business work.
EXCLUSIVE = frozenset({"admin", "auditor"})


def validate_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles, checked: known names, at least one, and no incompatible duties together."""
    chosen = frozenset(r.strip() for r in roles if r and r.strip())
    if not chosen:
        raise InputError("roles", f"give at least one of {', '.join(ROLES)}")
    unknown = sorted(chosen - ROLES.keys())
    if unknown:
        raise InputError("roles", f"unknown role {unknown[0]!r}: one of {', '.join(ROLES)}")
    exclusive = chosen & EXCLUSIVE
    if exclusive and len(chosen) > 1:
        raise InputError("roles", f"{sorted(exclusive)[0]} is an incompatible duty: it must be held alone")
    return chosen


def permissions_of(roles: Iterable[str]) -> frozenset[Permission]:
    found: set[Permission] = set()
    for role in roles:
        found |= ROLES[role][1] if role in ROLES else frozenset()
    return frozenset(found)
