"""Type-check a syntax tree and compile it into a closure `(event, features, decision) -> value`.

Null semantics (documented in docs/rule-language.md): arithmetic with null gives null; an
ordering comparison with null is false; `x == null` tests for missing; `and`/`or`/`not` treat
null as false. A runtime fault inside a rule (e.g. comparing incomparable values) makes that
expression null; it never stops the engine.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fengkong.domain.events import Event
from fengkong.domain.rules import ast
from fengkong.domain.rules.errors import ExpressionError
from fengkong.domain.rules.functions import ANY, BOOL, FUNCTIONS, LIST, LOCATION, NUMBER, STRING, TIME
from fengkong.domain.rules.parser import parse_expression
from fengkong.domain.sharing.entities import SHARED_FIELDS

Compiled = Callable[[Event, Mapping[str, Any], str | None], Any]

# Types of event fields as the rule language sees them.
EVENT_FIELD_TYPES: dict[str, str] = {
    "event_id": STRING,
    "type": STRING,
    "occurred_at": TIME,
    "institution_id": STRING,
    "customer_id": STRING,
    "phone_hash": STRING,
    "device_id": STRING,
    "ip": STRING,
    "location": LOCATION,
    "txn_type": STRING,
    "channel": STRING,
    "amount": NUMBER,
    "currency": STRING,
    "account_id": STRING,
    "account_kind": STRING,
    "account_class": STRING,
    "card_id": STRING,
    "card_kind": STRING,
    "card_has_chip": BOOL,
    "entry_mode": STRING,
    "counterparty_account_id": STRING,
    "same_name": BOOL,
    "merchant_id": STRING,
    "mcc": STRING,
    "terminal_id": STRING,
    "auth_factors": LIST,
    "preauth_id": STRING,
    "original_event_id": STRING,
    "balance_after": NUMBER,
    "username": STRING,
    "success": BOOL,
    "method": STRING,
    "user_agent": STRING,
    "id_number_hash": STRING,
    "name": STRING,
    "verification_channels": NUMBER,
    "face_to_face": BOOL,
    "bind_to": STRING,
    "field": STRING,
    "via": STRING,
    "new_value_hash": STRING,
    "statement_due_date": STRING,
    "target_event_id": STRING,
    "label": STRING,
    "source": STRING,
    "card_masked": STRING,
    "holder_age": NUMBER,
    "counterparty_kind": STRING,
    "labelled_amount": NUMBER,  # a feedback event: the amount of the event it labels
    # consortium-keyed hashes the door makes (domain/sharing/subjects.py)
    **dict.fromkeys(SHARED_FIELDS, STRING),
}
_NUMERIC = frozenset({NUMBER, TIME, ANY})


@dataclass
class Scope:
    """What names an expression may use: feature types, rule parameters, the decision."""

    features: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    policy: Mapping[str, Any] = field(default_factory=dict)
    allow_decision: bool = False
    used_features: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Typed:
    fn: Compiled
    type: str
    const: bool = False


def _type_of_value(value: Any) -> str:
    if value is None:
        return ANY
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | Decimal | float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return LIST
    return ANY


def _const(value: Any) -> Typed:
    return Typed(lambda e, f, d: value, _type_of_value(value), True)


def _compatible(actual: str, expected: str) -> bool:
    if ANY in (actual, expected) or actual == expected:
        return True
    return {actual, expected} <= {NUMBER, TIME}


def _truth(fn: Compiled) -> Compiled:
    return lambda e, f, d: bool(fn(e, f, d))


def _arith(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        try:
            return op(a, b)
        except TypeError:  # Decimal with float (e.g. a distance): fall back to float
            try:
                return op(float(a), float(b))
            except (TypeError, ValueError, ZeroDivisionError):
                return None
        except (ZeroDivisionError, ArithmeticError):
            return None

    return apply


def _order(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        try:
            return bool(op(a, b))
        except TypeError:
            return False

    return apply


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _chain(op: str, parts: list[Compiled]) -> Compiled:
    fns = tuple(parts)
    if op == "and":

        def all_of(e: Event, f: Mapping[str, Any], d: str | None) -> bool:
            for fn in fns:
                if not fn(e, f, d):
                    return False
            return True

        return all_of

    def any_of(e: Event, f: Mapping[str, Any], d: str | None) -> bool:
        for fn in fns:
            if fn(e, f, d):
                return True
        return False

    return any_of


def _order_const(op: str, lf: Compiled, c: Any) -> Compiled:
    """`x > 5`: the commonest shape in rules, with one call fewer per evaluation."""
    if c is None:
        return lambda e, f, d: False
    compare = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def against_constant(e: Event, f: Mapping[str, Any], d: str | None) -> bool:
        a = lf(e, f, d)
        if a is None:
            return False
        try:
            return bool(compare(a, c))
        except TypeError:
            return False

    return against_constant


def _member(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    try:
        return a in b
    except TypeError:
        return False


_ARITH = {
    "+": _arith(operator.add),
    "-": _arith(operator.sub),
    "*": _arith(operator.mul),
    "/": _arith(operator.truediv),
    "%": _arith(operator.mod),
}
_ORDER = {"<": _order(operator.lt), "<=": _order(operator.le), ">": _order(operator.gt), ">=": _order(operator.ge)}


class Compiler:
    def __init__(self, scope: Scope):
        self.scope = scope

    def compile(self, node: ast.Node) -> Typed:
        method = getattr(self, "_" + type(node).__name__.lower())
        result: Typed = method(node)
        return result

    def _literal(self, node: ast.Literal) -> Typed:
        return _const(node.value)

    def _listexpr(self, node: ast.ListExpr) -> Typed:
        items = [self.compile(i) for i in node.items]
        if all(i.const for i in items):
            values = tuple(i.fn(None, {}, None) for i in items)  # type: ignore[arg-type]
            frozen = frozenset(values) if all(isinstance(v, str | int) for v in values) else values
            return Typed(lambda e, f, d: frozen, LIST, True)
        fns = [i.fn for i in items]
        return Typed(lambda e, f, d: [fn(e, f, d) for fn in fns], LIST)

    def _name(self, node: ast.Name) -> Typed:
        root, rest = node.parts[0], node.parts[1:]
        if root == "event":
            if len(rest) != 1:
                raise ExpressionError("write event.<field>, e.g. event.amount", node.pos)
            name = rest[0]
            if name not in EVENT_FIELD_TYPES:
                raise ExpressionError(
                    f'unknown event field {name!r}; use extra("{name}") for fields outside the contract',
                    node.pos,
                )
            if name == "occurred_at":
                return Typed(lambda e, f, d: e.ts, TIME)
            if name == "type":
                return Typed(lambda e, f, d: e.type.value, STRING)
            if name == "event_id":
                return Typed(lambda e, f, d: e.event_id, STRING)
            return Typed(lambda e, f, d: e.fields.get(name), EVENT_FIELD_TYPES[name])
        if root in ("features", "f"):
            if len(rest) not in (1, 2):
                raise ExpressionError("write features.<name> (or features.<name>.<field> for a list entry)", node.pos)
            name = rest[0]
            if name not in self.scope.features:
                raise ExpressionError(f"unknown feature {name!r}", node.pos)
            self.scope.used_features.add(name)
            if len(rest) == 2:
                attr = rest[1]
                return Typed(lambda e, f, d: v.get(attr) if isinstance(v := f[name], dict) else None, ANY)
            return Typed(lambda e, f, d: f[name], self.scope.features[name])
        if root in ("params", "p"):
            if len(rest) != 1:
                raise ExpressionError("write params.<name>", node.pos)
            if rest[0] not in self.scope.params:
                raise ExpressionError(f"unknown parameter {rest[0]!r}", node.pos)
            return _const(self.scope.params[rest[0]])
        if root == "policy":
            if len(rest) != 1:
                raise ExpressionError("write policy.<name>", node.pos)
            if rest[0] not in self.scope.policy:
                raise ExpressionError(f"unknown policy value {rest[0]!r}", node.pos)
            return _const(self.scope.policy[rest[0]])
        if root == "decision" and not rest:
            if not self.scope.allow_decision:
                raise ExpressionError("'decision' is only known in a feature's where filter", node.pos)
            return Typed(lambda e, f, d: d, STRING)
        raise ExpressionError(
            f"unknown name {node.dotted!r}; names start with event., features., params. or policy.", node.pos
        )

    def _unary(self, node: ast.Unary) -> Typed:
        inner = self.compile(node.operand)
        if node.op == "not":
            self._expect(inner, BOOL, node.operand.pos, "'not'")
            fn = inner.fn
            return Typed(lambda e, f, d: not fn(e, f, d), BOOL)
        if inner.type not in _NUMERIC:
            raise ExpressionError(f"cannot negate a {inner.type}", node.pos)
        fn = inner.fn
        return Typed(lambda e, f, d: None if (v := fn(e, f, d)) is None else -v, inner.type)

    def _binary(self, node: ast.Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        lf, rf = left.fn, right.fn
        op = node.op
        if op in ("and", "or"):
            self._expect(left, BOOL, node.left.pos, f"'{op}'")
            self._expect(right, BOOL, node.right.pos, f"'{op}'")
            return Typed(_chain(op, self._operands(node, op)), BOOL)
        if op in ("==", "!="):
            if not _compatible(left.type, right.type) and not (left.const or right.const):
                raise ExpressionError(f"comparing a {left.type} with a {right.type} is always false", node.pos)
            if op == "==":
                return Typed(lambda e, f, d: _equal(lf(e, f, d), rf(e, f, d)), BOOL)
            return Typed(lambda e, f, d: not _equal(lf(e, f, d), rf(e, f, d)), BOOL)
        if op in _ORDER:
            if not (
                _compatible(left.type, right.type)
                and (left.type in _NUMERIC | {STRING} and right.type in _NUMERIC | {STRING})
            ):
                raise ExpressionError(f"cannot order a {left.type} against a {right.type}", node.pos)
            if right.const:
                return Typed(_order_const(op, lf, rf(None, {}, None)), BOOL)  # type: ignore[arg-type]
            cmp = _ORDER[op]
            return Typed(lambda e, f, d: cmp(lf(e, f, d), rf(e, f, d)), BOOL)
        if op in ("in", "not in"):
            if right.type not in (LIST, STRING, ANY):
                raise ExpressionError(
                    f"'{op}' needs a list or a string on its right, not a {right.type}", node.right.pos
                )
            if op == "in":
                return Typed(lambda e, f, d: _member(lf(e, f, d), rf(e, f, d)), BOOL)
            return Typed(lambda e, f, d: lf(e, f, d) is not None and not _member(lf(e, f, d), rf(e, f, d)), BOOL)
        for side, sub in ((left, node.left), (right, node.right)):
            if side.type not in _NUMERIC:
                raise ExpressionError(f"cannot apply '{op}' to a {side.type}", sub.pos)
        result_type = NUMBER
        if op in ("+", "-") and TIME in (left.type, right.type):
            result_type = NUMBER if left.type == right.type == TIME else TIME
        arith = _ARITH[op]
        if left.const and right.const:
            return _const(arith(lf(None, {}, None), rf(None, {}, None)))  # type: ignore[arg-type]
        return Typed(lambda e, f, d: arith(lf(e, f, d), rf(e, f, d)), result_type)

    def _operands(self, node: ast.Node, op: str) -> list[Compiled]:
        """Flatten `a and b and c` into [a, b, c] so evaluation is one loop, not nested calls."""
        if isinstance(node, ast.Binary) and node.op == op:
            return self._operands(node.left, op) + self._operands(node.right, op)
        return [self.compile(node).fn]

    def _call(self, node: ast.Call) -> Typed:
        spec = FUNCTIONS.get(node.function)
        if spec is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {node.function!r}; available: {known}", node.pos)
        low, high = spec.arity
        n = len(node.args)
        if n < low or (high is not None and n > high):
            want = f"{low}" if low == high else (f"{low} or more" if high is None else f"{low} to {high}")
            raise ExpressionError(f"{spec.name}() takes {want} arguments, got {n}", node.pos)
        args = [self.compile(a) for a in node.args]
        for i, (arg, sub) in enumerate(zip(args, node.args, strict=True)):
            expected = spec.params[min(i, len(spec.params) - 1)]
            if not _compatible(arg.type, expected) and not (arg.const and arg.fn(None, {}, None) is None):  # type: ignore[arg-type]
                raise ExpressionError(
                    f"argument {i + 1} of {spec.name}() must be a {expected}, not a {arg.type}", sub.pos
                )
        impl, null_aware, needs_event = spec.impl, spec.null_aware, spec.needs_event
        return Typed(_caller(impl, tuple(a.fn for a in args), null_aware, needs_event), spec.returns)

    @staticmethod
    def _expect(typed: Typed, expected: str, pos: int, where: str) -> None:
        if not _compatible(typed.type, expected):
            raise ExpressionError(f"{where} needs a condition (true/false), not a {typed.type}", pos)


def _caller(impl: Callable[..., Any], fns: tuple[Compiled, ...], null_aware: bool, needs_event: bool) -> Compiled:
    """A closure calling a registry function; specialised by arity because rules run per payment."""
    errors = (TypeError, ValueError, ArithmeticError)
    if needs_event or len(fns) > 2:

        def call_n(e: Event, f: Mapping[str, Any], d: str | None) -> Any:
            values = [fn(e, f, d) for fn in fns]
            if not null_aware and None in values:
                return None
            try:
                return impl(e, *values) if needs_event else impl(*values)
            except errors:
                return None

        return call_n
    if len(fns) == 1:
        (a,) = fns

        def call_1(e: Event, f: Mapping[str, Any], d: str | None) -> Any:
            x = a(e, f, d)
            if x is None and not null_aware:
                return None
            try:
                return impl(x)
            except errors:
                return None

        return call_1
    if len(fns) == 2:
        a, b = fns

        def call_2(e: Event, f: Mapping[str, Any], d: str | None) -> Any:
            x = a(e, f, d)
            if x is None and not null_aware:
                return None
            y = b(e, f, d)
            if y is None and not null_aware:
                return None
            try:
                return impl(x, y)
            except errors:
                return None

        return call_2

    def call_0(e: Event, f: Mapping[str, Any], d: str | None) -> Any:
        return impl()

    return call_0


def compile_expression(text: str, scope: Scope, expect: str | None = None) -> Typed:
    """Parse, check and compile; raises ExpressionError with a position on any problem."""
    typed = Compiler(scope).compile(parse_expression(text))
    if expect is not None and not _compatible(typed.type, expect):
        raise ExpressionError(f"expected a {expect} expression, but this is a {typed.type}", 0)
    return typed


def compile_predicate(text: str, scope: Scope) -> Compiled:
    return _truth(compile_expression(text, scope, BOOL).fn)


def event_types_admitted(node: ast.Node) -> frozenset[str] | None:
    """Event types a filter can accept, from `event.type == "x"` / `event.type in [...]` terms
    joined by `and` / `or`; None when the filter does not constrain the type.

    >>> sorted(event_types_admitted(parse_expression('event.type == "login" and event.success')))
    ['login']
    """
    return values_admitted(node, ("event", "type"))


def values_admitted(node: ast.Node, field: tuple[str, ...]) -> frozenset[str] | None:
    """Values of an event field a filter can accept, from `field == "x"` / `field in [...]` terms
    joined by `and` / `or` (literal strings only); None when the filter does not constrain it.

    >>> sorted(values_admitted(parse_expression('event.txn_type in ["transfer", "deposit"]'), ("event", "txn_type")))
    ['deposit', 'transfer']
    """
    if isinstance(node, ast.Binary):
        if node.op == "and":
            left, right = values_admitted(node.left, field), values_admitted(node.right, field)
            if left is None:
                return right
            return left if right is None else left & right
        if node.op == "or":
            left, right = values_admitted(node.left, field), values_admitted(node.right, field)
            return None if left is None or right is None else left | right
        is_type = isinstance(node.left, ast.Name) and node.left.parts == field
        if is_type and node.op == "==" and isinstance(node.right, ast.Literal) and isinstance(node.right.value, str):
            return frozenset({node.right.value})
        if is_type and node.op == "in" and isinstance(node.right, ast.ListExpr):
            values = [i.value for i in node.right.items if isinstance(i, ast.Literal) and isinstance(i.value, str)]
            if len(values) == len(node.right.items):
                return frozenset(values)
    return None
