"""Scan stored bytes for planted sensitive values: the check behind "nothing in clear".

A test plants distinct values (card numbers in several forms, CVN, PIN, expiry, passwords,
phone, name, resident ID) into what it sends through the public interfaces, then hands this
module every store the product wrote - a data directory, captured logs and answers - and gets
back each place a planted value is still readable.

What counts as readable: the value as planted, and its digits alone, in ASCII (a card number or
a phone stored without its spaces or dashes, or typed in full-width digits, is still in clear), each standing as a token of its own (not
inside a longer run of letters and digits, so a hex digest or a timestamp is no hit by chance),
also as JSON escapes for text that is not ASCII. Files are read whole; besides their raw bytes,
what they hold compressed or encoded is read too: SQLite databases cell by cell (zlib blobs
inflated), zip archives (xlsx) member by member, Parquet files row by row (through DuckDB), and
gzip or zlib files. A new store is covered by adding its directory or its text to the scan.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

_SEPARATED_DIGITS = re.compile(r"^[0-9 .\-/]+$")
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted value: `kind` is its class (card, cvn, pin, expiry, password, phone, name,
    resident_id), `label` says where and in which form it was planted."""

    kind: str
    label: str
    value: str

    def needles(self) -> tuple[bytes, ...]:
        """The forms that count as the value in clear."""
        forms = [self.value]
        folded = unicodedata.normalize("NFKC", self.value)  # full-width digits and spaces as ASCII
        if _SEPARATED_DIGITS.match(folded):
            forms.append(folded)
            digits = re.sub(r"[^0-9]", "", folded)
            if len(digits) >= 4:
                forms.append(digits)
        if not self.value.isascii():
            forms.append(json.dumps(self.value)[1:-1])  # "\u53f8\u9a6c..." as json.dumps writes it
            forms.append(json.dumps(self.value)[1:-1].upper().replace("\\U", "\\u"))
        return tuple(dict.fromkeys(f.encode() for f in forms))


@dataclass(frozen=True, slots=True)
class Hit:
    planted: Planted
    where: str  # file (and table.column or archive member) or blob name
    context: str  # a few bytes around the hit, for the failure message

    def __str__(self) -> str:
        return f"{self.planted.kind} [{self.planted.label}] in {self.where}: ...{self.context}..."


def _occurrences(haystack: bytes, needle: bytes) -> Iterator[int]:
    """Positions where `needle` stands alone: an ASCII letter or digit next to an alphanumeric
    end of the needle would make it part of a longer token."""
    start = 0
    guard_left = needle[0] in _ALNUM
    guard_right = needle[-1] in _ALNUM
    while (pos := haystack.find(needle, start)) >= 0:
        start = pos + 1
        before = haystack[pos - 1] if pos > 0 else None
        after_at = pos + len(needle)
        after = haystack[after_at] if after_at < len(haystack) else None
        if guard_left and before is not None and before in _ALNUM:
            continue
        if guard_right and after is not None and after in _ALNUM:
            continue
        if needle.isdigit() and _in_decimal(haystack, pos, after_at):
            continue  # the fraction or integer part of a number (a latency of 54.6082 ms)
        yield pos


def _in_decimal(haystack: bytes, start: int, end: int) -> bool:
    """Whether digits at [start, end) sit beside a decimal point that has a digit beyond it."""
    point = ord(".")
    left = start >= 2 and haystack[start - 1] == point and chr(haystack[start - 2]).isdigit()
    right = end + 1 < len(haystack) and haystack[end] == point and chr(haystack[end + 1]).isdigit()
    return left or right


def scan_bytes(planted: Iterable[Planted], blob: bytes, where: str) -> list[Hit]:
    hits: list[Hit] = []
    for item in planted:
        for needle in item.needles():
            for pos in _occurrences(blob, needle):
                context = blob[max(0, pos - 40) : pos + len(needle) + 40].decode("utf-8", errors="replace")
                hits.append(Hit(item, where, context.replace("\n", " ")))
    return hits


def _inflate(blob: bytes) -> bytes | None:
    """Bytes a store may hold compressed: zlib (state snapshots) or gzip."""
    if blob[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(blob)
        except (OSError, EOFError):
            return None
    if blob[:1] == b"\x78":
        try:
            return zlib.decompress(blob)
        except zlib.error:
            return None
    return None


def _sqlite_cells(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every cell of every table, as bytes; compressed blobs inflated."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, cell in zip(columns, row, strict=True):
                    if cell is None or isinstance(cell, int | float):
                        continue
                    data = cell.encode() if isinstance(cell, str) else bytes(cell)
                    inflated = _inflate(data) if isinstance(cell, bytes) else None
                    yield f"{table}.{column}", data if inflated is None else inflated
    finally:
        conn.close()


def _parquet_text(path: Path) -> bytes:
    import duckdb

    con = duckdb.connect()
    try:
        quoted = path.as_posix().replace("'", "''")
        rows = con.execute(f"SELECT * FROM read_parquet('{quoted}')").fetchall()
    finally:
        con.close()
    return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows).encode()


def decoded_views(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's raw bytes, then what it holds encoded (see the module docstring)."""
    raw = path.read_bytes()
    yield str(path), raw
    if raw.startswith(b"SQLite format 3\x00"):
        for where, cell in _sqlite_cells(path):
            yield f"{path}::{where}", cell
    elif raw.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            for member in archive.namelist():
                yield f"{path}::{member}", archive.read(member)
    elif raw.startswith(b"PAR1"):
        yield f"{path}::rows", _parquet_text(path)
    else:
        inflated = _inflate(raw)
        if inflated is not None:
            yield f"{path}::inflated", inflated


def scan(
    planted: Iterable[Planted], directories: Iterable[Path] = (), blobs: Mapping[str, bytes | str] | None = None
) -> list[Hit]:
    """Every place a planted value is readable: each file under `directories` (and what it holds
    encoded), and each named blob (captured logs, stdout, answers, error messages)."""
    items = list(planted)
    hits: list[Hit] = []
    for directory in directories:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            for where, data in decoded_views(path):
                hits.extend(scan_bytes(items, data, where))
    for name, blob in (blobs or {}).items():
        hits.extend(scan_bytes(items, blob.encode() if isinstance(blob, str) else blob, name))
    return hits


def found_by_kind(hits: Iterable[Hit], kinds: Iterable[str] = ()) -> dict[str, int]:
    """How many planted values of each kind were found at least once (0 for kinds not found)."""
    found = {(h.planted.kind, h.planted.label, h.planted.value) for h in hits}
    counts = Counter(kind for kind, _, _ in found)
    return {kind: counts.get(kind, 0) for kind in dict.fromkeys([*kinds, *counts])}
