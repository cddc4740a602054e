"""Report metadata from its text: title, agency, year, publication date, format version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nianbao import form
from nianbao.dates import labelled_date, url_date, ymd

from . import labels as L

_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
_YEAR = r"((?:19|20)\d{2}|[二][〇零○][一二三四五六七八九〇零○]{2})"
TITLE_RE = re.compile(
    rf"^(.{{0,60}}?){_YEAR}\s*年度?\s*(.{{0,30}}?政府信息公开.{{0,12}}?(?:年度)?报告)"
)
DATE_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
AGENCY_SUFFIX = re.compile(
    r"(政府|办公室|办公厅|局|委员会|委|厅|署|院|中心|所|处|会|部|办|馆|站|队|行|区|县|市|镇|乡|街道)$"
)
# Art. 49: local governments report by 31 March, government departments by 31 January.
LEVEL_RULES: tuple[tuple[str, str], ...] = (
    (r"人民政府$", "government"),
    (r"(?:镇|乡|街道办事处|街道|管委会|管理委员会)$", "government"),
    (r"(?:局|委员会|委|厅|办公室|办公厅|署|中心|院|所|处|站|队|馆)$", "department"),
)
REPORT_WORDS = ("政府信息公开", "年度报告")
# Words that show a document is an annual report even without a clean title line.
REPORT_MARKERS = (
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议",
    "总体情况",
)


@dataclass
class Meta:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    looks_like_report: bool = False


def _year(s: str) -> int | None:
    y = int(s.translate(_CN_DIGITS))
    return y if 2007 <= y <= 2100 else None


def _clean(s: str) -> str:
    return "".join(s.split())  # no whitespace (\xa0 included), as re.sub(r"\s+", "", s)


def find_title(text: str, hint: str | None = None) -> tuple[str | None, str | None, int | None]:
    """(title, agency, year) from the first lines of the text (or a hint such as <title>)."""
    lines = [_clean(x) for x in text.splitlines()[:40]]
    lines = [x for x in lines if x]
    candidates = []
    if hint:
        candidates.append(_clean(hint))
    for i, line in enumerate(lines[:25]):
        candidates.append(line)
        if i > 0 and len(lines[i - 1]) <= 30:
            candidates.append(lines[i - 1] + line)  # title split over two lines
    best = None
    for k, c in enumerate(candidates):
        # (the pattern holds 政府信息公开 as written: a line without it cannot match, and the
        # lazy repeats made each failed search cost ~30 k instructions)
        if len(c) > 90 or "政府信息公开" not in c:
            continue
        m = TITLE_RE.search(c)
        if not m:
            continue
        agency = m.group(1).strip("《》“”\"' ：:") or None
        if agency and ("关于" in agency or len(agency) < 2):
            agency = agency.replace("关于", "") or None
        if agency is None:
            # "2023年度淮安市人民政府政府信息公开工作年度报告": the agency follows the year
            mm = re.match(r"(.{2,40}?)(?:关于)?政府信息公开", m.group(3))
            if mm and AGENCY_SUFFIX.search(mm.group(1)):
                agency = mm.group(1)
        if agency:
            agency = re.sub(r"^(?:关于|《)", "", agency)
        score = (agency is not None, -k)  # a title naming the agency; the earliest one
        if best is None or score > best[0]:
            best = (score, c, agency, _year(m.group(2)))
    if best is None:
        m = re.search(rf"{_YEAR}\s*年度?\s*政府信息公开", text[:3000])
        return None, None, _year(m.group(1)) if m else None
    return best[1], best[2], best[3]


def find_published(text: str) -> str | None:
    """The publication date: labelled near the top (发布日期：…), else a 年月日 date alone on
    one of the last lines (the signature block)."""
    if found := labelled_date(text[:3000]):
        return found
    tail = [x for x in text.splitlines()[-12:] if x.strip()]
    for line in reversed(tail):
        if m := DATE_RE.match(line.replace("\xa0", " ")):
            return ymd(*m.groups())
    return None


def level_of(agency: str | None) -> str | None:
    if not agency:
        return None
    for pattern, level in LEVEL_RULES:
        if re.search(pattern, agency):
            return level
    return None


def extract(text: str, title_hint: str | None = None) -> Meta:
    title, agency, year = find_title(text, title_hint)
    head = text[:20000]
    if not all(w in head for w in REPORT_MARKERS + REPORT_WORDS):
        # NFKC of 20 000 characters is the costly part: needed only when a word is not found
        # as printed (the words are plain ideographs, which normalising never changes, so a
        # word found as printed is found after it too). Not through the label cache: a
        # report's head is never asked for twice, and 8192 of them filled memory.
        head = L.normalise(head)
    markers = sum(1 for w in REPORT_MARKERS if w in head)
    looks = (title is not None) or (all(w in head for w in REPORT_WORDS)) or markers >= 2
    if looks and markers == 0 and is_listing(text):
        looks = False
        title = agency = year = None
    return Meta(title, agency, year, find_published(text) if looks else None, looks)


def is_listing(text: str) -> bool:
    """A list page: several report titles of different years, no report sections."""
    years = set()
    for line in text.splitlines()[:200]:
        m = TITLE_RE.search(_clean(line))
        if m:
            years.add(m.group(2))
    return len(years) >= 2


def format_version(
    *,
    t2_2021: bool,
    t2_2019: bool,
    t3_split: bool,
    t3_single: bool,
    any_table: bool,
    year: int | None,
) -> str:
    """2021 if 表二 has 本年制发件数 or 表三 the three （六） sub-rows; 2019 for the trial
    format's markers; pre2019 when no standard table was found in a report for 2018 or earlier."""
    if t2_2021 or t3_split:
        return form.FORMAT_2021
    if t2_2019 or t3_single:
        return form.FORMAT_2019
    if not any_table and year is not None and year <= 2018:
        return form.FORMAT_PRE2019
    return form.FORMAT_UNKNOWN


# --- region and division code (cpca) ---------------------------------------------------------
_GENERIC_PLACES = {
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "直辖县级行政区划",
}


@lru_cache(maxsize=4096)
def region_of(name: str | None) -> tuple[str | None, str | None]:
    """(region, administrative division code) of an agency name, e.g. 淮安市人民政府 →
    (江苏省淮安市, 320800). cpca finds the place; the answer is kept only when the most specific
    place it names is printed in the name itself (cpca happily maps 白石县 to 重庆市 "县").
    (None, None) when nothing is certain or cpca is not installed."""
    if not name:
        return None, None
    try:
        import cpca
    except ImportError:
        return None, None
    try:
        # cpca's one-address matcher, without the pandas DataFrame its public transform()
        # builds (that cost ~3 ms a call); the public call is the fallback
        one = getattr(cpca, "_get_one_addr", None)
        rec = one(name, False, {}) if one else cpca.transform([name]).to_dict("records")[0]
    except Exception:
        return None, None
    prov, city, dist, code = (rec.get(k) for k in ("省", "市", "区", "adcode"))
    parts = [x for x in (prov, city, dist) if isinstance(x, str) and x and x not in _GENERIC_PLACES]
    if not parts or not code:
        return None, None
    # the most specific place must be spelled out in the name
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in name:
            kept = parts[: i + 1]
            level = (prov, city, dist).index(kept[-1])
            code = str(code)
            code = code[:2] + "0000" if level == 0 else code[:4] + "00" if level == 1 else code
            if i < len(parts) - 1 and level < 2:
                pass
            region = "".join(dict.fromkeys(kept))  # 北京市北京市 → 北京市
            return region, code
    return None, None


# --- section texts ---------------------------------------------------------------------------
_HEADING = re.compile(r"^\s*([一二三四五六七八九十]{1,2})\s*[、.．]\s*(\S.{0,40})$")
# canonical section → words of its heading (2021 and 2019 forms, and pre-2019 reports)
SECTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("一", ("总体情况", "概述")),
    ("二", ("主动公开",)),
    ("三", ("收到和处理", "依申请公开")),
    ("四", ("行政复议", "行政诉讼")),
    ("五", ("存在的主要问题", "问题及改进", "改进情况")),
    ("六", ("其他需要报告", "其他事项")),
)


def sections_of(text: str) -> dict[str, str]:
    """The report's sections 一 … 六 (keyed by the canonical number, so renumbered sections
    land right), each with its heading and body text (table rows included as tab-separated
    lines). A section the form does not have is keyed by its heading without the number
    (the 2025 "五、信息处理费收取情况" → "信息处理费收取情况"), never by a number the form uses."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        m = _HEADING.match(line) if "\t" not in line and "。" not in line[:30] else None
        key = None
        if m:
            head = L.norm(m.group(2))
            key = next((k for k, words in SECTION_WORDS if any(w in head for w in words)), None)
            if key is None and len(head) <= 20 and not _t3_row_label(head):
                key = head
            if key is not None and key in out:
                key = None if key == current else key + "+"
        if key is not None:
            current = key
            out.setdefault(current, []).append(line.strip())
        elif current is not None and line.strip():
            out[current].append(line.strip())
    return {k: "\n".join(v) for k, v in out.items()}


def _t3_row_label(head: str) -> bool:
    return any(w in head for w in ("本年新收", "上年结转", "本年度办理结果", "结转下年度"))


# The publication date from the URL: one implementation with the crawler (nianbao.dates).
published_from_url = url_date
