"""Transaction-password policy (001 §4.7): refuse simple passwords, ones equal to the account
name, ones containing part of the phone or ID number; flag initial passwords for a forced
change. The password is checked in memory and never stored or logged."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_DIGITS = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    acceptable: bool
    reasons: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # (code, zh, en)
    must_change: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "acceptable": self.acceptable,
            "must_change": self.must_change,
            "reasons": [{"code": c, "message_zh": zh, "message_en": en} for c, zh, en in self.reasons],
        }


def _sequential(text: str) -> bool:
    if len(text) < 4 or not text.isdigit():
        return False
    steps = {int(b) - int(a) for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {-1}) or steps in ({-9, 1}, {9, -1})  # 789012 / 210987 wrap around too


def _repeating_pattern(text: str) -> bool:
    for size in (1, 2, 3):
        if len(text) % size == 0 and len(text) > size and text == text[:size] * (len(text) // size):
            return True
    return False


def _birthday_forms(born: date) -> set[str]:
    y, m, d = f"{born.year:04d}", f"{born.month:02d}", f"{born.day:02d}"
    return {y + m + d, y[2:] + m + d, m + d + y[2:], d + m + y[2:], m + d + y, y + m, m + d}


_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")
_LOOK_ALIKES = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "l", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})
_LOOK_ALIKES_I = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
# Words people build passwords from (English and pinyin), matched after undoing look-alikes.
_DICTIONARY = (
    "password", "passwd", "admin", "welcome", "letmein", "qwerty", "iloveyou", "monkey", "dragon", "master",
    "login", "changeme", "secret", "test", "root", "bank", "china", "woaini", "fengkong", "mima", "abc",
    "sunshine", "football", "superman", "shadow", "trustno", "hello", "default", "guest", "user",
)  # fmt: skip


def _runs(text: str, size: int = 4) -> bool:
    """A run of `size` consecutive letters or digits, up or down (abcd, 4321, XYZA is not)."""
    low = text.lower()
    for i in range(len(low) - size + 1):
        chunk = low[i : i + size]
        if not (chunk.isdigit() or (chunk.isascii() and chunk.isalpha())):
            continue
        steps = {ord(b) - ord(a) for a, b in zip(chunk, chunk[1:], strict=False)}
        if steps in ({1}, {-1}):
            return True
    return False


def _keyboard_walk(text: str, size: int = 4) -> bool:
    """Four keys side by side on a keyboard row or column (qwer, asdf, 1qaz), either direction."""
    low = text.lower()
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            chunks = (line[i : i + size] for i in range(len(line) - size + 1))
            if any(chunk in low and not chunk.isdigit() for chunk in chunks):  # digit runs: CONSECUTIVE
                return True
    return False


def _dictionary_word(text: str) -> bool:
    """A common word, also spelt with look-alikes (p@ssw0rd is password)."""
    low = text.lower()
    readings = {low.translate(_LOOK_ALIKES), low.translate(_LOOK_ALIKES_I)}  # a 1 read as l, and as i
    return any(word in plain for plain in readings for word in _DICTIONARY if len(word) >= 4 or plain == word)


def common_weaknesses(text: str, account_name: str | None = None) -> list[tuple[str, str, str]]:
    """What makes a password guessable whatever it protects: runs, keyboard walks, common words
    and the account name inside it (001 §3.8, §4.7)."""
    reasons: list[tuple[str, str, str]] = []
    if _runs(text):
        reasons.append(
            ("CONSECUTIVE", "密码含连续字母或数字（如abcd、1234）", "a run of consecutive letters or digits")
        )
    if _keyboard_walk(text):
        reasons.append(("KEYBOARD_WALK", "密码含键盘相邻键序列（如qwer、1qaz）", "adjacent keys of the keyboard"))
    if any(ch.isalpha() for ch in text) and _dictionary_word(text):
        reasons.append(
            ("DICTIONARY_WORD", "密码含常用单词或其变形（如p@ssw0rd）", "a common word or a look-alike of it")
        )
    name = (account_name or "").strip().casefold()
    if len(name) >= 3 and name in text.casefold() and name != text.casefold():
        reasons.append(("CONTAINS_ACCOUNT_NAME", "密码包含账户名", "contains the account name"))
    return reasons


def check_password(
    password: str,
    *,
    account_name: str | None = None,
    phone: str | None = None,
    id_number: str | None = None,
    birth_date: date | None = None,
    initial: bool = False,
) -> PasswordCheck:
    reasons: list[tuple[str, str, str]] = []
    text = password.strip()
    if len(text) < 6:
        reasons.append(("TOO_SHORT", "密码至少6位", "at least 6 characters"))
    if _repeating_pattern(text):
        reasons.append(
            (
                "REPEATED",
                "密码为重复数字或字符（如111111、121212）",
                "repeated characters or a repeated pattern (111111, 121212)",
            )
        )
    if _sequential(text):
        reasons.append(("SEQUENTIAL", "密码为连续数字（如123456、654321）", "sequential digits (123456, 654321)"))
    born = birth_date
    if born is None and id_number and len(id_number) == 18 and id_number[6:14].isdigit():
        try:
            born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        except ValueError:
            born = None
    if born is not None and any(form in text for form in _birthday_forms(born) if len(form) >= 6 or form == text):
        reasons.append(("BIRTHDAY", "密码包含生日", "contains the birthday"))
    if account_name and text.casefold() == account_name.strip().casefold():
        reasons.append(("EQUALS_ACCOUNT_NAME", "密码与账户名相同", "equal to the account name"))
    reasons.extend(r for r in common_weaknesses(text, account_name) if r[0] != "CONSECUTIVE" or not _sequential(text))
    digits_phone = _DIGITS.sub("", phone or "")
    if len(digits_phone) >= 4 and any(digits_phone[i : i + 4] in text for i in range(len(digits_phone) - 3)):
        reasons.append(("CONTAINS_PHONE", "密码包含手机号中的连续数字", "contains part of the phone number"))
    number = (id_number or "").upper()
    if len(number) >= 6 and any(number[i : i + 6] in text.upper() for i in range(len(number) - 5)):
        reasons.append(("CONTAINS_ID_NUMBER", "密码包含身份证号中的连续字符", "contains part of the ID number"))
    return PasswordCheck(not reasons, tuple(reasons), must_change=initial or bool(reasons))
