"""Recursive-descent parser: expression text -> syntax tree.

Grammar (lowest precedence first):
    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("=="|"!="|"<"|"<="|">"|">="|"in"|"not" "in") sum)?
    sum     := product (("+"|"-") product)*
    product := unary (("*"|"/"|"%") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | DURATION | STRING | true | false | null
             | NAME ("." NAME)*            -- event.amount, features.x, params.y
             | NAME "(" [expr ("," expr)*] ")"
             | "[" [expr ("," expr)*] "]" | "(" expr ")"
"""

from __future__ import annotations

from fengkong.domain.rules import ast
from fengkong.domain.rules.errors import ExpressionError
from fengkong.domain.rules.lexer import Token, tokenize

_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})
MAX_DEPTH = 64


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, value: object = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (value is None or tok.value == value)

    def expect(self, kind: str, value: str) -> Token:
        if not self.at(kind, value):
            raise ExpressionError(f"expected {value!r} but found {self._describe(self.tok)}", self.tok.pos)
        return self.take()

    @staticmethod
    def _describe(tok: Token) -> str:
        return "end of expression" if tok.kind == "eof" else repr(str(tok.value))

    def parse(self) -> ast.Node:
        node = self.expr()
        if not self.at("eof"):
            raise ExpressionError(f"unexpected {self._describe(self.tok)}", self.tok.pos)
        return node

    def expr(self) -> ast.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression is nested too deeply", self.tok.pos)
        try:
            return self.or_()
        finally:
            self.depth -= 1

    def or_(self) -> ast.Node:
        node = self.and_()
        while self.at("kw", "or"):
            pos = self.take().pos
            node = ast.Binary(pos, "or", node, self.and_())
        return node

    def and_(self) -> ast.Node:
        node = self.not_()
        while self.at("kw", "and"):
            pos = self.take().pos
            node = ast.Binary(pos, "and", node, self.not_())
        return node

    def not_(self) -> ast.Node:
        if self.at("kw", "not"):
            pos = self.take().pos
            return ast.Unary(pos, "not", self.not_())
        return self.compare()

    def compare(self) -> ast.Node:
        node = self.sum()
        tok = self.tok
        if tok.kind == "op" and tok.value in _COMPARE:
            self.take()
            return ast.Binary(tok.pos, tok.value, node, self.sum())
        if self.at("kw", "in"):
            self.take()
            return ast.Binary(tok.pos, "in", node, self.sum())
        if self.at("kw", "not") and self.tokens[self.i + 1].kind == "kw" and self.tokens[self.i + 1].value == "in":
            self.take()
            self.take()
            return ast.Binary(tok.pos, "not in", node, self.sum())
        return node

    def sum(self) -> ast.Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            tok = self.take()
            node = ast.Binary(tok.pos, tok.value, node, self.product())
        return node

    def product(self) -> ast.Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/", "%"):
            tok = self.take()
            node = ast.Binary(tok.pos, tok.value, node, self.unary())
        return node

    def unary(self) -> ast.Node:
        if self.at("op", "-"):
            pos = self.take().pos
            return ast.Unary(pos, "-", self.unary())
        return self.primary()

    def primary(self) -> ast.Node:
        tok = self.tok
        if tok.kind in ("num", "dur", "str"):
            self.take()
            return ast.Literal(tok.pos, tok.value)
        if tok.kind == "kw" and tok.value in ("true", "false", "null"):
            self.take()
            return ast.Literal(tok.pos, {"true": True, "false": False, "null": None}[tok.value])
        if tok.kind == "ident":
            self.take()
            if self.at("op", "("):
                return ast.Call(tok.pos, tok.value, self.arguments(")"))
            parts = [tok.value]
            while self.at("op", "."):
                self.take()
                part = self.tok
                if part.kind not in ("ident", "kw"):
                    raise ExpressionError(f"expected a name after '.' but found {self._describe(part)}", part.pos)
                parts.append(self.take().value)
            return ast.Name(tok.pos, tuple(parts))
        if self.at("op", "("):
            self.take()
            node = self.expr()
            self.expect("op", ")")
            return node
        if self.at("op", "["):
            pos = tok.pos
            return ast.ListExpr(pos, self.arguments("]"))
        raise ExpressionError(f"unexpected {self._describe(tok)}", tok.pos)

    def arguments(self, closer: str) -> tuple[ast.Node, ...]:
        self.take()  # the opener
        items: list[ast.Node] = []
        if self.at("op", closer):
            self.take()
            return ()
        while True:
            items.append(self.expr())
            if self.at("op", ","):
                self.take()
                continue
            self.expect("op", closer)
            return tuple(items)


def parse_expression(text: str) -> ast.Node:
    """Parse rule-language text into a syntax tree, or raise ExpressionError with a position.

    >>> parse_expression("event.amount > 5000").op
    '>'
    """
    if len(text) > 10_000:
        raise ExpressionError("expression is longer than 10,000 characters", 0)
    return _Parser(text).parse()
