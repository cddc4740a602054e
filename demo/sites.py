"""Build the demo municipal sites on disk: ``root/sites/<site_id>/…`` and ``root/truth.json``.

Two CMS families, laid out the way the crawler expects (see the module docs of
:func:`build_demo` and docs in the project brief):

- TRS (``cms: trs``): static list pages ``/zwgk/zfxxgk/zfxxgknb/index.html``, ``index_1.html``…
  with ``createPageHTML(N, CUR, "index", "html")``; detail pages
  ``/zwgk/zfxxgk/zfxxgknb/YYYYMM/tYYYYMMDD_ID.html``; attachments ``./P0….pdf|docx``.
- Hanweb (``cms: hanweb``): column page ``/col/col{COLUMNID}/index.html`` with a
  ``<datastore>`` of the first ``perpage`` records, the rest through the POST endpoint
  ``/module/web/jpage/dataproxy.jsp`` (served by demo.server from ``_site.json``); detail
  pages ``/art/YYYY/M/D/art_{COLUMNID}_{ARTID}.html``; attachments ``/picture/0/{hash}.pdf``.

- JSP query paging (``cms: jsp``): ``/info/iList.jsp?cat_id=N&cur_page=K`` (served by
  demo.server from ``_pages/ilist/K.html``), ``var totalPage = N``; detail pages
  ``/info/N/ID.htm``; PDFs shown through ``<embed>``; list pages served with a wrong
  ``charset=utf-8`` header over GBK bytes (their ``<meta>`` says gb2312).
- Generic (``cms: generic``): no CMS pattern: home page → 政务公开 → 政府信息公开年报 list
  ``/zwgk/xxgknb/list.html`` with 下一页 links to ``list_2.html``…; detail pages
  ``/zwgk/xxgknb/content/post_ID.html``; PDFs in a ``viewer.html?file=`` iframe; an
  off-domain mirror link; one report linked through an old URL that redirects.

Files whose name starts with ``_`` (``_site.json``, ``_pages/``) are server configuration
or query-addressed pages, never served by their own path. ``root/state2/<site>/`` holds the
files that differ in the second state of the sites (a report replaced by a corrected
version): ``DemoServer(root, state=2)`` serves them instead.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html import escape
from pathlib import Path

from demo import corpus
from demo.corpus import Agency, TruthReport
from demo.families import DEMO_FAMILIES, DemoFamily
from demo.pages import detail_page, home_page
from demo.render_html import PLAIN, WORD, article_html
from nianbao.model import STATUS_ERROR, STATUS_FETCH_ERROR, STATUS_NO_TABLES

HTML, PDF, DOCX = "html", "pdf", "docx"
FORMATS = (HTML, PDF, DOCX)
TRS, HANWEB, JSP, GENERIC = "trs", "hanweb", "jsp", "generic"
FAMILIES = (TRS, HANWEB, JSP, GENERIC)
ROBOTS_TXT = "User-agent: *\nDisallow: /search/\nDisallow: /private/\n"
PER_PAGE = 3  # list items per page: small, so paging is exercised
CST = timezone(timedelta(hours=8))

# The default demo: (site id, agency, short name, region, level, size, cms, encoding).
DEFAULT_SITES = (
    ("qinghe-gov", "清河市人民政府", "市政府", "示范省清河市", "government", "large", TRS, "utf-8"),
    (
        "qinghe-yjj",
        "清河市应急管理局",
        "市应急管理局",
        "示范省清河市",
        "department",
        "zero",
        TRS,
        "gbk",
    ),
    (
        "yunxi-gov",
        "云溪县人民政府",
        "县政府",
        "示范省云溪县",
        "government",
        "medium",
        HANWEB,
        "utf-8",
    ),
    (
        "yunxi-fgj",
        "云溪县发展和改革局",
        "县发展和改革局",
        "示范省云溪县",
        "department",
        "small",
        HANWEB,
        "utf-8",
    ),
    ("baishi-gov", "白石县人民政府", "县政府", "示范省白石县", "government", "medium", JSP, "gbk"),
    (
        "songlin-sjj",
        "松林市审计局",
        "市审计局",
        "示范省松林市",
        "department",
        "small",
        GENERIC,
        "utf-8",
    ),
)
DEFAULT_AGENCIES = len(DEFAULT_SITES)
# Deliberate inconsistencies of the default demo: (site index, year index) -> defect.
DEFAULT_DEFECTS = {
    (0, 0): corpus.DEFECT_NEGATIVE,
    (0, 2): corpus.DEFECT_BALANCE,  # the last year, so no later 上年结转 continues from it
    (1, 1): corpus.DEFECT_T4_SUM,
    (2, 1): corpus.DEFECT_RESULTS,
    (3, 0): corpus.DEFECT_ROWSUM,
}
# The report replaced at the same URL by a corrected version in state 2: (site, year index).
CORRECTED = (1, 2)
# Invented place names for larger corpora (first char x second char, with pinyin).
_FIRST = dict(
    zip(
        "青鹤枫玉金望星朗桐檀棠苇岚榕槐霁澄杉蓼荻柘菱芸砚",
        "qing he feng yu jin wang xing lang tong tan tang wei lan rong huai ji cheng shan "
        "liao di zhe ling yun yan".split(),
    )
)
_SECOND = dict(
    zip("汀渡湾澜渚屿浦泽桥岭塘湖", "ting du wan lan zhu yu pu ze qiao ling tang hu".split())
)
_DEPARTMENTS = (
    ("应急管理局", "yjj"),
    ("发展和改革局", "fgj"),
    ("教育局", "jyj"),
    ("财政局", "czj"),
    ("生态环境局", "sthjj"),
    ("自然资源和规划局", "zrzyj"),
    ("住房和城乡建设局", "zjj"),
    ("交通运输局", "jtj"),
    ("卫生健康委员会", "wjw"),
    ("市场监督管理局", "scjgj"),
    ("人力资源和社会保障局", "rsj"),
    ("民政局", "mzj"),
    ("司法局", "sfj"),
    ("农业农村局", "nyncj"),
)
_NEWS = (
    "关于开展政务公开业务培训的通知",
    "关于印发{year}年政务公开工作要点的通知",
    "关于公布政府信息公开指南的公告",
)


@dataclass
class Site:
    """One demo site: an agency, its CMS family and where its reports column lives."""

    id: str
    agency: Agency
    cms: str
    encoding: str
    hanweb: dict | None = None  # columnid, unitid, webid, perpage, webname
    site_code: str = ""  # 网站标识码
    catid: int = 0  # jsp: the list's cat_id
    per_page: int = PER_PAGE  # list items per page

    @property
    def family(self) -> DemoFamily:
        """How this site's CMS family looks (demo.families)."""
        return DEMO_FAMILIES[self.cms](self)

    @property
    def start_path(self) -> str:
        return self.family.start_path

    @property
    def list_path(self) -> str:
        """Where the reports column is linked from the page chrome."""
        return self.family.list_path

    @property
    def prefix(self) -> str:
        return self.family.prefix

    def source(self) -> dict:
        """The truth.json entry (demo.server turns it into a sources.yaml entry)."""
        d = {
            "id": self.id,
            "agency": self.agency.name,
            "region": self.agency.region,
            "level": self.agency.level,
            "cms": self.cms,
            "encoding": self.encoding,
            "site_path_prefix": self.prefix,
            "start_path": self.start_path,
        }
        d.update(self.family.registry_options())
        return d


@dataclass
class Item:
    """One entry of a site's list: a report, a bad document or an unrelated notice."""

    title: str
    published: datetime
    page_path: str = ""
    url_date: date | None = None
    kind: str = "report"  # report | news | bad
    body: str = ""  # article HTML (inside the CMS's content container)
    write_page: bool = True
    link_path: str = ""  # the list links here instead (an old, redirecting URL)
    corrected_body: str = ""  # state 2: the page replaced by a corrected version


@dataclass
class Manifest:
    """What :func:`build_demo` wrote; the same content as ``root/truth.json``."""

    root: Path
    seed: int
    sources: list[dict]
    reports: list[dict]
    bad_documents: list[dict] = field(default_factory=list)
    hazards: list[dict] = field(default_factory=list)  # crawler-level bad input
    corrections: list[dict] = field(default_factory=list)  # reports replaced in state 2

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "sources": self.sources,
            "reports": self.reports,
            "bad_documents": self.bad_documents,
            "hazards": self.hazards,
            "corrections": self.corrections,
        }

    @classmethod
    def load(cls, root: str | os.PathLike) -> Manifest:
        d = json.loads((Path(root) / "truth.json").read_text("utf-8"))
        return cls(
            Path(root),
            d["seed"],
            d["sources"],
            d["reports"],
            d.get("bad_documents", []),
            d.get("hazards", []),
            d.get("corrections", []),
        )


# --- agencies and sites ---------------------------------------------------------------


def _sites(n_agencies: int, rng: random.Random, per_page: int = PER_PAGE) -> list[Site]:
    specs = list(DEFAULT_SITES[:n_agencies])
    cities = [(a + b, pa + pb) for a, pa in _FIRST.items() for b, pb in _SECOND.items()]
    rng.shuffle(cities)
    i = 0
    while len(specs) < n_agencies:
        name, pinyin = cities[i % len(cities)]
        if i >= len(cities):
            pinyin += str(i // len(cities) + 1)
            name += "新区" if i // len(cities) == 1 else f"{i // len(cities)}区"
        kind = "市" if i % 2 == 0 else "县"
        cms = FAMILIES[i % len(FAMILIES)]
        region = f"示范省{name}{kind}"
        specs.append(
            (
                f"{pinyin}-gov",
                f"{name}{kind}人民政府",
                f"{kind}政府",
                region,
                "government",
                rng.choice(("large", "medium")),
                cms,
                "utf-8",
            )
        )
        for dept, abbr in rng.sample(_DEPARTMENTS, 4):
            if dept == "发展和改革局" and kind == "市":
                dept, abbr = "发展和改革委员会", "fgw"
            gbk = DEMO_FAMILIES[cms].gbk_departments and rng.random() < 0.3
            specs.append(
                (
                    f"{pinyin}-{abbr}",
                    f"{name}{kind}{dept}",
                    f"{kind}{dept}",
                    region,
                    "department",
                    rng.choices(("medium", "small", "zero"), (3, 5, 2))[0],
                    cms,
                    "gbk" if gbk else "utf-8",
                )
            )
        i += 1
    sites = []
    for sid, name, short, region, level, size, cms, enc in specs[:n_agencies]:
        fields = DEMO_FAMILIES[cms].setup(rng, name, per_page)
        sites.append(
            Site(
                sid,
                Agency(name, short, region, level, size),
                cms,
                enc,
                fields.get("hanweb"),
                site_code=str(rng.randint(10**9, 10**10 - 1)),
                **DEMO_FAMILIES[cms].list_ids(rng),
                per_page=per_page,
            )
        )
    return sites


def _publication(rng: random.Random, agency: Agency, year: int) -> datetime:
    """Departments publish in January, governments by the end of March (条例 Art. 49)."""
    if agency.level == "department":
        day = date(year + 1, 1, 1) + timedelta(days=rng.randint(4, 30))
    else:
        day = date(year + 1, 1, 1) + timedelta(days=rng.randint(14, 89))
    return datetime(
        day.year, day.month, day.day, rng.randint(8, 17), rng.choice((0, 15, 30, 45)), tzinfo=CST
    )


# --- documents ------------------------------------------------------------------------


def _render(job: tuple[str, TruthReport]) -> bytes:
    """Worker: one PDF or DOCX (module-level so a process pool can run it)."""
    fmt, truth = job
    if fmt == PDF:
        from demo.render_pdf import render_pdf

        return render_pdf(truth)
    from demo.render_docx import render_docx

    return render_docx(truth)


def _render_all(jobs: list[tuple[str, TruthReport]], workers: int) -> list[bytes]:
    """Render PDF/DOCX jobs, in worker processes when there are many (PDFs are the slow part)."""
    if workers <= 1 or len(jobs) < 40:
        return [_render(j) for j in jobs]
    # fork is cheap and needs no importable __main__, but forking a threaded process can
    # deadlock: fork only when this is the only thread, else spawn.
    method = (
        "fork"
        if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        else "spawn"
    )
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
            return list(pool.map(_render, jobs, chunksize=8))
    except BrokenProcessPool:
        # spawn cannot start workers when __main__ is not importable (stdin, some embedders).
        print("demo.sites: worker processes failed; rendering in this process", file=sys.stderr)
        return [_render(j) for j in jobs]


STAND_IN_SAMPLES = 20  # rendered documents per format that stand-ins copy


def _stand_in_documents(jobs: list[tuple[str, TruthReport]], workers: int) -> list[bytes]:
    """Bytes for each job: a copy of one of a few rendered documents of its format, with a
    unique trailer (PDF readers ignore bytes after %%EOF; the crawl only stores them)."""
    samples: dict[str, list[bytes]] = {}
    for fmt in {f for f, _ in jobs}:
        picked = [j for j in jobs if j[0] == fmt][:STAND_IN_SAMPLES]
        samples[fmt] = _render_all(picked, workers)
    return [
        samples[fmt][i % len(samples[fmt])] + f"\n% stand-in {i}\n".encode()
        for i, (fmt, _) in enumerate(jobs)
    ]


def _attachment_body(
    truth: TruthReport, link: str, ext: str, site: Site, extra: list[tuple[str, str]] = ()
) -> str:
    """The page of a report published as a file: a download link, or (JSP, generic) the PDF
    shown in ``<embed>`` / a pdf.js ``viewer.html?file=`` iframe; ``extra`` = further
    formats of the same report, (link, ext)."""
    rep = truth.report
    out = [f"<p>根据《中华人民共和国政府信息公开条例》规定，现将{escape(rep.title)}予以公布。</p>"]
    shown = site.family.shown_pdf(link) if ext == PDF else None
    if shown:
        out.append(shown)
    else:
        out.append(f'<p>附件：<a href="{escape(link)}">{escape(rep.title)}.{ext}</a></p>')
    for other, oext in extra:
        out.append(
            f'<p>附件：<a href="{escape(other)}">'
            f"{escape(rep.title)}（{oext.upper()}版）.{oext}</a></p>"
        )
    return "\n".join(out)


def _standin(ext: str, title: str) -> bytes:
    """Stand-in bytes for formats the demo cannot render: a legacy Word/WPS file starts with
    the OLE2 signature, an OFD is a zip with ``OFD.xml``. The crawler archives them; the
    parsers report them as unsupported."""
    if ext in ("doc", "wps"):
        return (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 504
            + title.encode("utf-16-le")
            + b"\x00" * 64
        )
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            zipfile.ZipInfo("OFD.xml", (2024, 1, 1, 0, 0, 0)),
            '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD '
            'xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"><ofd:DocBody>'
            f"<ofd:DocInfo><ofd:Title>{escape(title)}</ofd:Title></ofd:DocInfo>"
            "</ofd:DocBody></ofd:OFD>",
        )
    return buf.getvalue()


_ERROR_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>错误</title></head>'
    "<body><h1>文件不存在或已被删除</h1><p>Error 404: 您访问的文件不存在。</p></body></html>"
)


def _news_body(title: str, agency: Agency) -> str:
    return (
        f"<p>各有关单位：</p><p>为做好政务公开工作，现就{escape(title.removeprefix('关于'))}"
        f'有关事项通知如下。</p><p style="text-align:right">{escape(agency.name)}</p>'
    )


# --- the build ------------------------------------------------------------------------


def build_demo(
    root: Path,
    n_agencies: int = DEFAULT_AGENCIES,
    years=(2022, 2023, 2024),
    seed: int = 0,
    workers: int | None = None,
    per_page: int = PER_PAGE,
    stand_ins: bool = False,
) -> Manifest:
    """Write the demo sites under ``root/sites/`` and the truth to ``root/truth.json``.

    One site per agency; the first six are the default demo (清河市人民政府 TRS,
    清河市应急管理局 TRS+GBK, 云溪县人民政府 Hanweb, 云溪县发展和改革局 Hanweb, 白石县人民政府
    JSP+GBK, 松林市审计局 generic), further agencies come from invented cities of all four
    families. The default sites also carry the bad input (``bad_documents``: checked after
    the whole pipeline; ``hazards``: crawler-level) and one report replaced by a corrected
    version in state 2 (``corrections``). Each agency has one report
    per year in ``years``, published in January–March of the following year as inline HTML,
    a PDF attachment or a DOCX attachment. ``root/sites`` is replaced; same seed, same bytes.
    PDF/DOCX rendering uses ``workers`` processes for large builds (default: CPU count, max 4).
    Report lists hold ``per_page`` items a page (3, so the small demo pages; real CMS
    templates show 15–20). ``stand_ins``: PDF/DOCX attachments are copies of a few rendered
    ones, each made distinct by a trailer — for crawl benchmarks of tens of thousands of
    reports, where rendering would take an hour; their tables do not match the truth.
    """
    root = Path(root)
    years = sorted(years)
    rng = random.Random(seed)
    build = _Build(seed, rng, _sites(n_agencies, rng, per_page), lean=stand_ins)
    build.clear(root)
    # In chunks of sites, each written and dropped before the next: a 10,000-site demo
    # would not fit in memory at once (a build of up to BUILD_CHUNK sites is one chunk).
    for lo in range(0, len(build.sites), BUILD_CHUNK):
        chunk = range(lo, min(lo + BUILD_CHUNK, len(build.sites)))
        for si in chunk:
            prev = None
            for yi, year in enumerate(years):
                prev = build.add_report(si, yi, year, prev)
            build.add_news(si, years)
        if lo == 0:
            # Bad input sits on the default sites, dated the year before the first year.
            build.bad, build.hazards = _bad_documents(
                build.sites[: len(DEFAULT_SITES)],
                build.items,
                build.files,
                years[0] - 1,
                build.rng,
                build.new_ident,
                build.redirects,
            )
        build.render_documents(workers, stand_ins)
        for si in chunk:
            build.write_site(root, build.sites[si])
    return build.finish(root)


BUILD_CHUNK = 500  # sites built, written and dropped at a time


class _Build:
    """The state of one :func:`build_demo`, its phases as methods. Every random draw comes
    from ``rng`` (ids from ``ident_rng``) in a fixed order: same seed, same bytes."""

    def __init__(self, seed: int, rng: random.Random, sites: list[Site], lean: bool = False):
        self.seed, self.rng, self.sites = seed, rng, sites
        self.lean = lean  # truth without each report's cells (stand-in builds)
        self.site_configs: dict[str, dict] = {}
        self.ident_rng = random.Random(seed + 1)
        self.used: set[tuple[str, int]] = set()
        self.reports: list[dict] = []
        self.files: dict[str, dict[str, bytes | str]] = {s.id: {} for s in sites}
        self.mtimes: dict[tuple[str, str], datetime] = {}
        self.items: dict[str, list[Item]] = {s.id: [] for s in sites}
        self.jobs: list[tuple[str, TruthReport]] = []
        self.job_targets: list[tuple[str, str, datetime]] = []
        self.redirects: dict[str, dict[str, list]] = {s.id: {} for s in sites}
        self.corrections: list[dict] = []
        self.bad: list[dict] = []
        self.hazards: list[dict] = []

    def new_ident(self, site: Site) -> int:
        """A document id unique within the site (TRS/JSP 5-6 digits, others 7)."""
        while True:
            ident = (
                self.ident_rng.randint(10000, 999999)
                if site.family.short_ids
                else self.ident_rng.randint(10**6, 10**7 - 1)
            )
            if (site.id, ident) not in self.used:
                self.used.add((site.id, ident))
                return ident

    def _truth(self, si: int, yi: int, site: Site, year: int, published, prev):
        """The report's truth, its format and HTML style (default sites: fixed choices)."""
        rng = self.rng
        if si < len(DEFAULT_SITES):
            fmt = FORMATS[(si + yi) % 3]
            plain = site.family.plain_governments and site.agency.level == "government"
            style = PLAIN if plain else WORD
            defect = DEFAULT_DEFECTS.get((si, yi))
        else:
            fmt = rng.choices(FORMATS, (2, 1, 1))[0]
            style = rng.choice((WORD, WORD, PLAIN))
            defect = rng.choice(corpus.DEFECTS) if rng.random() < 0.2 else None
        day = f"{published:%Y-%m-%d}"
        try:
            truth = corpus.make_truth(rng, site.agency, year, day, fmt, prev, defect)
        except corpus.DefectNotApplicable:
            truth = corpus.make_truth(rng, site.agency, year, day, fmt, prev)
        return truth, fmt, style

    def add_report(self, si: int, yi: int, year: int, prev):
        """One report of a site: its page, attachment (and further formats), truth entry."""
        site, rng = self.sites[si], self.rng
        published = _publication(rng, site.agency, year)
        truth, fmt, style = self._truth(si, yi, site, year, published, prev)
        prev, truth.clean = truth.clean, None
        url_date = (published - timedelta(days=rng.randint(0, 4))).date()
        page = site.family.detail_path(url_date, self.new_ident(site))
        item = Item(truth.title, published, page, url_date)
        extra = self._legacy_formats(si, site, page, url_date, fmt, truth, published)
        if fmt == HTML:
            item.body, doc_path = article_html(truth, style), page
        else:
            doc_path = site.family.attachment_path(page, url_date, rng, fmt)
            link = site.family.link(page, doc_path)
            item.body = _attachment_body(truth, link, fmt, site, extra)
            self.jobs.append((fmt, truth))
            self.job_targets.append((site.id, doc_path, published))
        self._default_site_extras(si, yi, site, item, year, fmt)
        self.items[site.id].append(item)
        entry = _truth_entry(site, year, truth, published, page, doc_path, fmt, style)
        if self.lean:
            del entry["report"]  # stand-in files: their cells are not these (and 50,000 weigh GBs)
        self.reports.append(entry)
        return prev

    def _legacy_formats(self, si, site, page, url_date, fmt, truth, published) -> list:
        """The same report in further formats (DOC, WPS, OFD) on the default sites:
        archived, not parsed."""
        extra = []
        if si >= len(DEFAULT_SITES) or fmt == HTML:
            return extra
        for oext in site.family.legacy_formats.get(fmt, ()):
            opath = site.family.attachment_path(page, url_date, self.rng, oext)
            self.files[site.id][opath] = _standin(oext, truth.title)
            self.mtimes[site.id, opath] = published
            extra.append((site.family.link(page, opath), oext))
        return extra

    def _default_site_extras(self, si, yi, site, item, year, fmt) -> None:
        """An old URL that redirects (generic), the report corrected in state 2."""
        if si >= len(DEFAULT_SITES):
            return
        old_url = getattr(site.family, "old_url", None)
        if old_url and yi == 1:
            # Linked from the list under its old address, which redirects (301) here.
            item.link_path = item.page_path.replace(*old_url)
            self.redirects[site.id][item.link_path] = [301, item.page_path]
        if (si, yi) == CORRECTED and fmt == HTML:
            published = item.published
            note = (
                f'<p class="correction">更正说明：本报告于{published.year}年'
                f"{min(12, published.month + 2)}月更正了第一部分的文字表述，"
                "表格数据未作改动。</p>\n"
            )
            item.corrected_body = note + item.body
            self.corrections.append(
                {
                    "source_id": site.id,
                    "page_path": item.page_path,
                    "year": year,
                    "document_path": item.page_path,
                    "note": "prose corrected, same tables",
                }
            )

    def add_news(self, si: int, years: list[int]) -> None:
        """Two notices that are no reports, on every site's list."""
        site = self.sites[si]
        for k, title in enumerate(_NEWS[:2] if si % 2 else _NEWS[1:]):
            year = years[min(k, len(years) - 1)]
            when = datetime(year + 1, 4 + k, 10 + si % 15, 10, 0, tzinfo=CST)
            text = title.format(year=year + 1)
            page = site.family.detail_path(when.date(), self.new_ident(site))
            body = _news_body(text, site.agency)
            self.items[site.id].append(Item(text, when, page, when.date(), "news", body))

    def render_documents(self, workers: int | None, stand_ins: bool) -> None:
        """The PDF/DOCX files of the reports added since the last call."""
        workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        render = _stand_in_documents if stand_ins else _render_all
        for (sid, path, when), blob in zip(self.job_targets, render(self.jobs, workers)):
            self.files[sid][path] = blob
            self.mtimes[sid, path] = when
        self.jobs, self.job_targets = [], []

    def clear(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        for folder in (root / "sites", root / "state2"):
            if folder.exists():
                shutil.rmtree(folder)

    def finish(self, root: Path) -> Manifest:
        """truth.json, once every site is written."""
        sources = [s.source() for s in self.sites]
        for src in sources:
            cfg = self.site_configs[src["id"]]
            src.update({k: cfg[k] for k in ("max_bytes", "timeout") if k in cfg})
        manifest = Manifest(
            root, self.seed, sources, self.reports, self.bad, self.hazards, self.corrections
        )
        _write_truth(root / "truth.json", manifest.to_dict())
        return manifest

    def write_site(self, root: Path, site: Site) -> None:
        """One site's files under ``root/sites`` (and ``state2``); then drop them."""
        site_items = sorted(self.items.pop(site.id), key=lambda it: it.published, reverse=True)
        out = self.files.pop(site.id)
        for it in site_items:
            if it.write_page:
                out[it.page_path] = detail_page(site, it)
                self.mtimes[site.id, it.page_path] = it.published
            if it.corrected_body:
                fixed = Item(
                    it.title, it.published, it.page_path, it.url_date, it.kind, it.corrected_body
                )
                when = it.published + timedelta(days=60)
                page = {it.page_path: detail_page(site, fixed)}
                _write_site(
                    root / "state2" / site.id, site, page, {(site.id, it.page_path): when}, when
                )
        out["/index.html"] = home_page(site)
        out.update(site.family.list_pages(site_items))
        out.update(STATIC_FILES)
        config = self._server_config(site, site_items)
        self.site_configs[site.id] = {k: config[k] for k in ("max_bytes", "timeout") if k in config}
        out["/_site.json"] = json.dumps(config, ensure_ascii=False, indent=1)
        newest = site_items[0].published if site_items else datetime(2000, 1, 1, tzinfo=CST)
        keys = [(site.id, path) for path in out if (site.id, path) in self.mtimes]
        mtimes = {key: self.mtimes.pop(key) for key in keys}
        _write_site(root / "sites" / site.id, site, out, mtimes, newest)

    def _server_config(self, site: Site, site_items: list[Item]) -> dict:
        """``_site.json``: what demo.server must do for this site (faults, hazards…)."""
        hz = [h for h in self.hazards if h["source_id"] == site.id]
        config = {
            "id": site.id,
            "cms": site.cms,
            "encoding": site.encoding,
            "faults": {
                b["path"]: b["expected_http_status"]
                for b in self.bad
                if b["source_id"] == site.id and (b.get("expected_http_status") or 0) >= 500
            },
            "redirects": self.redirects[site.id],
            "slow": {h["path"]: h["seconds"] for h in hz if h["kind"] == "timeout"},
            "truncated": [h["path"] for h in hz if h["kind"] == "truncated"],
            "redirect_loops": [h["path"].split("?")[0] for h in hz if h["kind"] == "redirect_loop"],
            "content_types": {
                h["path"]: h["served_as"] for h in hz if h["kind"] == "wrong_content_type"
            },
        }
        family = site.family.server_config(site_items)
        config.update({k: v for k, v in family.items() if k != "hanweb"})
        if any(h["kind"] == "oversize" for h in hz):
            config["max_bytes"] = OVERSIZE_CAP
            config["timeout"] = SLOW_TIMEOUT
        if "hanweb" in family:
            config["hanweb"] = family["hanweb"]
        return config


STATIC_FILES = {
    "/robots.txt": ROBOTS_TXT,
    "/css/style.css": "body{font-family:SimSun,serif}.footer{color:#666}\n",
    "/generic2/web/viewer.html": (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<title>PDF</title></head><body><div id="viewer">'
        "</div></body></html>"
    ),
}


def _truth_entry(site, year, truth, published, page, doc_path, fmt, style) -> dict:
    return {
        "source_id": site.id,
        "agency": site.agency.name,
        "year": year,
        "title": truth.title,
        "published": f"{published:%Y-%m-%d}",
        "page_path": page,
        "document_path": doc_path,
        "doc_format": fmt,
        "html_style": style if fmt == HTML else None,
        "defects": truth.defects,
        "expected_findings": truth.expected_findings,
        "report": truth.report.to_dict(),
    }


def _write_truth(path: Path, truth: dict) -> None:
    """truth.json with one list entry per line: greppable, and fast (json's C encoder only
    runs without ``indent``; indenting 1000 reports takes seconds)."""

    def dump(v) -> str:
        return json.dumps(v, ensure_ascii=False)

    parts = []
    for key, value in truth.items():
        if isinstance(value, list):
            body = ",\n".join("  " + dump(v) for v in value)
            parts.append(f"{dump(key)}: [\n{body}\n ]" if value else f"{dump(key)}: []")
        else:
            parts.append(f"{dump(key)}: {dump(value)}")
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text("{\n " + ",\n ".join(parts) + "\n}\n", "utf-8")
    os.replace(tmp, path)


def _write_site(folder: Path, site: Site, out: dict, mtimes: dict, newest: datetime) -> None:
    for path, content in out.items():
        target = folder / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            # A GBK site stores its pages GBK-encoded (strict: a character GBK lacks is a bug).
            enc = site.encoding if path.endswith((".html", ".htm")) else "utf-8"
            content = content.encode(enc)
        target.write_bytes(content)
        # Last-Modified is the publication time, so it is stable across rebuilds.
        ts = mtimes.get((site.id, path), newest).timestamp()
        os.utime(target, (ts, ts))


OVERSIZE_CAP = 1_000_000  # the generic demo site's registry max_bytes
SLOW_TIMEOUT = 1.0  # … and its per-request timeout (s)
SLOW_SECONDS = 2.5  # how long its slow page takes


def _bad_documents(
    sites: list[Site],
    items: dict,
    files: dict,
    year: int,
    rng: random.Random,
    new_ident,
    redirects: dict,
) -> tuple[list[dict], list[dict]]:
    """Bad input on the default sites, dated the year before the first report year.

    ``bad`` (checked after the whole pipeline by demo.verify): HTTP 500, a 404 link, no
    tables, a fake PDF, a robots.txt-disallowed page, a truncated body, an endless redirect
    chain, a timeout, an oversize file. ``hazards`` (crawler-level, what the parse of them
    gives is not asserted): the same plus a PDF served as text/html.
    """
    kinds_by_site = (
        ("http_500",),
        ("no_tables",),
        ("http_404",),
        ("fake_pdf",),
        ("robots", "truncated"),
        ("redirect_loop", "timeout", "oversize", "wrong_content_type"),
    )
    bad, hazards = [], []
    for site, kinds in zip(sites, kinds_by_site):
        for kind in kinds:
            published = _publication(rng, site.agency, year)
            title = corpus.report_title(site.agency, year)
            page = site.family.detail_path(published.date(), new_ident(site))
            item = Item(title, published, page, published.date(), "bad")
            entry = {
                "source_id": site.id,
                "kind": kind,
                "title": title,
                "year": year,
                "page_path": page,
                "path": page,
            }
            if kind == "http_500":
                item.write_page = False  # the server answers 500 for this path
                entry.update(expected_http_status=500, expected_status=STATUS_FETCH_ERROR)
            elif kind == "http_404":
                item.write_page = False  # linked from the list, never written
                entry.update(expected_http_status=404, expected_status=STATUS_FETCH_ERROR)
            elif kind == "no_tables":
                # A report page with the prose only (the tables were images that got lost).
                truth = corpus.make_truth(rng, site.agency, year, f"{published:%Y-%m-%d}", HTML)
                paras = [
                    p for s in truth.sections if not s.table for p in [s.heading, *s.paragraphs]
                ]
                item.body = "\n".join(f"<p>{escape(p)}</p>" for p in truth.intro + paras)
                entry.update(expected_http_status=200, expected_status=STATUS_NO_TABLES)
            elif kind == "fake_pdf":
                pdf = site.family.attachment_path(page, published.date(), rng, "pdf")
                item.body = (
                    f"<p>现将{escape(title)}予以公布。</p>"
                    f'<p>附件：<a href="{site.family.link(page, pdf)}">{escape(title)}.pdf</a></p>'
                )
                files[site.id][pdf] = _ERROR_PAGE.encode("utf-8")
                entry.update(path=pdf, expected_http_status=200, expected_status=STATUS_ERROR)
            elif kind == "robots":
                # Exists, but under /private/, which robots.txt disallows: never fetched.
                page = item.page_path = f"/private/{new_ident(site)}.htm"
                item.body = "<p>内部稿，不应被抓取。</p>"
                entry.update(
                    page_path=page,
                    path=page,
                    expected_http_status=None,
                    expected_status="robots_disallowed",
                )
            elif kind == "truncated":
                item.body = "<p>" + "本页内容在传输中被截断。" * 200 + "</p>"
                entry.update(expected_http_status=None, expected_status=STATUS_FETCH_ERROR)
            elif kind == "redirect_loop":
                item.write_page = False
                page = item.page_path = "/loop/report.html?n=1"
                entry.update(
                    page_path=page,
                    path=page,
                    expected_http_status=None,
                    expected_status=STATUS_FETCH_ERROR,
                )
            elif kind == "timeout":
                item.page_path = page = page.replace("/content/", "/slow/")
                item.body = "<p>服务器响应很慢。</p>"
                entry.update(
                    page_path=page,
                    path=page,
                    expected_http_status=None,
                    expected_status=STATUS_FETCH_ERROR,
                    seconds=SLOW_SECONDS,
                )
            elif kind == "oversize":
                # The list links the file directly; it exceeds the source's max_bytes.
                big = site.family.attachment_path(page, published.date(), rng, "pdf")
                files[site.id][big] = b"%PDF-1.4\n" + b"0" * (OVERSIZE_CAP + 500_000)
                item.write_page = False
                item.page_path = page = big
                entry.update(
                    page_path=big,
                    path=big,
                    expected_http_status=None,
                    expected_status=STATUS_FETCH_ERROR,
                )
            elif kind == "wrong_content_type":
                pdf = site.family.attachment_path(page, published.date(), rng, "pdf")
                item.body = (
                    f"<p>现将{escape(title)}予以公布。</p>"
                    f'<p>附件：<a href="{site.family.link(page, pdf)}">{escape(title)}.pdf</a></p>'
                )
                files[site.id][pdf] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
                entry.update(
                    path=pdf, served_as="text/html; charset=utf-8", expected_http_status=200
                )
            items[site.id].append(item)
            if kind == "wrong_content_type":
                entry["path_kind"] = "attachment"
                hazards.append(entry)
                continue
            bad.append(entry)
            if kind in ("robots", "truncated", "redirect_loop", "timeout", "oversize"):
                hazards.append(dict(entry))
    return bad, hazards


def add_size_arguments(
    ap: argparse.ArgumentParser,
    agencies: int = DEFAULT_AGENCIES,
    years: str = "2022-2024",
    per_page: int = PER_PAGE,
) -> None:
    """``--agencies``, ``--years``, ``--per-page``: the demo's size, as ``python -m demo.sites``
    and the benchmarks take it (read back with :func:`build_from_args`)."""
    ap.add_argument("--agencies", type=int, default=agencies)
    ap.add_argument("--years", default=years, help="e.g. 2022-2024 or 2021,2023")
    ap.add_argument(
        "--per-page",
        type=int,
        default=per_page,
        help="report list items per page (real TRS/Hanweb templates: 15-20)",
    )


def parse_years(text: str) -> list[int]:
    """``"2021-2025"`` → 2021…2025; ``"2021,2023"`` → those two."""
    if "-" in text:
        lo, hi = map(int, text.split("-"))
        return list(range(lo, hi + 1))
    return [int(y) for y in text.split(",")]


def build_from_args(root: Path, args: argparse.Namespace, **kwargs) -> Manifest:
    """:func:`build_demo` with the sizes of :func:`add_size_arguments`."""
    return build_demo(
        root,
        n_agencies=args.agencies,
        years=parse_years(args.years),
        per_page=args.per_page,
        **kwargs,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.sites ROOT``: build the demo sites and print what was written."""
    ap = argparse.ArgumentParser(prog="python -m demo.sites", description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    add_size_arguments(ap)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    started = time.monotonic()
    m = build_from_args(args.root, args, seed=args.seed)
    by_format: dict[str, int] = {}
    for r in m.reports:
        by_format[r["doc_format"]] = by_format.get(r["doc_format"], 0) + 1
    print(
        f"built {len(m.sources)} sites, {len(m.reports)} reports "
        f"({', '.join(f'{k} {v}' for k, v in sorted(by_format.items()))}), "
        f"{sum(bool(r['defects']) for r in m.reports)} with defects, "
        f"{len(m.bad_documents)} bad documents in {time.monotonic() - started:.1f} s → {args.root}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
