"""Truth reports for the demo sites: invented agencies, consistent tables, prose, injected defects.

Everything is drawn from a seeded ``random.Random`` so a seed always gives the same corpus.
A clean report satisfies every hard rule of FORMAT.md (T3-BALANCE, T3-RESULTS, T3-ROWSUM,
T4-SUM, DOMAIN) and, across the years of one agency, the soft carry-over rules
(T3-CARRY, T2-INFORCE). :func:`apply_defect` breaks one report on purpose and returns the
exact hard-rule findings a correct checker must produce; :func:`hard_rule_failures` is an
independent reference computation of those rules used to prove each defect does what it says.
No checker is imported here: the truth must not depend on the code it is used to test.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from nianbao import form
from nianbao.model import STATUS_PARSED, Cell, Report

# Section headings that have no table (form.TABLE_TITLES holds the other three).
SECTION_OVERVIEW = "一、总体情况"
SECTION_PROBLEMS = "五、存在的主要问题及改进情况"
SECTION_OTHER = "六、其他需要报告的事项"

# Defect names (the values of truth.json "defects").
DEFECT_BALANCE = "t3_balance_break"  # 结转下年度 wrong in one applicant column and in 总计
DEFECT_RESULTS = "t3_results_break"  # one result row inflated in a column and in 总计
DEFECT_ROWSUM = "t3_rowsum_break"  # a number typed into the wrong result row
DEFECT_T4_SUM = "t4_sum_break"  # 表四 parts do not add up to the group total
DEFECT_NEGATIVE = "negative_count"  # a negative count, all sums still balanced
DEFECTS = (DEFECT_BALANCE, DEFECT_RESULTS, DEFECT_ROWSUM, DEFECT_T4_SUM, DEFECT_NEGATIVE)

T3_COLS = tuple(c.key for c in form.T3_COLUMNS)
T4_GROUPS = tuple(g.key for g in form.T4_GROUPS)

# Relative frequency of each result row (granted and 不掌握 dominate in real reports).
_RESULT_WEIGHTS = {
    "granted": 40,
    "partially_granted": 8,
    "withheld_state_secret": 0.3,
    "withheld_prohibited_by_law": 1,
    "withheld_three_safeties": 0.5,
    "withheld_third_party": 1.5,
    "withheld_internal_affairs": 2,
    "withheld_process_info": 2,
    "withheld_enforcement_file": 1,
    "withheld_admin_query": 1.5,
    "unavailable_not_held": 22,
    "unavailable_needs_creation": 4,
    "unavailable_unclear": 3,
    "rejected_complaint": 5,
    "rejected_duplicate": 3,
    "rejected_publication": 0.5,
    "rejected_excessive": 1,
    "rejected_reconfirm": 0.5,
    "other_no_correction": 3,
    "other_no_fee": 0.3,
    "other_other": 6,
}
# Rows that occur in nearly every report with requests; the rest are often all zero.
_COMMON_RESULTS = ("granted", "unavailable_not_held")


class DefectNotApplicable(ValueError):
    """The report has too few requests for this defect (e.g. nothing to move between rows)."""


@dataclass(frozen=True)
class Agency:
    """An invented agency: the publisher of one demo site."""

    name: str  # 清河市人民政府
    short: str  # how the text refers to itself: 市政府 / 本局
    region: str  # 示范省清河市
    level: str  # government | department
    size: str  # large | medium | small | zero: how many requests it receives


@dataclass
class Section:
    """One numbered section of a report; ``table`` (form.T2/T3/T4) follows the paragraphs."""

    heading: str
    paragraphs: list[str]
    table: str | None = None


@dataclass
class TruthReport:
    """A truth report: the canonical model plus the prose the renderers lay out around it."""

    report: Report
    intro: list[str]
    sections: list[Section]
    defects: list[str] = field(default_factory=list)
    expected_findings: list[dict] = field(default_factory=list)
    clean: Report | None = None  # the tables before the defect: next year continues from these

    @property
    def title(self) -> str:
        return self.report.title or ""


# --- numbers ------------------------------------------------------------------------


def format_number(value) -> str:
    """The printed form of a value: counts as integers, fee amounts without trailing zeros."""
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return str(value)


def _cell(table: str, row: str, col: str, value) -> Cell:
    spec = form.column(table, col)
    unit = spec.unit if spec is not None and spec.domain == form.AMOUNT else None
    return Cell(table=table, row=row, col=col, value=value, raw=format_number(value), unit=unit)


def set_value(report: Report, table: str, row: str, col: str, value) -> None:
    """Change one truth cell (value and printed text together)."""
    cell = report.cell(table, row, col)
    cell.value, cell.raw = value, format_number(value)


def _distribute(
    rng: random.Random, n: int, keys: list[str], weights: list[float]
) -> dict[str, int]:
    """Split ``n`` requests over ``keys`` (a multinomial draw, so small rows are often 0)."""
    out = dict.fromkeys(keys, 0)
    for k in rng.choices(keys, weights=weights, k=n) if n else ():
        out[k] += 1
    return out


def _t2_cells(rng: random.Random, agency: Agency, prev: Report | None) -> list[Cell]:
    gov = agency.level == "government"

    def prev_in_force(row: str, start: tuple[int, int]) -> int:
        if prev is not None:
            return int(prev.value(form.T2, row, "in_force"))
        return rng.randint(*start)

    cells = []
    for row, start, issue, repeal in (
        # Departments cannot make 规章; their 规章 row is all zero.
        ("regulations", (12, 60) if gov else (0, 0), (0, 3) if gov else (0, 0), (0, 2)),
        (
            "normative_documents",
            (60, 300) if gov else (2, 30),
            (4, 30) if gov else (0, 5),
            (0, 8) if gov else (0, 2),
        ),
    ):
        before = prev_in_force(row, start)
        issued = rng.randint(*issue)
        repealed = min(before, rng.randint(*repeal)) if issue != (0, 0) else 0
        # T2-INFORCE holds exactly: 现行有效 = last year's + issued - repealed.
        for col, v in (
            ("issued", issued),
            ("repealed", repealed),
            ("in_force", before + issued - repealed),
        ):
            cells.append(_cell(form.T2, row, col, v))
    scale = {"large": 1.0, "medium": 0.3, "small": 0.05, "zero": 0.02}[agency.size]
    if not gov:
        scale *= 0.3
    for row, hi in (("licensing", 30000), ("penalties", 4000), ("enforcement", 150)):
        v = 0 if rng.random() < 0.15 else int(rng.randint(0, hi) * scale)
        cells.append(_cell(form.T2, row, "decisions", v))
    if rng.random() < 0.45:
        fee = 0.0
    elif gov and agency.size == "large":
        fee = round(rng.uniform(100, 99000), rng.choice((1, 2, 4)))
    else:
        fee = round(rng.uniform(0.5, 60), 2)
    cells.append(_cell(form.T2, "fees", "amount_10k_yuan", fee))
    return cells


def _applicant_requests(rng: random.Random, agency: Agency) -> dict[str, int]:
    """New requests per applicant column; natural persons are by far the largest group."""
    if agency.size == "zero":
        return dict.fromkeys(form.T3_APPLICANT_COLUMNS, 0)
    person = {"large": (120, 700), "medium": (15, 120), "small": (1, 15)}[agency.size]
    f = {"large": 1.0, "medium": 0.4, "small": 0.1}[agency.size]
    out = {"natural_person": rng.randint(*person)}
    for col, hi in (
        ("commercial", 60),
        ("research", 3),
        ("public_interest", 3),
        ("legal_services", 20),
        ("other_org", 10),
    ):
        out[col] = 0 if rng.random() < 0.35 else int(rng.randint(0, hi) * f)
    return out


def _t3_cells(rng: random.Random, agency: Agency, prev: Report | None) -> list[Cell]:
    new = _applicant_requests(rng, agency)
    values: dict[tuple[str, str], int] = {}
    # Which result rows this agency uses this year: a few, so most cells are zero.
    active = [r for r in form.T3_RESULT_ROWS if r in _COMMON_RESULTS or rng.random() < 0.35]
    weights = [_RESULT_WEIGHTS[r] for r in active]
    for col in form.T3_APPLICANT_COLUMNS:
        # T3-CARRY holds exactly: this year's 上年结转 is last year's 结转下年度.
        carried = (
            int(prev.value(form.T3, "carried_forward", col))
            if prev is not None
            else (rng.randint(0, max(0, new[col] // 15)) if new[col] else 0)
        )
        handled = new[col] + carried
        forward = min(handled, int(round(handled * rng.uniform(0, 0.08))))
        results = _distribute(rng, handled - forward, active, weights)
        values["new_requests", col] = new[col]
        values["carried_over", col] = carried
        for r in form.T3_RESULT_ROWS:
            values[r, col] = results.get(r, 0)
        values["total", col] = handled - forward  # = sum of the result rows
        values["carried_forward", col] = forward  # balance: new + carried = total + forward
    for r in form.T3_ROWS:
        values[r.key, "total"] = sum(values[r.key, c] for c in form.T3_APPLICANT_COLUMNS)
    return [_cell(form.T3, r, c, values[r, c]) for r, c in form.expected_cells(form.T3)]


def _t4_cells(rng: random.Random, agency: Agency) -> list[Cell]:
    gov = agency.level == "government"
    his = {
        "review": 14 if gov else 3,
        "litigation_direct": 8 if gov else 2,
        "litigation_after_review": 3 if gov else 1,
    }
    cells = []
    for group in T4_GROUPS:
        n = (
            0
            if agency.size in ("zero", "small") or rng.random() < 0.3
            else rng.randint(0, his[group])
        )
        parts = _distribute(rng, n, list(form.T4_PARTS), [60, 10, 15, 15])
        for col in form.T4_PARTS:
            cells.append(_cell(form.T4, group, col, parts[col]))
        cells.append(_cell(form.T4, group, "total", n))
    return cells


# --- the reference arithmetic ---------------------------------------------------------


def hard_rule_failures(report: Report) -> list[dict]:
    """Every failing hard rule of a 2021-format report as ``{"rule", "scope"}``, in form order.

    A reference implementation of FORMAT.md's hard rules with the project's scope
    conventions (T3-BALANCE/T3-RESULTS: column key, T3-ROWSUM: row key, T4-SUM: group key,
    DOMAIN: cell address). Used to prove that injected defects produce exactly the findings
    recorded in the truth, and by the tests on clean reports.
    """
    v = lambda t, r, c: report.value(t, r, c)  # noqa: E731
    out = []
    for cell in report.cells:
        val = cell.value
        kind = form.domain(cell.table, cell.col, report.format_version)
        if kind == form.AMOUNT:
            bad = val is None or val < 0
        elif kind == form.SIGNED:
            bad = val is None or val != int(val)
        else:
            bad = val is None or val < 0 or val != int(val)
        if bad:
            out.append({"rule": "DOMAIN", "scope": cell.address})
    for col in T3_COLS:
        if v(form.T3, "new_requests", col) + v(form.T3, "carried_over", col) != v(
            form.T3, "total", col
        ) + v(form.T3, "carried_forward", col):
            out.append({"rule": "T3-BALANCE", "scope": col})
    for col in T3_COLS:
        if sum(v(form.T3, r, col) for r in form.T3_RESULT_ROWS) != v(form.T3, "total", col):
            out.append({"rule": "T3-RESULTS", "scope": col})
    for row in form.T3_ROWS:
        if sum(v(form.T3, row.key, c) for c in form.T3_APPLICANT_COLUMNS) != v(
            form.T3, row.key, "total"
        ):
            out.append({"rule": "T3-ROWSUM", "scope": row.key})
    for group in T4_GROUPS:
        if sum(v(form.T4, group, p) for p in form.T4_PARTS) != v(form.T4, group, "total"):
            out.append({"rule": "T4-SUM", "scope": group})
    return out


# --- defects ------------------------------------------------------------------------


def apply_defect(report: Report, name: str, rng: random.Random) -> list[dict]:
    """Break ``report`` in place with the named defect; return the findings it must produce.

    Every cell belongs to one row rule and one column rule, so each defect changes cells in
    pairs that cancel out everywhere except where the finding is meant to be. The result
    is double-checked against :func:`hard_rule_failures`.
    """
    t3 = lambda r, c: report.value(form.T3, r, c)  # noqa: E731
    k = rng.randint(1, 9)
    if name == DEFECT_BALANCE:
        # 结转下年度 off by k in one column and in 总计: the row sum still holds, the two
        # columns stop balancing, the result rows are untouched.
        col = rng.choice(form.T3_APPLICANT_COLUMNS[:2])
        for c in (col, "total"):
            set_value(report, form.T3, "carried_forward", c, t3("carried_forward", c) + k)
        findings = [{"rule": "T3-BALANCE", "scope": col}, {"rule": "T3-BALANCE", "scope": "total"}]
    elif name == DEFECT_RESULTS:
        # One result row inflated in a column and in its own 总计 column: its row sum holds,
        # 本年度办理结果（七）总计 no longer equals the sum of the result rows in both columns;
        # the balance rule uses （七）总计, which is unchanged.
        col = rng.choice(form.T3_APPLICANT_COLUMNS[:2])
        row = rng.choice(form.T3_RESULT_ROWS[:2] + ("unavailable_not_held",))
        for c in (col, "total"):
            set_value(report, form.T3, row, c, t3(row, c) + k)
        findings = [{"rule": "T3-RESULTS", "scope": col}, {"rule": "T3-RESULTS", "scope": "total"}]
    elif name == DEFECT_ROWSUM:
        # k requests typed into the wrong result row of one applicant column: the column
        # still adds up, the two rows' 总计 column no longer matches their applicant cells.
        col = "natural_person"
        donors = [r for r in form.T3_RESULT_ROWS if t3(r, col) >= 1]
        if not donors:
            raise DefectNotApplicable(name)
        src = rng.choice(donors)
        k = rng.randint(1, t3(src, col))
        dst = rng.choice([r for r in form.T3_RESULT_ROWS if r != src])
        set_value(report, form.T3, src, col, t3(src, col) - k)
        set_value(report, form.T3, dst, col, t3(dst, col) + k)
        findings = [
            {"rule": "T3-ROWSUM", "scope": r} for r in form.T3_RESULT_ROWS if r in (src, dst)
        ]
    elif name == DEFECT_T4_SUM:
        # 尚未审结 off by k: the printed group total (and the text that cites it) stays.
        group = rng.choice(T4_GROUPS)
        set_value(report, form.T4, group, "pending", report.value(form.T4, group, "pending") + k)
        findings = [{"rule": "T4-SUM", "scope": group}]
    elif name == DEFECT_NEGATIVE:
        # t3.granted.commercial becomes -1. A rectangle of four changes keeps every row and
        # column sum: granted/commercial -k, granted/natural_person +k,
        # other/commercial +k, other/natural_person -k (needs a donor with >= k).
        k = t3("granted", "commercial") + 1
        donors = [r for r in form.T3_RESULT_ROWS if r != "granted" and t3(r, "natural_person") >= k]
        if not donors:
            raise DefectNotApplicable(name)
        other = rng.choice(donors)
        for row, col, d in (
            ("granted", "commercial", -k),
            ("granted", "natural_person", k),
            (other, "commercial", k),
            (other, "natural_person", -k),
        ):
            set_value(report, form.T3, row, col, t3(row, col) + d)
        findings = [{"rule": "DOMAIN", "scope": "t3.granted.commercial"}]
    else:
        raise ValueError(f"unknown defect {name!r} (known: {', '.join(DEFECTS)})")
    actual = hard_rule_failures(report)
    if sorted(map(str, actual)) != sorted(map(str, findings)):
        raise AssertionError(f"defect {name} produced {actual}, designed {findings}")
    return actual


# --- prose --------------------------------------------------------------------------


def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def _sections(
    rng: random.Random, agency: Agency, year: int, report: Report
) -> tuple[list[str], list[Section]]:
    """The preface and the six sections; every figure quoted agrees with the tables."""
    me = agency.short
    t3 = lambda r: int(report.value(form.T3, r, "total"))  # noqa: E731
    t4 = lambda g: int(report.value(form.T4, g, "total"))  # noqa: E731
    intro = [
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
        f"关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制。"
        f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
    ]
    channels = [rng.randint(20, 900), rng.randint(10, 400), rng.randint(0, 200), rng.randint(0, 80)]
    published = sum(channels)
    new = t3("new_requests")
    if new:
        requests = (
            f"本年度共收到政府信息公开申请{new}件，上年结转{t3('carried_over')}件，"
            f"已全部依法依规按时答复，结转下年度继续办理{t3('carried_forward')}件。"
        )
    else:
        requests = "本年度未收到政府信息公开申请。"
    review, lit = t4("review"), t4("litigation_direct") + t4("litigation_after_review")
    disputes = (
        f"全年发生政府信息公开行政复议{review}件、行政诉讼{lit}件。"
        if review or lit
        else "全年未发生政府信息公开行政复议、行政诉讼案件。"
    )
    overview = [
        f"{year}年，{me}坚持以习近平新时代中国特色社会主义思想为指导，"
        + _pick(
            rng,
            "认真贯彻落实《条例》，",
            "深入贯彻落实党中央、国务院关于全面推进政务公开的决策部署，",
            "围绕中心、服务大局，",
        )
        + _pick(
            rng,
            "坚持以公开为常态、不公开为例外，",
            "持续深化政务公开标准化规范化建设，",
            "不断提升政府信息公开质量和实效，",
        )
        + "政府信息公开工作取得新进展。",
        f"（一）主动公开情况。{year}年，{me}主动公开政府信息{published}条，其中通过政府网站公开{channels[0]}条，"
        f"政务微信公开{channels[1]}条，政务微博公开{channels[2]}条，公开栏等其他方式公开{channels[3]}条。",
        f"（二）依申请公开情况。{requests}{disputes}",
        "（三）政府信息管理情况。"
        + _pick(
            rng,
            "严格落实信息发布“三审三校”制度，做到先审后发。",
            "健全政府信息公开保密审查机制，定期清理过期信息。",
            "动态调整主动公开目录，规范政府信息管理流程。",
        ),
        "（四）平台建设情况。"
        + _pick(
            rng,
            "充分发挥政府网站第一平台作用，加强政务新媒体管理。",
            "优化政府信息公开专栏设置，提升平台集约化水平。",
            "推进政务公开专区建设，方便群众查阅信息。",
        ),
        "（五）监督保障情况。"
        + _pick(
            rng,
            "将政务公开工作纳入年度绩效考核，组织业务培训2次。",
            "成立政务公开工作领导小组，明确专人负责。",
            "加强督促检查，及时整改发现的问题。",
        ),
        _own_work(rng, me),
    ]
    problems = [
        _pick(
            rng,
            "存在的主要问题：一是公开内容的深度和广度有待拓展；二是政策解读形式较为单一。",
            "存在的主要问题：一是部分信息更新不够及时；二是工作人员业务能力有待提升。",
            "存在的主要问题：一是依申请公开答复的规范性有待加强；二是公开渠道需进一步整合。",
        ),
        _pick(
            rng,
            "改进情况：加强业务培训，完善工作机制，推动政务公开工作提质增效。",
            "改进情况：强化责任落实，丰富解读形式，提高公开实效。",
            "改进情况：健全审核机制，优化平台功能，提升群众满意度。",
        ),
    ]
    fee = (
        "本年度未收取信息处理费。"
        if not t3("other_no_fee")
        else "本年度依法收取信息处理费，相关申请人逾期未缴纳的已不再处理。"
    )
    other = [
        f"（一）信息处理费收取情况。{fee}",
        f"（二）{year}年政务公开工作要点落实情况。"
        + _pick(
            rng,
            "按照上级工作要点要求，逐项落实各项任务。",
            "对照年度工作要点，制定任务清单并全部完成。",
        ),
    ]
    sections = [
        Section(SECTION_OVERVIEW, overview),
        Section(form.TABLE_TITLES[form.T2], [], form.T2),
        Section(form.TABLE_TITLES[form.T3], [], form.T3),
        Section(form.TABLE_TITLES[form.T4], [], form.T4),
        Section(SECTION_PROBLEMS, problems),
        Section(SECTION_OTHER, other),
    ]
    return intro, sections


# Vocabulary of the agency's own work. Real reports spend most of their prose on what the
# agency itself did that year; combining these at random gives each demo report text of its
# own, as real reports have (template-only prose would make every report look copied).
_TOPICS = (
    "财政预决算",
    "重大建设项目",
    "公共资源配置",
    "社会公益事业",
    "乡村振兴",
    "生态环境保护",
    "安全生产",
    "食品药品监管",
    "教育招生",
    "医疗卫生",
    "住房保障",
    "就业创业",
    "养老服务",
    "交通出行",
    "城市更新",
    "营商环境",
    "减税降费",
    "应急管理",
    "防汛抗旱",
    "文物保护",
    "市场监管",
    "自然资源",
    "农业农村",
    "水利工程",
    "民生实事",
    "政府采购",
    "征地拆迁",
)
_ACTIONS = ("集中公开", "动态更新", "专题发布", "逐项公开", "分类公开", "定期发布", "全面公开")
_ITEMS = (
    "政策文件",
    "办事指南",
    "执行情况",
    "项目清单",
    "资金分配结果",
    "检查结果",
    "工作动态",
    "公示公告",
    "统计数据",
    "规划计划",
    "责任清单",
    "收费目录",
    "服务标准",
    "监督电话",
)
_EVENTS = (
    "政府开放日",
    "政策解读会",
    "新闻发布会",
    "在线访谈",
    "局长接待日",
    "政务公开专题培训",
    "基层政务公开现场会",
    "网上调查",
    "座谈会",
    "进社区宣讲",
)
_FORMS = ("图解", "视频", "问答", "H5", "长图", "动漫", "案例解读")


def _own_work(rng: random.Random, me: str) -> str:
    """One paragraph on the agency's own work that year, drawn from the vocabulary above."""
    topics = rng.sample(_TOPICS, 3)
    parts = [
        f"（六）重点领域信息公开情况。{me}围绕{topics[0]}、{topics[1]}和{topics[2]}等重点领域，"
    ]
    for t in rng.sample(_TOPICS, rng.randint(2, 4)):
        parts.append(f"{rng.choice(_ACTIONS)}{t}{rng.choice(_ITEMS)}{rng.randint(3, 300)}条，")
    events = rng.sample(_EVENTS, 2)
    parts.append(f"组织{events[0]}{rng.randint(1, 12)}场次、{events[1]}{rng.randint(1, 8)}场次，")
    parts.append(f"以{'、'.join(rng.sample(_FORMS, 2))}等形式解读政策{rng.randint(2, 40)}件。")
    parts.append("在" + "、".join(rng.sample(_TOPICS, 2)) + "方面，")
    for item in rng.sample(_ITEMS, 3):
        parts.append(f"{rng.choice(_ACTIONS)}{item}{rng.randint(2, 90)}项，")
    parts.append(f"回应社会关切{rng.randint(3, 60)}次。")
    return "".join(parts)


def report_title(agency: Agency, year: int) -> str:
    """The published title, e.g. 清河市人民政府2023年政府信息公开工作年度报告."""
    return f"{agency.name}{year}年政府信息公开工作年度报告"


def make_truth(
    rng: random.Random,
    agency: Agency,
    year: int,
    published: str,
    doc_format: str,
    prev: Report | None = None,
    defect: str | None = None,
) -> TruthReport:
    """One truth report of ``agency`` for ``year`` (2021 format).

    ``prev`` is the same agency's previous clean report: 上年结转 and 现行有效件数 continue
    from it. ``defect`` names one of :data:`DEFECTS` to inject (may raise
    :class:`DefectNotApplicable`). The prose is written last, from the final tables.
    """
    cells = _t2_cells(rng, agency, prev) + _t3_cells(rng, agency, prev) + _t4_cells(rng, agency)
    report = Report(
        status=STATUS_PARSED,
        title=report_title(agency, year),
        agency=agency.name,
        year=year,
        format_version=form.FORMAT_2021,
        published=published,
        doc_format=doc_format,
        cells=cells,
    )
    clean = clean_copy(report)
    findings = apply_defect(report, defect, rng) if defect else []
    intro, sections = _sections(rng, agency, year, report)
    report.text = "\n".join(
        [report.title, *intro] + [line for s in sections for line in (s.heading, *s.paragraphs)]
    )
    return TruthReport(report, intro, sections, [defect] if defect else [], findings, clean)


def clean_copy(report: Report) -> Report:
    """A copy with its own cells, so a defect applied to one report never leaks into another."""
    # Direct construction: dataclasses.replace is ~5x slower and this runs 300 times a report.
    cells = [Cell(c.table, c.row, c.col, c.value, c.raw, c.note, c.source) for c in report.cells]
    return dataclasses.replace(report, cells=cells)
