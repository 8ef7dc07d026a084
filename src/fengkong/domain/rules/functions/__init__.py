"""The closed set of functions a rule may call. Nothing outside this registry is reachable.

Each function declares its parameter and result types so that rule files are checked when they
are loaded, not when a customer is paying.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Types of the rule language.
NUMBER, STRING, BOOL, TIME, LOCATION, LIST, ANY = "number", "string", "bool", "time", "location", "list", "any"


@dataclass(frozen=True, slots=True)
class FunctionDef:
    name: str
    params: tuple[str, ...]
    returns: str
    impl: Callable[..., Any]
    doc: str
    min_args: int = -1  # -1: exactly len(params)
    variadic: bool = False  # the last param type repeats
    null_aware: bool = False  # receives nulls instead of returning null on a null argument
    needs_event: bool = False  # receives the event as first argument

    @property
    def arity(self) -> tuple[int, int | None]:
        low = len(self.params) if self.min_args < 0 else self.min_args
        return low, (None if self.variadic else len(self.params))


FUNCTIONS: dict[str, FunctionDef] = {}


def register(
    name: str,
    params: tuple[str, ...],
    returns: str,
    *,
    min_args: int = -1,
    variadic: bool = False,
    null_aware: bool = False,
    needs_event: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(impl: Callable[..., Any]) -> Callable[..., Any]:
        if name in FUNCTIONS:
            raise RuntimeError(f"function {name} registered twice")
        FUNCTIONS[name] = FunctionDef(
            name, params, returns, impl, (impl.__doc__ or "").strip(), min_args, variadic, null_aware, needs_event
        )
        return impl

    return wrap


# Importing the modules registers their functions.
from fengkong.domain.rules.functions import (  # noqa: E402,F401
    authentication,
    event_fns,
    geo,
    maths,
    nulls,
    text,
    time_fns,
)

__all__ = ["FUNCTIONS", "FunctionDef", "register"]
