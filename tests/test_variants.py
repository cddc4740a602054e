"""Every layout variant of the variant corpus (demo/variants.py), parsed from a real generated
file and compared with its truth cell by cell (bench/parse_eval.py's comparison), plus the
bad-input hazards and the provenance ``nianbao parse --json`` shows for each format."""

from __future__ import annotations

import io
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import parse_eval  # noqa: E402

from demo import variants  # noqa: E402
from nianbao import form  # noqa: E402
from parsers import parse_bytes  # noqa: E402

FAST = tuple(v for v in variants.VARIANTS if v != "doc_libreoffice")


@pytest.fixture(scope="module")
def cases() -> dict[str, list[variants.Case]]:
    out: dict[str, list[variants.Case]] = {}
    for c in variants.build(per_variant=2, seed=11, with_doc=False, variants=FAST):
        out.setdefault(c.variant, []).append(c)
    return out


def _check(case: variants.Case):
    got = parse_bytes(case.data, filename=case.filename, url=case.url)
    right, total, wrong_cells, wrong_fields = parse_eval.compare_case(case, got)
    assert wrong_cells == [] and wrong_fields == [], (case.id, wrong_fields, wrong_cells[:10])
    assert right == total
    return got


def test_corpus_has_every_variant_and_300_reports_by_default():
    plan = variants._plan(320)
    assert len(plan) >= 300 and len(set(plan)) >= 8


@pytest.mark.parametrize("variant", FAST)
def test_variant_fully_right(cases, variant):
    for case in cases[variant]:
        got = _check(case)
        if variant == "pre2019":
            assert got.format_version == form.FORMAT_PRE2019 and got.cells == []
            assert "主动公开" in got.text and got.sections
        else:
            assert got.status == "parsed"
            assert set(got.sections) >= {"一", "二", "三", "四", "五", "六"}


def test_hazard_cells_keep_what_was_written(cases):
    got = None
    for case in cases["html_hazards"]:
        got = parse_bytes(case.data, filename=case.filename, url=case.url)
        for c in case.truth.cells:
            g = got.cell(c.table, c.row, c.col)
            if c.raw in ("-", "—", "/", "无"):
                assert g.value is None and g.note == f"written '{c.raw}'" and g.raw == c.raw
            if c.raw.endswith("余"):
                assert g.value == c.value and g.note == "余"
            if "（其中修订" in c.raw:
                assert g.value == c.value and "其中修订" in g.note
        assert any("label" in w for w in got.warnings)  # the typo is matched, and said
    assert got is not None


def test_2019_trial_format_keys(cases):
    for case in cases["html_2019"]:
        got = _check(case)
        assert got.format_version == form.FORMAT_2019
        assert got.has_row(form.T2, "procurement") and got.has_row(form.T2, "other_services")
        assert got.has_row(form.T3, "other_single") and not got.has_row(form.T3, "other_no_fee")
        assert not any(c.col in ("issued", "repealed", "in_force") for c in got.cells)


def test_unruled_pdf_says_it_read_word_positions(cases):
    for case in cases["pdf_unruled"]:
        got = _check(case)
        assert any("word positions" in w for w in got.warnings)
        c = got.cell(form.T3, "new_requests", "total")
        assert c.source.page is not None and c.source.bbox is not None


def test_metadata_region_code_sections_and_dates(cases):
    case = cases["html_word"][0]
    got = _check(case)
    assert got.region_code == case.region_code and got.region == case.region
    assert got.published == case.truth.published  # <meta name="PubDate">
    assert got.sections["三"].startswith("三、收到和处理政府信息公开申请情况")
    # the URL is the last resort for the publication date
    from parsers.metadata import published_from_url, region_of

    # Hanweb writes one-digit months and days (/art/2024/3/1/): read like the crawler does
    assert published_from_url("http://x.gov.cn/art/2024/3/1/x.html") == "2024-03-01"
    assert published_from_url("http://x.gov.cn/art/2024/13/1/x.html") is None
    assert published_from_url("http://x.gov.cn/xxgk/202403/t20240301_9.html") == "2024-03-01"
    assert region_of("白石县人民政府") == (None, None)  # cpca's guess "重庆市 县" is refused
    assert region_of("清江浦区人民政府") == ("江苏省淮安市清江浦区", "320812")


@pytest.mark.parametrize(
    "variant,fmt",
    [("pdf_ruled", "pdf"), ("html_word", "html"), ("docx_merged", "docx"), ("text_tsv", "text")],
)
def test_cli_json_provenance_per_format(cases, variant, fmt, tmp_path, capsys):
    from parsers import main

    case = cases[variant][0]
    p = tmp_path / case.filename
    p.write_bytes(case.data)
    assert main(["parse", str(p), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["doc_format"] == fmt and d["status"] == "parsed"
    cell = next(
        c
        for c in d["cells"]
        if c["table"] == "t3" and c["row"] == "granted" and c["col"] == "total"
    )
    src = cell["source"]
    assert cell["raw"] != "" or cell["value"] is None
    if fmt == "pdf":
        assert src["page"] >= 1 and len(src["bbox"]) == 4
    else:
        assert src["table"] is not None and src["row"] is not None and src["col"] is not None


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) not installed"
)
def test_doc_via_libreoffice():
    from parsers.convert import convert_with_libreoffice

    case = variants.build(
        per_variant=1, seed=3, variants=("doc_libreoffice",), convert=convert_with_libreoffice
    )[0]
    assert case.data.startswith(b"\xd0\xcf\x11\xe0")  # a real Word 97 file
    got = _check(case)
    assert got.doc_format == "doc" and any("LibreOffice" in w for w in got.warnings)


def test_200_page_pdf_reads_tables_only_where_they_are(cases):
    import pypdfium2 as pdfium
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    case = cases["pdf_ruled"][0]
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(195):
        c.setFont("STSong-Light", 10)
        c.drawString(72, 760, f"附件{i + 1}：政务公开工作台账（第{i + 1}页）")
        c.drawString(72, 740, "本页记录政务公开工作的日常台账，无统计表。")
        c.showPage()
    c.save()
    doc = pdfium.PdfDocument(case.data)
    doc.import_pages(pdfium.PdfDocument(buf.getvalue()))
    out = io.BytesIO()
    doc.save(out)
    assert len(doc) >= 198
    t = time.perf_counter()
    got = parse_bytes(out.getvalue(), filename="big.pdf")
    assert time.perf_counter() - t < 10
    right, total, wrong, _ = parse_eval.compare(case.truth, got)
    assert wrong == [] and right == total


@pytest.mark.parametrize(
    "data,name,status,error",
    [
        (b"", "a.pdf", "error", "empty"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "a.pdf", "error", "truncated"),
        (
            b"<html><head><title>404</title></head><body>not found</body></html>",
            "a.docx",
            "error",
            "expected docx",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "a.doc", "error", "Word/WPS"),
        (
            (
                "<html><body><div class=nav>首页 新闻 通知公告</div><p>欢迎访问</p></body></html>"
            ).encode(),
            "a.html",
            "not_report",
            None,
        ),
    ],
)
def test_bad_input_gives_a_status_and_an_error(data, name, status, error):
    r = parse_bytes(data, filename=name)
    assert r.status == status
    if error:
        assert error in (r.error or "")
    assert r.cells == []


def test_corrupt_pdf_in_a_batch_does_not_stop_the_run(cases):
    good = cases["pdf_ruled"][0].data
    batch = [
        good[: len(good) // 2],
        good,
        b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF",
        good,
    ]
    statuses = [parse_bytes(d, filename="x.pdf").status for d in batch]
    assert statuses == ["error", "parsed", "error", "parsed"]


def _image_pdf(pdf: bytes, pages: list[int], dpi: int = 150, crop_top: float = 0.0) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    imgs = [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in pages]
    if crop_top:  # a scan of the lower part of the page only (fewer words to OCR)
        imgs = [im.crop((0, int(im.height * crop_top), im.width, im.height)) for im in imgs]
    buf = io.BytesIO()
    imgs[0].save(buf, format="PDF", save_all=True, append_images=imgs[1:], resolution=dpi)
    return buf.getvalue()


def test_image_only_pdf_is_needs_ocr_by_default(cases):
    data = _image_pdf(cases["pdf_ruled"][0].data, [0])
    r = parse_bytes(data, filename="scan.pdf")
    assert r.status == "needs_ocr" and r.cells == [] and not r.ocr


def _has_tesseract() -> bool:
    from parsers.ocr import available

    return available()


@pytest.mark.skipif(not _has_tesseract(), reason="tesseract with chi_sim not installed")
def test_ocr_route_marks_every_value(cases):
    case = cases["pdf_ruled"][0]
    data = _image_pdf(case.data, [0], crop_top=0.45)  # page 1's lower part: 表二
    r = parse_bytes(data, filename="scan.pdf", ocr=True)
    assert r.ocr and r.status == "parsed"
    assert any("OCR" in w and "verify" in w for w in r.warnings)
    assert r.cells and all(c.note.startswith("OCR") for c in r.cells)
    assert all(c.raw.strip() for c in r.cells)  # unread cells are missing, not blank
    right = sum(1 for c in r.cells if case.truth.value(c.table, c.row, c.col) == c.value)
    assert right >= 0.5 * len(r.cells)


def test_text_only_pdf_without_tables_is_no_tables():
    import dataclasses
    import random

    from demo.corpus import make_truth
    from demo.render_pdf import render_pdf

    agency, _, _ = variants._agency(random.Random(4))
    truth = make_truth(random.Random(4), agency, 2023, "2024-01-20", "pdf")
    truth.sections = [dataclasses.replace(s, table=None) for s in truth.sections]  # prose only
    r = parse_bytes(render_pdf(truth), filename="text-only.pdf")
    assert r.status == "no_tables" and r.cells == []
    assert r.agency == agency.name and r.year == 2023 and r.sections
    assert "standard tables not found" in r.warnings
