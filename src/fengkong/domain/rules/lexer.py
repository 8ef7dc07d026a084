"""Tokens of the rule language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fengkong.domain.rules.errors import ExpressionError

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<dur>\d+(?:s|m|h|d|w)\b)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,|\.)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num dur str ident kw op eof
    value: Any
    pos: int


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"unexpected character {text[pos]!r}", pos)
        kind = match.lastgroup or ""
        lexeme = match.group()
        if kind == "dur":
            tokens.append(Token("dur", int(lexeme[:-1]) * _UNITS[lexeme[-1]], pos))
        elif kind == "num":
            tokens.append(Token("num", Decimal(lexeme) if "." in lexeme else int(lexeme), pos))
        elif kind == "str":
            tokens.append(Token("str", _unescape(lexeme[1:-1]), pos))
        elif kind == "ident":
            tokens.append(Token("kw" if lexeme in KEYWORDS else "ident", lexeme, pos))
        elif kind == "op":
            tokens.append(Token("op", lexeme, pos))
        pos = match.end()
    tokens.append(Token("eof", None, len(text)))
    return tokens
