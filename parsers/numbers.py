"""Number cells → values. One table of rules; first matching rule wins.

Every rule returns (value, note). ``value`` None means "no number written"
(blank, dash, 无 …): the note says what was written and the checks read None as 0.
A cell no rule understands gives ``ParsedNumber(ok=False)`` and the caller adds a
warning naming the cell: a wrong number is worse than a missing one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

Number = int | float


@dataclass(frozen=True)
class ParsedNumber:
    value: Number | None
    note: str | None = None
    ok: bool = True  # False: text present but not understood as a number
    blank: bool = False  # nothing (or a placeholder) written


_SPACE = re.compile(r"\s+")
_SPLIT_DIGITS = re.compile(r"\d[\s\xa0\u3000]+\d")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")

# Placeholders that mean "nothing to report" (value None, note records the mark).
BLANK_MARKS = frozenset(
    {
        "",
        "&nbsp;",
        "&nbsp",
        "-",
        "--",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "无",
        "空",
        "暂无",
        "null",
        "none",
        "n/a",
    }
)

# Units that may trail a number. factor: multiply to convert into the column's unit,
# per column kind ("count" or "amount_10k" = 万元).
UNITS: dict[str, dict[str, float]] = {
    "件": {"count": 1},
    "个": {"count": 1},
    "条": {"count": 1},
    "次": {"count": 1},
    "项": {"count": 1},
    "人": {"count": 1},
    "份": {"count": 1},
    "起": {"count": 1},
    "万元": {"amount_10k": 1},
    "元": {"amount_10k": 0.0001},
}
_UNIT_RE = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
# Qualifiers around a number: "72余", "约72", "72多".
QUALIFIERS_AFTER = ("余", "多", "左右", "以上", "+")
QUALIFIERS_BEFORE = ("约", "近", "超过", "逾")


def normalise(text: str | None) -> str:
    """Full-width → ASCII (NFKC), no whitespace (incl. &nbsp;), no thousands separators."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = _SPACE.sub("", s.replace("\xa0", " ").replace("\u3000", " "))
    s = s.replace("，", ",")
    return _THOUSANDS.sub("", s)


def _num(s: str, decimal: bool) -> Number | None:
    if re.fullmatch(r"\d+", s):
        return int(s)
    if re.fullmatch(r"\d+\.\d+|\d+\.|\.\d+", s):
        f = float(s)
        if decimal:
            return f
        if f == int(f):
            return int(f)
    return None


Rule = Callable[[str, bool], "ParsedNumber | None"]


def _r_blank(s: str, decimal: bool) -> ParsedNumber | None:
    if s.lower() in BLANK_MARKS:
        return ParsedNumber(None, "blank" if s == "" else f"written '{s}'", blank=True)
    return None


def _r_plain(s: str, decimal: bool) -> ParsedNumber | None:
    v = _num(s, decimal)
    return None if v is None else ParsedNumber(v)


def _r_zero_word(s: str, decimal: bool) -> ParsedNumber | None:
    if s in ("零", "〇", "0件"):
        return ParsedNumber(0, f"written '{s}'")
    return None


def _r_unit(s: str, decimal: bool) -> ParsedNumber | None:
    m = re.fullmatch(rf"(\d+(?:\.\d+)?)({_UNIT_RE})", s)
    if not m:
        return None
    kind = "amount_10k" if decimal else "count"
    factor = UNITS[m.group(2)].get(kind)
    if factor is None:  # e.g. "元" in a count column: not understood
        return None
    v = float(m.group(1)) * factor
    if decimal:
        v = round(v, 6)
        note = f"written '{s}'" + (", converted to 万元" if factor != 1 else "")
        return ParsedNumber(v, note)
    if v != int(v):
        return None
    return ParsedNumber(int(v), f"unit '{m.group(2)}'")


def _r_qualified(s: str, decimal: bool) -> ParsedNumber | None:
    for q in QUALIFIERS_AFTER:
        m = re.fullmatch(rf"(\d+(?:\.\d+)?){re.escape(q)}(?:{_UNIT_RE})?", s)
        if m and (v := _num(m.group(1), decimal)) is not None:
            return ParsedNumber(v, q)
    for q in QUALIFIERS_BEFORE:
        m = re.fullmatch(rf"{re.escape(q)}(\d+(?:\.\d+)?)(?:{_UNIT_RE})?", s)
        if m and (v := _num(m.group(1), decimal)) is not None:
            return ParsedNumber(v, q)
    return None


def _r_with_note(s: str, decimal: bool) -> ParsedNumber | None:
    # "22（其中修订16件）" → 22, note "（其中修订16件）" (NFKC turned the brackets ASCII)
    m = re.fullmatch(rf"(\d+(?:\.\d+)?)(?:{_UNIT_RE})?([(\[].+[)\]])", s)
    if m and (v := _num(m.group(1), decimal)) is not None:
        return ParsedNumber(v, m.group(2))
    return None


def _r_negative(s: str, decimal: bool) -> ParsedNumber | None:
    m = re.fullmatch(r"-(\d+(?:\.\d+)?)", s)
    if m and (v := _num(m.group(1), decimal)) is not None:
        return ParsedNumber(-v, "negative as printed")
    return None


def _r_plus(s: str, decimal: bool) -> ParsedNumber | None:
    # "+3" in the trial format's 本年增/减 column
    m = re.fullmatch(r"\+(\d+(?:\.\d+)?)", s)
    if m and (v := _num(m.group(1), decimal)) is not None:
        return ParsedNumber(v, "sign '+' as printed")
    return None


RULES: tuple[tuple[str, Rule], ...] = (
    ("blank", _r_blank),
    ("plain", _r_plain),
    ("zero word", _r_zero_word),
    ("unit", _r_unit),
    ("qualified", _r_qualified),
    ("number with note", _r_with_note),
    ("negative", _r_negative),
    ("plus sign", _r_plus),
)


@lru_cache(maxsize=16384)
def parse_number(text: str | None, decimal: bool = False) -> ParsedNumber:
    if text and _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", text)):
        # "71 3": two cells run together, or a space as thousands separator: never guess
        return ParsedNumber(
            None, f"unreadable '{text.strip()}' (digits separated by spaces)", ok=False
        )
    s = normalise(text)
    for _name, rule in RULES:
        r = rule(s, decimal)
        if r is not None:
            return r
    return ParsedNumber(None, f"unreadable '{(text or '').strip()}'", ok=False)


def looks_numeric(text: str | None) -> bool:
    """True for anything a number rule accepts, including blanks and placeholders."""
    return parse_number(text, decimal=True).ok
