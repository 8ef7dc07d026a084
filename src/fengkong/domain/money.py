"""Exact money: yuan on the wire, integer fen inside. Never a binary float in a limit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
_MAX_FEN = 10**15  # one trillion yuan: far above any real payment, keeps sums in 64 bits


class MoneyError(ValueError):
    """An amount that is not a valid positive yuan value with at most two decimals."""


def parse_yuan(value: object, *, allow_zero: bool = False) -> int:
    """Parse a yuan amount (JSON number read as Decimal, int, or decimal string) into fen.

    >>> parse_yuan("12.30")
    1230
    >>> parse_yuan(Decimal("0.01"))
    1
    """
    if isinstance(value, bool):
        raise MoneyError("must be a number or a decimal string, not a boolean")
    if isinstance(value, float):
        # Only reachable from Python callers; JSON input is parsed to Decimal. repr() is the
        # shortest string that round-trips, so 0.1 stays "0.1" and 1.005 is caught as 3 decimals.
        value = repr(value)
    if isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, Decimal):
        dec = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 32:
            raise MoneyError('must be a decimal number of yuan such as "12.30"')
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise MoneyError('is not a decimal number of yuan such as "12.30"') from None
    else:
        raise MoneyError(f"must be a number or a decimal string, not {type(value).__name__}")
    if not dec.is_finite():
        raise MoneyError("must be a finite number")
    exponent = dec.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and dec != dec.quantize(Decimal("0.01")):
        raise MoneyError("has more than 2 decimals; amounts are in yuan with at most 2 decimals")
    fen = int(dec * FEN_PER_YUAN)
    if fen < 0 or (fen == 0 and not allow_zero):
        raise MoneyError("must be greater than 0")
    if fen > _MAX_FEN:
        raise MoneyError("is implausibly large (over 10^13 yuan)")
    return fen


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as an exact Decimal of yuan with two places."""
    return Decimal(fen).scaleb(-2)


def format_yuan(fen: int) -> str:
    """Human form used in reason messages: 1234567 -> '12,345.67'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"
