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

from nianbao import form

Number = int | float


@dataclass(frozen=True)
class ParsedNumber:
    value: Number | None
    note: str | None = None
    ok: bool = True  # False: text present but not understood as a number
    blank: bool = False  # nothing (or a placeholder) written
    unit: str | None = None  # amounts: the unit of ``value`` (after any conversion)


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

# Units that may trail a number. Count units are dropped; amount units (form.YUAN_PER_UNIT)
# are converted into the column's unit when the form fixes one, else kept as printed.
COUNT_UNITS = ("件", "个", "条", "次", "项", "人", "份", "起")
AMOUNT_UNITS = tuple(form.YUAN_PER_UNIT)
_UNIT_RE = "|".join(sorted(map(re.escape, COUNT_UNITS + AMOUNT_UNITS), key=len, reverse=True))
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


Rule = Callable[[str, bool, "str | None"], "ParsedNumber | None"]


def _r_blank(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    if s.lower() in BLANK_MARKS:
        return ParsedNumber(None, "blank" if s == "" else f"written '{s}'", blank=True)
    return None


def _r_plain(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    v = _num(s, decimal)
    return None if v is None else ParsedNumber(v)


def _r_zero_word(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    if s in ("零", "〇", "0件"):
        return ParsedNumber(0, f"written '{s}'")
    return None


def _r_unit(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    """ "15件" in a count column; "251000元" in an amount column, converted to the column's
    unit (万元 → 25.1) or, where the form fixes no unit, kept in the unit printed."""
    m = re.fullmatch(rf"(\d+(?:\.\d+)?)({_UNIT_RE})", s)
    if not m:
        return None
    printed = m.group(2)
    if not decimal:
        v = _num(m.group(1), False)
        if printed not in COUNT_UNITS or v is None:
            return None  # e.g. "元" in a count column: not understood
        return ParsedNumber(v, f"unit '{printed}'")
    if printed not in AMOUNT_UNITS:
        return None
    v = float(m.group(1))
    if unit is None or unit == printed:
        return ParsedNumber(v, f"written '{s}'", unit=printed)
    v = round(v * form.YUAN_PER_UNIT[printed] / form.YUAN_PER_UNIT[unit], 6)
    return ParsedNumber(v, f"written '{s}', converted from {printed} to {unit}", unit=unit)


def _r_qualified(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    for q in QUALIFIERS_AFTER:
        m = re.fullmatch(rf"(\d+(?:\.\d+)?){re.escape(q)}(?:{_UNIT_RE})?", s)
        if m and (v := _num(m.group(1), decimal)) is not None:
            return ParsedNumber(v, q)
    for q in QUALIFIERS_BEFORE:
        m = re.fullmatch(rf"{re.escape(q)}(\d+(?:\.\d+)?)(?:{_UNIT_RE})?", s)
        if m and (v := _num(m.group(1), decimal)) is not None:
            return ParsedNumber(v, q)
    return None


def _r_with_note(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    # "22（其中修订16件）" → 22, note "（其中修订16件）" (NFKC turned the brackets ASCII)
    m = re.fullmatch(rf"(\d+(?:\.\d+)?)(?:{_UNIT_RE})?([(\[].+[)\]])", s)
    if m and (v := _num(m.group(1), decimal)) is not None:
        return ParsedNumber(v, m.group(2))
    return None


def _r_negative(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
    m = re.fullmatch(r"-(\d+(?:\.\d+)?)", s)
    if m and (v := _num(m.group(1), decimal)) is not None:
        return ParsedNumber(-v, "negative as printed")
    return None


def _r_plus(s: str, decimal: bool, unit: str | None) -> ParsedNumber | None:
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
def parse_number(text: str | None, decimal: bool = False, unit: str | None = None) -> ParsedNumber:
    """The number written in a cell. ``decimal``: the column holds amounts; ``unit``: the
    amount column's unit (form.Column.unit): amounts printed in another unit are converted
    to it, and every amount's ParsedNumber names its unit."""
    if text and _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", text)):
        # "71 3": two cells run together, or a space as thousands separator: never guess
        return ParsedNumber(
            None, f"unreadable '{text.strip()}' (digits separated by spaces)", ok=False
        )
    s = normalise(text)
    for _name, rule in RULES:
        r = rule(s, decimal, unit)
        if r is not None:
            if decimal and r.unit is None and r.value is not None and unit is not None:
                r = ParsedNumber(r.value, r.note, r.ok, r.blank, unit)
            return r
    return ParsedNumber(None, f"unreadable '{(text or '').strip()}'", ok=False)


def looks_numeric(text: str | None) -> bool:
    """True for anything a number rule accepts, including blanks and placeholders."""
    return parse_number(text, decimal=True).ok
