"""Label normalisation and matching against nianbao.form's labels.

Rules are data: ``ROW_ALIASES`` lists extra spellings, ``T3_BLOCKS`` the blocks whose
numbered sub-rows ("1." … "8.") only make sense together with the block.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from nianbao import form

# Scores (0-100, rapidfuzz ratio on normalised text).
SURE = 90  # at or above: a confident match
MATCH = 72  # at or above: a match, with a warning below SURE
_QUOTES = re.compile(r"[\"'“”‘’「」『』〝〞]")
_ENUM = re.compile(r"^(\d{1,2})[、.,．]")  # "1、" / "1．" / "1," → "1."
_CN_ENUM = re.compile(r"^\(([一二三四五六七八九十])\)")
_TRAIL_PUNCT = re.compile(r"[。;；:：]+$")


def normalise(text: str | None) -> str:
    """NFKC (full-width → half-width, （）→()), no whitespace, no quotes, "1、" → "1."
    (uncached: for one-off long texts; labels go through :func:`norm`)."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text.replace("\xa0", " "))
    s = "".join(s.split())  # = re.sub(r"\s+", "", s): both use Unicode whitespace, split is C-level
    s = _QUOTES.sub("", s)
    s = s.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    s = _ENUM.sub(r"\1.", s)
    s = _TRAIL_PUNCT.sub("", s)
    return s


# Labels repeat across cells and reports: cached. (A report's 20 000-character head is
# normalised once, with normalise(): cached, such keys only filled memory.)
norm = lru_cache(maxsize=8192)(normalise)


@lru_cache(maxsize=65536)
def enumerator(text: str) -> str | None:
    """ "1." for sub-rows, "(三)" for blocks, "一、" for sections, else None."""
    s = norm(text)
    if m := re.match(r"^(\d{1,2})\.", s):
        return m.group(1) + "."
    if m := _CN_ENUM.match(s):
        return m.group(0)
    if m := re.match(r"^([一二三四五六七八九十])、", s):
        return m.group(0)
    return None


@lru_cache(maxsize=65536)
def score(a: str, b: str) -> float:
    """Similarity of two labels after normalisation (0-100)."""
    na, nb = norm(a), norm(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 100.0
    return fuzz.ratio(na, nb)


# --- 表三 blocks and rows ----------------------------------------------------------
T3_RESULTS_HEADER = "三、本年度办理结果"
T3_BLOCKS = tuple(
    dict.fromkeys(r.block for r in form.T3_ROWS if r.block and r.block != T3_RESULTS_HEADER)
)
# Extra spellings seen in reports, per row key (labels are normalised before use).
ROW_ALIASES: dict[str, tuple[str, ...]] = {
    "partially_granted": ("（二）部分公开",),
    "other_no_correction": ("1.申请人无正当理由逾期不补正",),
    "other_no_fee": ("2.申请人逾期未按收费通知要求缴纳费用",),
    "total": ("总计", "（七）合计"),
    "carried_forward": ("四、结转下年度继续办理数量",),
    "new_requests": ("一、本年新收政府信息公开申请",),
    "normative_documents": ("规范性文件",),
}
# Group labels in 表三's header that are not columns themselves.
T3_HEADER_GROUPS = (
    "申请人情况",
    "法人或其他组织",
    "本列数据的勾稽关系为",
    "第一项加第二项之和",
    "等于第三项加第四项之和",
)


def _labels(key: str, label: str) -> tuple[str, ...]:
    return (label,) + ROW_ALIASES.get(key, ())


@dataclass(frozen=True)
class Match:
    key: str | None
    score: float
    label: str = ""
    runner_up: float = 0.0


def best(text: str, candidates: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> Match:
    """Best of (key, label) candidates for text; aliases of each key count too."""
    return _best(text, tuple(candidates))


@lru_cache(maxsize=65536)
def _best(text: str, candidates: tuple[tuple[str, str], ...]) -> Match:
    scored: dict[str, tuple[float, str]] = {}
    for key, label in candidates:
        for lab in _labels(key, label):
            s = score(text, lab)
            if s > scored.get(key, (-1.0, ""))[0]:
                scored[key] = (s, lab)
    if not scored:
        return Match(None, 0.0)
    ranked = sorted(scored.items(), key=lambda kv: -kv[1][0])
    key, (s, lab) = ranked[0]
    runner = ranked[1][1][0] if len(ranked) > 1 else 0.0
    return Match(key, s, lab, runner)


@lru_cache(maxsize=65536)
def match_block(text: str) -> Match:
    """（三）不予公开 / （四）无法提供 / （五）不予处理 / （六）其他处理, or no match."""
    m = best(text, [(b, b) for b in T3_BLOCKS])
    if m.score >= MATCH:
        return m
    # Enumerator plus a recognisable word is enough ("（四）无" + "法提供" rejoined elsewhere).
    e = enumerator(text)
    for b in T3_BLOCKS:
        if (
            e
            and e == enumerator(b)
            and norm(text)[len(e) :]
            and norm(b).endswith(norm(text)[len(e) :])
        ):
            return Match(b, MATCH, b)
    return Match(None, m.score)


@lru_cache(maxsize=65536)
def is_results_header(text: str) -> bool:
    return score(text, T3_RESULTS_HEADER) >= SURE or norm(text) in (
        "本年度办理结果",
        "三、本年度办理结果",
    )


def all_known_labels() -> list[str]:
    """Every row, block and column label of the form (for rejoining split labels)."""
    out = [r.label for rows in form.ROWS.values() for r in rows]
    out += list(T3_BLOCKS) + [T3_RESULTS_HEADER, form.T3_OTHER_SINGLE.label]
    out += [c.label for c in form.T3_COLUMNS] + [c.label for c in form.T2_COLUMNS.values()]
    return out


@lru_cache(maxsize=65536)
def best_known(text: str) -> float:
    n = norm(text)
    if not n:
        return 0.0
    return max(fuzz.ratio(n, norm(lab)) for lab in all_known_labels())


@lru_cache(maxsize=65536)
def split_block_prefix(text: str) -> tuple[str | None, str]:
    """ "（三）不予公开1.属于国家秘密" (block and sub-row in one cell) →
    ("（三）不予公开", "1.属于国家秘密"). Also strips a leading "三、本年度办理结果".
    Returns (None, text) when there is no such prefix."""
    n = norm(text)
    for head in (T3_RESULTS_HEADER, "本年度办理结果"):
        h = norm(head)
        if n.startswith(h) and len(n) > len(h):
            n = n[len(h) :]
            text = n
    for b in T3_BLOCKS:
        nb = norm(b)
        if n.startswith(nb) and len(n) > len(nb) and re.match(r"\d", n[len(nb) :]):
            return b, n[len(nb) :]
    return None, text
