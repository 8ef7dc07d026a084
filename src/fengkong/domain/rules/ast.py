"""Syntax tree of rule expressions. Frozen dataclasses; `pos` is the offset in the source text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any  # int, Decimal, str, bool or None


@dataclass(frozen=True, slots=True)
class Name(Node):
    parts: tuple[str, ...]  # ("event", "amount"), ("features", "card_count_10m"), ("decision",)

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "not" | "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # and or == != < <= > >= in "not in" + - * / %
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...]
