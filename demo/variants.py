"""A varied corpus of rendered reports with their truth, for measuring the parsers cell by cell.

Each *variant* is one realistic way sites publish a report (FORMAT.md "Hazards", SITES.md §3):

==================  ======  ==============================================================
variant             format  what it exercises
==================  ======  ==============================================================
html_word           html    Word paste in a TRS_Editor article inside page chrome (nav,
                            related links with other report titles, footer), PubDate meta,
                            span/font/<o:p> markup, header words split over <p>
html_layout_table   html    UEditor plain tables inside an old layout <table> (no known
                            container class), "发布日期：" in the chrome, &nbsp; padding cells
html_hazards        html    number and label hazards: full-width digits, "-", "—", "/",
                            "无" and blank zeros, "72余", "22（其中修订16件）", thousands
                            separators, "1、" numbering, the typo "其他法律行政止公开", rows of
                            a block in another order, a missing row, an extra row
html_2019           html    the 2019–2020 trial format: its own 表二 columns and rows, one
                            （六）其他处理 row
pdf_ruled           pdf     reportlab/WPS-like ruled PDF, 表三 broken across pages at any row
                            (merged labels split by the break)
pdf_unruled         pdf     the same as a 三线表: no vertical rules, no row rules; cells only
                            from word positions (labels wrapped over lines, centred headers)
docx_merged         docx    python-docx with gridSpan/vMerge merged cells
text_tsv            text    a "文字版": tab-separated rows, merged cells as empty cells
pre2019             html    a 2008–2018 free-form report with a provincial 统计表: stored as
                            text, never forced into the 2021 tables
doc_libreoffice     doc     the DOCX converted to Word 97 .doc by LibreOffice (few: ~1 s each;
                            only when LibreOffice is installed)
==================  ======  ==============================================================

``build(n)`` returns :class:`Case` objects; ``write(folder)`` stores them with ``truth.json``.
Everything is seeded: a seed always gives the same corpus.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from demo.corpus import Agency, TruthReport, format_number, make_truth
from demo.layout import t2_layout_2019, t3_layout
from nianbao import form
from nianbao.model import Cell, Report

# Real cities (the agencies are invented): administrative division codes of the city.
CITIES: tuple[tuple[str, str, str], ...] = (
    ("江苏省", "淮安市", "320800"),
    ("江苏省", "南京市", "320100"),
    ("江苏省", "苏州市", "320500"),
    ("宁夏回族自治区", "石嘴山市", "640200"),
    ("浙江省", "杭州市", "330100"),
    ("四川省", "成都市", "510100"),
    ("河南省", "郑州市", "410100"),
    ("湖南省", "长沙市", "430100"),
    ("山东省", "济南市", "370100"),
    ("福建省", "福州市", "350100"),
)
DEPARTMENTS = (
    "财政局",
    "教育局",
    "生态环境局",
    "应急管理局",
    "市场监督管理局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "人力资源和社会保障局",
    "交通运输局",
    "卫生健康委员会",
)

VARIANTS = (
    "html_word",
    "html_layout_table",
    "html_hazards",
    "html_2019",
    "pdf_ruled",
    "pdf_unruled",
    "docx_merged",
    "text_tsv",
    "pre2019",
    "doc_libreoffice",
)
# Share of the corpus per variant (doc_libreoffice is a fixed handful).
WEIGHTS = {
    "html_word": 16,
    "html_layout_table": 12,
    "html_hazards": 16,
    "html_2019": 11,
    "pdf_ruled": 13,
    "pdf_unruled": 8,
    "docx_merged": 11,
    "text_tsv": 11,
    "pre2019": 6,
}
DOC_CASES = 4
EXT = {"html": "html", "pdf": "pdf", "docx": "docx", "text": "txt", "doc": "doc"}
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Case:
    """One rendered report and what a correct parser must read from it."""

    id: str
    variant: str
    doc_format: str
    filename: str
    url: str
    data: bytes
    truth: Report  # cells: expected value and printed text
    region: str = ""
    region_code: str = ""
    expect_published: bool = False  # the rendering carries the publication date
    expect_missing: list[str] = field(default_factory=list)  # "t3.withheld_admin_query"
    expect_extra: int = 0  # rows the form does not have
    hazards: list[str] = field(default_factory=list)
    # the hard-rule failures a correct checker finds in the parsed report, as
    # {"rule", "scope"} (demo.corpus.apply_defect's record; [] for a clean report)
    expect_findings: list[dict] = field(default_factory=list)

    def truth_dict(self) -> dict:
        d = {
            k: getattr(self, k)
            for k in (
                "id",
                "variant",
                "doc_format",
                "filename",
                "url",
                "region",
                "region_code",
                "expect_published",
                "expect_missing",
                "expect_extra",
                "hazards",
                "expect_findings",
            )
        }
        d["report"] = self.truth.to_dict()
        return d


# --- agencies and truth --------------------------------------------------------------------
def _agency(rng: random.Random) -> tuple[Agency, str, str]:
    prov, city, code = rng.choice(CITIES)
    if rng.random() < 0.35:
        name, short, level = f"{city}人民政府", "市政府", "government"
    else:
        name, short, level = f"{city}{rng.choice(DEPARTMENTS)}", "本局", "department"
    size = rng.choice(("large", "medium", "medium", "small", "zero"))
    return Agency(name, short, f"{prov}{city}", level, size), prov + city, code


def _published(rng: random.Random, year: int) -> str:
    return f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"


def _signed(truth: TruthReport) -> None:
    """Sign the report with the agency and date at its end (as published reports do)."""
    rep = truth.report
    y, m, d = rep.published.split("-")
    truth.sections[-1].paragraphs += [rep.agency, f"{int(y)}年{int(m)}月{int(d)}日"]


# --- page chrome -----------------------------------------------------------------------------
def _nav(agency: str, year: int) -> str:
    links = "".join(
        f'<li><a href="/xxgk/{y}/index.html">{agency}{y}年政府信息公开工作年度报告</a></li>'
        for y in (year - 1, year - 2)
    )
    return (
        f'<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; '
        f'<a href="/xxgk/ndbg/">政府信息公开年报</a></div>'
        f'<div class="related"><h3>相关链接</h3><ul>{links}</ul></div>'
    )


def page_trs(title: str, published: str, article: str, agency: str, year: int) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}_{escape(agency)}</title>"
        f'<meta name="PubDate" content="{published} 09:30">'
        f'<meta name="SiteName" content="{escape(agency)}">'
        f'</head><body><div class="header"><ul class="menu"><li>首页</li><li>政务公开</li>'
        f"<li>政务服务</li><li>互动交流</li></ul></div>{_nav(agency, year)}"
        f'<div class="article"><h1>{escape(title)}</h1><div class="info">来源：{escape(agency)}　'
        '浏览次数：128</div><div class="article_content">'
        f'<div class="TRS_Editor">{article}</div></div></div>'
        f'<div class="footer"><p>版权所有：{escape(agency)}　主办单位：{escape(agency)}办公室</p>'
        f"<p>网站标识码：3208000001　ICP备案：苏ICP备05000001号</p></div></body></html>"
    )


def page_layout_table(title: str, published: str, article: str, agency: str, year: int) -> str:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        f'<table width="980" border="0" cellspacing="0" cellpadding="0" align="center"><tr>'
        f'<td class="top">{escape(agency)} 首页 | 政务公开 | 办事服务</td></tr>'
        '<tr><td><table width="100%" border="0"><tr>'
        f'<td width="220" valign="top">{_nav(agency, year)}</td>'
        '<td valign="top"><table width="100%"><tr>'
        f'<td align="center" class="title">{escape(title)}</td></tr>'
        f'<tr><td align="center">发布日期：{published}　来源：{escape(agency)}</td></tr>'
        f'<tr><td class="bt_content">{article}</td></tr></table></td></tr></table></td></tr>'
        f'<tr><td class="foot">主办：{escape(agency)}办公室</td></tr></table></body></html>'
    )


# --- hazards -------------------------------------------------------------------------------
BLANK_MARKS = ("-", "—", "/", "无", "")


def _hazard_numbers(rng: random.Random, rep: Report, hazards: list[str]) -> None:
    """Rewrite printed cells the way real reports print them; the truth value follows."""
    zeros = [c for c in rep.cells if c.value == 0 and c.table in (form.T3, form.T4)]
    for c in rng.sample(zeros, min(len(zeros), rng.randint(3, 12))):
        mark = rng.choice(BLANK_MARKS)
        c.raw, c.value = mark, None
        hazards.append(f"blank '{mark}'")
    counts = [c for c in rep.cells if isinstance(c.value, int) and c.value > 0]
    for c in rng.sample(counts, min(len(counts), rng.randint(2, 8))):
        c.raw = str(c.value).translate(FULLWIDTH)
        hazards.append("full-width digits")
    big = [c for c in rep.cells if isinstance(c.value, int) and c.value >= 1000]
    for c in big:
        c.raw = f"{c.value:,}"
        hazards.append("thousands separator")
    nd = rep.cell(form.T2, "normative_documents", "issued")
    if nd.value and nd.value > 1:
        nd.raw = f"{nd.value}（其中修订{rng.randint(1, nd.value)}件）"
        hazards.append("note inside a cell")
    lic = rep.cell(form.T2, "licensing", "decisions")
    if lic.value and lic.value > 10 and rng.random() < 0.6:
        lic.raw = f"{lic.value}余"
        hazards.append("qualifier 余")


def _hazard_t3_layout(rng: random.Random, truth: TruthReport, case: dict) -> object:
    rows = list(form.T3_ROWS)
    labels: dict[str, str] = {}
    hazards = case["hazards"]
    # "1、" numbering in a whole block, and the typo of 2.其他法律行政法规禁止公开
    for r in rows:
        if r.block == "（五）不予处理":
            labels[r.key] = r.label.replace(".", "、", 1)
    labels["withheld_prohibited_by_law"] = "2.其他法律行政止公开"
    truth.report.row_labels[f"{form.T3}.withheld_prohibited_by_law"] = "2.其他法律行政止公开"
    hazards += ["numbering '1、'", "label typo"]
    # two sub-rows of （四） in another order
    i = next(i for i, r in enumerate(rows) if r.key == "unavailable_not_held")
    rows[i], rows[i + 1] = rows[i + 1], rows[i]
    hazards.append("rows in another order")
    # a row left out (its cells are then missing, not zero), when its values are all zero
    rep = truth.report
    if rng.random() < 0.5 and all(
        rep.value(form.T3, "withheld_admin_query", c) == 0
        for c in form.T3_APPLICANT_COLUMNS + ("total",)
    ):
        rows = [r for r in rows if r.key != "withheld_admin_query"]
        rep.cells = [
            c for c in rep.cells if not (c.table == form.T3 and c.row == "withheld_admin_query")
        ]
        case["expect_missing"].append("t3.withheld_admin_query")
        hazards.append("missing row")
    extra = {}
    if rng.random() < 0.6:
        # an extra row the form does not have: 其中：网上申请 under 本年新收
        k = next(i for i, r in enumerate(rows) if r.key == "new_requests")
        rows.insert(k + 1, form.Row("x_online", "其中：通过网络提交的申请", "", ()))
        extra["x_online"] = [str(rng.randint(0, 3)) for _ in form.T3_COLUMNS]
        case["expect_extra"] += 1
        hazards.append("extra row")
    return t3_layout(rep, rows=rows, labels=labels, extra_values=extra)


# --- the 2019 trial format -----------------------------------------------------------------
def _to_2019(rng: random.Random, truth: TruthReport) -> dict:
    rep = truth.report
    rep.format_version = form.FORMAT_2019
    gov = rep.agency.endswith("人民政府")
    cells = []
    for r in form.T2_ROWS_2019:
        for col in r.columns:
            if col == "procurement_amount":
                v = (
                    round(rng.uniform(0, 5000), rng.choice((0, 1, 2)))
                    if rng.random() < 0.7
                    else 0.0
                )
            elif col == "change":
                v = rng.randint(-5, 8)
            elif col in ("new_made", "new_published"):
                v = rng.randint(0, 30 if gov else 5) if r.key != "regulations" or gov else 0
            else:
                v = rng.randint(0, 3000 if col == "decisions" else 200)
            cells.append(Cell(form.T2, r.key, col, v, raw=format_number(v)))
    # 表三: the three （六） sub-rows become the one row of the trial format
    t3 = [c for c in rep.cells if c.table == form.T3]
    single = {
        col: sum(rep.value(form.T3, k, col) for k in form.T3_OTHER_SPLIT)
        for col in (c.key for c in form.T3_COLUMNS)
    }
    new_t3 = []
    for c in t3:
        if c.row == "other_no_correction":
            new_t3 += [
                Cell(form.T3, "other_single", col, v, raw=format_number(v))
                for col, v in single.items()
            ]
        if c.row not in form.T3_OTHER_SPLIT:
            new_t3.append(c)
    rep.cells = cells + new_t3 + [c for c in rep.cells if c.table == form.T4]
    truth.intro = [
        p.replace("（国办公开办函〔2021〕30号）", "（国办公开办函〔2019〕60号）").replace(
            "年度报告格式〉", "年度报告格式（试行）〉"
        )
        for p in truth.intro
    ]
    rows = list(form.T3_ROWS)
    i = next(i for i, r in enumerate(rows) if r.key == "other_no_correction")
    rows[i : i + 3] = [form.T3_OTHER_SINGLE]
    return {form.T2: t2_layout_2019(rep), form.T3: t3_layout(rep, rows=rows)}


# --- pre-2019 ------------------------------------------------------------------------------
def _pre2019_article(rng: random.Random, agency: Agency, year: int) -> str:
    n_pub, n_req = rng.randint(100, 3000), rng.randint(0, 200)
    paras = [
        (
            "一、概述",
            f"{year}年，{agency.short}认真贯彻落实《中华人民共和国政府信息公开条例》，"
            "进一步完善工作机制，政府信息公开工作稳步推进。",
        ),
        (
            "二、主动公开政府信息情况",
            f"全年主动公开政府信息{n_pub}条，其中通过政府网站公开{n_pub // 2}条。",
        ),
        ("三、依申请公开政府信息情况", f"全年共受理政府信息公开申请{n_req}件，均已按期答复。"),
        ("四、政府信息公开的收费及减免情况", "本年度未收取政府信息公开相关费用。"),
        (
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
            "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
        ),
        (
            "六、政府信息公开工作存在的主要问题及改进情况",
            "部分信息公开还不够及时，下一步将进一步加强培训。",
        ),
    ]
    body = "".join(f"<p><strong>{h}</strong></p><p>{t}</p>" for h, t in paras)
    rows = [
        ("主动公开政府信息数", "条", n_pub, n_pub * rng.randint(4, 9)),
        ("其中：主动公开规范性文件数", "条", rng.randint(0, 40), rng.randint(40, 400)),
        ("收到申请数", "件", n_req, n_req * rng.randint(3, 8)),
        ("其中：当面申请数", "件", n_req // 3, n_req),
        ("对申请作出答复数", "件", n_req, n_req * 5),
        ("行政复议数", "件", 0, rng.randint(0, 5)),
        ("行政诉讼数", "件", 0, rng.randint(0, 3)),
    ]
    table = (
        "<table border=1><tr><td>指标名称</td><td>计量单位</td>"
        "<td>本年度</td><td>历年累计</td></tr>"
        + "".join(
            f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in rows
        )
        + "</table>"
    )
    return body + f"<p>附表：{year}年度政府信息公开工作统计表</p>" + table


# --- building ------------------------------------------------------------------------------
# A DOCX → Word 97 converter: (docx bytes, "docx", "doc", workdir=…) → bytes or None, e.g.
# parsers.convert.convert_with_libreoffice. Passed in by the caller: nothing in the corpus
# modules imports the parsers, so the corpus cannot share their assumptions.
Converter = Callable[..., "bytes | None"]


def _plan(n: int) -> list[str]:
    total = sum(WEIGHTS.values())
    plan: list[str] = []
    for v, w in WEIGHTS.items():
        plan += [v] * max(1, round(n * w / total))
    return plan


def build(
    n: int = 320,
    seed: int = 2024,
    with_doc: bool | None = None,
    variants: tuple[str, ...] | None = None,
    per_variant: int | None = None,
    convert: Converter | None = None,
) -> list[Case]:
    """The corpus: about ``n`` cases over the variants (``per_variant`` overrides the weights).
    ``with_doc``: add the .doc cases, converted by ``convert`` (default: when a converter is
    given and soffice is installed)."""
    from demo.render_docx import render_docx
    from demo.render_html import PLAIN, WORD, article_html
    from demo.render_pdf import render_pdf
    from demo.render_text import render_text

    rng = random.Random(seed)
    if with_doc is None:
        with_doc = convert is not None and shutil.which("soffice") is not None
    if with_doc and convert is None:
        raise ValueError("the .doc cases need a converter (convert=…)")
    if per_variant:
        plan = [v for v in WEIGHTS for _ in range(per_variant)]
    else:
        plan = _plan(n)
    if with_doc:
        plan += ["doc_libreoffice"] * (per_variant or DOC_CASES)
    if variants:
        plan = [v for v in plan if v in variants]
    cases: list[Case] = []
    for i, variant in enumerate(plan):
        agency, region, code = _agency(rng)
        fmt = {
            "pdf_ruled": "pdf",
            "pdf_unruled": "pdf",
            "docx_merged": "docx",
            "text_tsv": "text",
            "doc_libreoffice": "doc",
        }.get(variant, "html")
        if variant == "pre2019":
            year = rng.randint(2009, 2018)
        elif variant == "html_2019":
            year = rng.choice((2019, 2020))
        else:
            year = rng.randint(2021, 2024)
        published = _published(rng, year)
        cid = f"{i:04d}-{variant}"
        url = (
            f"http://www.example.gov.cn/xxgk/ndbg/{year + 1}{published[5:7]}/"
            f"t{published.replace('-', '')}_{100000 + i}.html"
        )
        case = {"expect_missing": [], "expect_extra": 0, "hazards": []}
        if variant == "pre2019":
            title = f"{agency.name}{year}年政府信息公开工作年度报告"
            article = (
                f"<p align=center>{escape(title)}</p>"
                + _pre2019_article(rng, agency, year)
                + f"<p>{agency.name}</p>"
                f"<p>{published[:4]}年{int(published[5:7])}月{int(published[8:])}日</p>"
            )
            data = page_trs(title, published, article, agency.name, year).encode()
            truth = Report(
                status="no_tables",
                title=title,
                agency=agency.name,
                year=year,
                format_version=form.FORMAT_PRE2019,
                published=published,
                doc_format="html",
                level=agency.level,
            )
            cases.append(
                Case(
                    cid,
                    variant,
                    "html",
                    f"{cid}.html",
                    url,
                    data,
                    truth,
                    region,
                    code,
                    expect_published=True,
                )
            )
            continue
        truth = make_truth(rng, agency, year, published, fmt if fmt != "doc" else "doc")
        truth.report.level = agency.level
        _signed(truth)
        layouts = None
        if variant == "html_hazards":
            _hazard_numbers(rng, truth.report, case["hazards"])
            layouts = {form.T3: _hazard_t3_layout(rng, truth, case)}
        elif variant == "html_2019":
            layouts = _to_2019(rng, truth)
        title = truth.report.title
        if fmt == "html":
            style = PLAIN if variant == "html_layout_table" else WORD
            article = article_html(truth, style, layouts=layouts)
            page = page_layout_table if variant == "html_layout_table" else page_trs
            data = page(title, published, article, agency.name, year).encode()
        elif fmt == "pdf":
            data = render_pdf(truth, layouts, ruled=variant != "pdf_unruled")
        elif fmt == "docx":
            data = render_docx(truth, layouts)
        elif fmt == "text":
            data = render_text(truth, layouts)
        else:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                data = convert(render_docx(truth, layouts), "docx", "doc", workdir=Path(tmp))
            if data is None:
                continue
        truth.report.doc_format = fmt
        cases.append(
            Case(
                cid,
                variant,
                fmt,
                f"{cid}.{EXT[fmt]}",
                url,
                data,
                truth.report,
                region,
                code,
                expect_published=fmt in ("html", "text", "pdf", "docx", "doc"),
                **case,
            )
        )
    return cases


def write(cases: list[Case], folder: str | Path) -> Path:
    """Store the files and ``truth.json`` (one entry per case) in ``folder``."""
    out = Path(folder)
    (out / "files").mkdir(parents=True, exist_ok=True)
    for c in cases:
        (out / "files" / c.filename).write_bytes(c.data)
    (out / "truth.json").write_text(
        json.dumps([c.truth_dict() for c in cases], ensure_ascii=False, indent=1, default=str),
        encoding="utf-8",
    )
    return out


def _replace(report: Report, **kw) -> Report:
    return dataclasses.replace(report, **kw)
