"""The report form of 国办公开办函〔2021〕30号 as data.

Every row and column of the three standard tables, with its canonical key (the
project's contract, see docs/format.md and ../shared/FORMAT.md) and the label
printed on the form. Parsers match labels against these tables, checks
iterate over them, the database and the demo generator render from them.
Nothing else in the project should spell a row key or a label by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

# Format versions (see FORMAT.md, "Legal basis and format versions").
FORMAT_2021 = "2021"  # 国办公开办函〔2021〕30号
FORMAT_2019 = "2019"  # 国办公开办函〔2019〕60号 trial format
FORMAT_PRE2019 = "pre2019"  # free-form, provincial tables; stored as text only
FORMAT_UNKNOWN = "unknown"

T2, T3, T4 = "t2", "t3", "t4"
TABLE_TITLES = {
    T2: "二、主动公开政府信息情况",
    T3: "三、收到和处理政府信息公开申请情况",
    T4: "四、政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class Row:
    """One row of a standard table: canonical key, printed label, the block it sits in."""

    key: str
    label: str
    block: str = ""
    columns: tuple[str, ...] = ()


# Column domains: what a printed cell of the column may hold (the DOMAIN rule reads these).
COUNT = "count"  # a non-negative integer: documents, decisions, requests, cases
AMOUNT = "amount"  # a non-negative decimal, in the column's unit
SIGNED = "signed"  # an integer of either sign: the trial format's 本年增/减
DOMAINS = (COUNT, AMOUNT, SIGNED)

# Units of amounts, in 元: a value printed in one unit is converted to its column's unit.
YUAN_PER_UNIT = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


@dataclass(frozen=True)
class Column:
    """One column of a standard table: key, printed label, domain and unit.

    ``unit`` is the unit the form prints for the column (万元 for 表二's fees); None for an
    amount means the form fixes none (the trial format's 采购总金额): the value is kept in
    the unit printed in the report."""

    key: str
    label: str
    domain: str = COUNT
    unit: str | None = "件"

    @property
    def decimal(self) -> bool:
        return self.domain == AMOUNT


# --- 表二 主动公开政府信息情况 -------------------------------------------------
T2_COLUMNS = {
    "issued": Column("issued", "本年制发件数"),
    "repealed": Column("repealed", "本年废止件数"),
    "in_force": Column("in_force", "现行有效件数"),
    "decisions": Column("decisions", "本年处理决定数量"),
    "amount_10k_yuan": Column("amount_10k_yuan", "本年收费金额（单位：万元）", AMOUNT, "万元"),
}
_DOC_COLS = ("issued", "repealed", "in_force")
T2_ROWS: tuple[Row, ...] = (
    Row("regulations", "规章", "第二十条第（一）项", _DOC_COLS),
    Row("normative_documents", "行政规范性文件", "第二十条第（一）项", _DOC_COLS),
    Row("licensing", "行政许可", "第二十条第（五）项", ("decisions",)),
    Row("penalties", "行政处罚", "第二十条第（六）项", ("decisions",)),
    Row("enforcement", "行政强制", "第二十条第（六）项", ("decisions",)),
    Row("fees", "行政事业性收费", "第二十条第（八）项", ("amount_10k_yuan",)),
)

# --- 表三 收到和处理政府信息公开申请情况 (25 rows x 7 columns) ---------------------
T3_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("public_interest", "社会公益组织"),
    Column("legal_services", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
T3_APPLICANT_COLUMNS = tuple(c.key for c in T3_COLUMNS if c.key != "total")
_T3 = tuple(c.key for c in T3_COLUMNS)
_R = "三、本年度办理结果"
T3_ROWS: tuple[Row, ...] = (
    Row("new_requests", "一、本年新收政府信息公开申请数量", "", _T3),
    Row("carried_over", "二、上年结转政府信息公开申请数量", "", _T3),
    Row("granted", "（一）予以公开", _R, _T3),
    Row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", _R, _T3),
    Row("withheld_state_secret", "1.属于国家秘密", "（三）不予公开", _T3),
    Row("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开", "（三）不予公开", _T3),
    Row("withheld_three_safeties", "3.危及“三安全一稳定”", "（三）不予公开", _T3),
    Row("withheld_third_party", "4.保护第三方合法权益", "（三）不予公开", _T3),
    Row("withheld_internal_affairs", "5.属于三类内部事务信息", "（三）不予公开", _T3),
    Row("withheld_process_info", "6.属于四类过程性信息", "（三）不予公开", _T3),
    Row("withheld_enforcement_file", "7.属于行政执法案卷", "（三）不予公开", _T3),
    Row("withheld_admin_query", "8.属于行政查询事项", "（三）不予公开", _T3),
    Row("unavailable_not_held", "1.本机关不掌握相关政府信息", "（四）无法提供", _T3),
    Row("unavailable_needs_creation", "2.没有现成信息需要另行制作", "（四）无法提供", _T3),
    Row("unavailable_unclear", "3.补正后申请内容仍不明确", "（四）无法提供", _T3),
    Row("rejected_complaint", "1.信访举报投诉类申请", "（五）不予处理", _T3),
    Row("rejected_duplicate", "2.重复申请", "（五）不予处理", _T3),
    Row("rejected_publication", "3.要求提供公开出版物", "（五）不予处理", _T3),
    Row("rejected_excessive", "4.无正当理由大量反复申请", "（五）不予处理", _T3),
    Row("rejected_reconfirm", "5.要求行政机关确认或重新出具已获取信息", "（五）不予处理", _T3),
    Row(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "（六）其他处理",
        _T3,
    ),
    Row(
        "other_no_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "（六）其他处理",
        _T3,
    ),
    Row("other_other", "3.其他", "（六）其他处理", _T3),
    Row("total", "（七）总计", _R, _T3),
    Row("carried_forward", "四、结转下年度继续办理", "", _T3),
)
# The trial format (2019-2020) has one （六）其他处理 row instead of three.
T3_OTHER_SINGLE = Row("other_single", "（六）其他处理", _R, _T3)
T3_OTHER_SPLIT = ("other_no_correction", "other_no_fee", "other_other")
# Result rows summed by T3-RESULTS: everything between 予以公开 and 总计.
T3_RESULT_ROWS = tuple(r.key for r in T3_ROWS[2:23])

# --- 表四 行政复议、行政诉讼 (one row of 15 numbers) ----------------------------
T4_GROUPS: tuple[Column, ...] = (
    Column("review", "行政复议"),
    Column("litigation_direct", "行政诉讼 未经复议直接起诉"),
    Column("litigation_after_review", "行政诉讼 复议后起诉"),
)
T4_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
T4_PARTS = ("upheld", "corrected", "other", "pending")
T4_ROWS: tuple[Row, ...] = tuple(
    Row(g.key, g.label, "", tuple(c.key for c in T4_COLUMNS)) for g in T4_GROUPS
)

# --- 表五 信息处理费收取情况 (an inserted section in some reports on 2025) ------------------------
# Not on the 2021 form: some agencies insert a section 五、信息处理费收取情况 with a one-row
# table, after which 存在的主要问题 becomes 六 and 其他需要报告的事项 七.
T5 = "t5"
T5_TITLE = "五、信息处理费收取情况"
T5_COLUMNS = {
    "notified_count": Column("notified_count", "通知收取件数"),
    "notified_amount_yuan": Column("notified_amount_yuan", "通知收取金额（元）", AMOUNT, "元"),
    "collected_amount_yuan": Column("collected_amount_yuan", "实际收取金额（元）", AMOUNT, "元"),
}
T5_ROWS: tuple[Row, ...] = (Row("processing_fees", "信息处理费", "", tuple(T5_COLUMNS)),)
OPTIONAL_TABLES = (T5,)  # printed by some reports only: never recorded missing when absent

ROWS = {T2: T2_ROWS, T3: T3_ROWS, T4: T4_ROWS, T5: T5_ROWS}


def expected_cells(table: str, fmt: str = FORMAT_2021) -> list[tuple[str, str]]:
    """Every (row key, column key) a complete table of this format holds, in form order."""
    rows = list(ROWS[table])
    if table == T3 and fmt == FORMAT_2019:
        i = next(i for i, r in enumerate(rows) if r.key == "other_no_correction")
        rows[i : i + 3] = [T3_OTHER_SINGLE]
    return [(r.key, c) for r in rows for c in r.columns]


# --- 表二 of the 2019–2020 trial format (国办公开办函〔2019〕60号) ------------------------
# Its own columns and two extra rows; parsed into these keys, never into the 2021 columns.
# 本年增/减 may be negative (a net decrease): it is the one signed column of the form.
T2_COLUMNS_2019 = {
    "new_made": Column("new_made", "本年新制作数量"),
    "new_published": Column("new_published", "本年新公开数量"),
    "published_total": Column("published_total", "对外公开总数量"),
    "prev_items": Column("prev_items", "上一年项目数量"),
    "change": Column("change", "本年增/减", SIGNED),
    "decisions": Column("decisions", "处理决定数量"),
    "procurement_items": Column("procurement_items", "采购项目数量"),
    "procurement_amount": Column("procurement_amount", "采购总金额", AMOUNT, None),
}
_DOC_COLS_2019 = ("new_made", "new_published", "published_total")
_ITEM_COLS_2019 = ("prev_items", "change", "decisions")
T2_ROWS_2019: tuple[Row, ...] = (
    Row("regulations", "规章", "第二十条第（一）项", _DOC_COLS_2019),
    Row("normative_documents", "规范性文件", "第二十条第（一）项", _DOC_COLS_2019),
    Row("licensing", "行政许可", "第二十条第（五）项", _ITEM_COLS_2019),
    Row("other_services", "其他对外管理服务事项", "第二十条第（五）项", _ITEM_COLS_2019),
    Row("penalties", "行政处罚", "第二十条第（六）项", _ITEM_COLS_2019),
    Row("enforcement", "行政强制", "第二十条第（六）项", _ITEM_COLS_2019),
    Row("fees", "行政事业性收费", "第二十条第（八）项", ("prev_items", "change")),
    Row(
        "procurement",
        "政府集中采购",
        "第二十条第（九）项",
        ("procurement_items", "procurement_amount"),
    ),
)


def expected_cells_2019_t2() -> list[tuple[str, str]]:
    """Every (row key, column key) of a complete trial-format 表二."""
    return [(r.key, c) for r in T2_ROWS_2019 for c in r.columns]


def column(table: str, col: str, fmt: str = FORMAT_2021) -> Column | None:
    """The declaration of a column of ``table`` for a report of format ``fmt``.

    表二's columns differ between the 2021 form and the 2019 trial format; a report that mixes
    them (format drift) still gets each column's own declaration: the version's columns are
    looked up first, then the other version's."""
    if table == T2:
        first, second = (
            (T2_COLUMNS_2019, T2_COLUMNS) if fmt == FORMAT_2019 else (T2_COLUMNS, T2_COLUMNS_2019)
        )
        return first.get(col) or second.get(col)
    if table == T5:
        return T5_COLUMNS.get(col)
    cols = T3_COLUMNS if table == T3 else T4_COLUMNS if table == T4 else ()
    return next((c for c in cols if c.key == col), None)


def is_decimal(table: str, col: str, fmt: str = FORMAT_2021) -> bool:
    """True for amount columns (decimals allowed); every other cell is an integer."""
    c = column(table, col, fmt)
    return c is not None and c.domain == AMOUNT


def domain(table: str, col: str, fmt: str = FORMAT_2021) -> str:
    """The column's domain (COUNT, AMOUNT or SIGNED); an unknown column is a count."""
    c = column(table, col, fmt)
    return c.domain if c is not None else COUNT
