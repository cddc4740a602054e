"""parse_bytes: sniff the real format, dispatch, fill a Report. Never raises on bad input."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from nianbao import form
from nianbao.charsets import codec_name
from nianbao.model import (
    STATUS_ERROR,
    STATUS_NEEDS_OCR,
    STATUS_NO_TABLES,
    STATUS_NOT_REPORT,
    STATUS_PARSED,
    Report,
)

from . import limits, metadata
from .errors import LimitExceeded, NeedsOCR, ParseError  # noqa: F401 (re-exported)
from .grid import Grid
from .rows import Tables
from .tables import read_tables

PARSER_VERSION = "0.2.0"  # 0.2.0: issue 10 (rows recovered, open page breaks, t5, units, labels)
PARSER_ID = f"nianbao-parsers/{PARSER_VERSION}"


# --- sniffing ------------------------------------------------------------------------------
HTML_MARKERS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<meta",
    b"<div",
    b"<table",
    b"<p>",
    b"<p ",
    b"<title",
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes) -> str:
    """'pdf' / 'docx' / 'html' / 'text' / 'ole' / 'zip' / 'binary' / 'empty' from the bytes
    alone."""
    if not data or not data.strip(b" \t\r\n\x00"):
        return "empty"
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "docx" if "word/document.xml" in z.namelist() else "zip"
        except zipfile.BadZipFile:
            return "badzip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(m in low[:1024] for m in HTML_MARKERS) or low.startswith(b"<?xml"):
        return "html"
    if b"\x00" in head and not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff")):
        return "binary"
    return "text"


def hinted_format(content_type: str | None, filename: str | None, url: str | None) -> str | None:
    ct = (content_type or "").lower()
    for key, fmt in (
        ("pdf", "pdf"),
        ("wordprocessingml", "docx"),
        ("msword", "doc"),
        ("html", "html"),
        ("text/plain", "text"),
    ):
        if key in ct:
            return fmt
    name = (filename or url or "").lower().split("?")[0]
    for ext, fmt in (
        (".pdf", "pdf"),
        (".docx", "docx"),
        (".doc", "doc"),
        (".wps", "doc"),
        (".html", "html"),
        (".htm", "html"),
        (".shtml", "html"),
        (".txt", "text"),
    ):
        if name.endswith(ext):
            return fmt
    return None


# --- text decoding -------------------------------------------------------------------------
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", re.I)


_norm_enc = codec_name  # one home for charset names: nianbao.charsets


def decode(
    data: bytes, *, encoding: str | None = None, content_type: str | None = None
) -> tuple[str, str]:
    """HTTP charset → <meta> → BOM → utf-8 → gb18030. Returns (text, encoding used)."""
    declared = []
    if encoding:
        declared.append(encoding)
    if content_type and (m := re.search(r"charset\s*=\s*([-\w]+)", content_type, re.I)):
        declared.append(m.group(1))
    if m := _META_CHARSET.search(data[:4096]):
        declared.append(m.group(1).decode("ascii", "ignore"))
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    if not data[:65536].isascii():  # (C-level; a generator over the bytes cost ~1 M instructions)
        # Valid UTF-8 with CJK is almost never GBK by accident, while GBK bytes often decode
        # "successfully" as garbage under a wrong declaration: trust strict UTF-8 first.
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    for enc in declared:
        e = _norm_enc(enc)
        try:
            return data.decode(e), e
        except (LookupError, UnicodeDecodeError):
            continue
    for e in ("utf-8", "gb18030"):
        try:
            return data.decode(e), e
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", "replace"), "gb18030"


# --- assembly ------------------------------------------------------------------------------
def assemble(
    report: Report,
    text: str,
    grids: list[Grid],
    title_hint: str | None = None,
    published_hint: str | None = None,
) -> Report:
    report.text = text
    meta = metadata.extract(text, title_hint)
    report.title, report.agency, report.year = meta.title, meta.agency, meta.year
    # publication date, in order of trust: page metadata (PubDate, 发布日期 by the article),
    # the report's own text (the date under the signature), the URL (/t20240201_…)
    report.published = (
        published_hint
        or meta.published
        or (metadata.published_from_url(report.url) if meta.looks_like_report else None)
    )
    if report.level is None:
        report.level = metadata.level_of(meta.agency)
    if meta.looks_like_report:
        report.region, report.region_code = metadata.region_of(meta.agency)
        report.sections = metadata.sections_of(text)
    t = read_tables(grids)
    report.cells = t.cells
    report.extra_rows = t.extra_rows
    report.warnings.extend(t.warnings)
    report.row_labels = t.row_labels
    t3_rows = set(t.rows_found[form.T3])
    t3_split = bool(t3_rows & set(form.T3_OTHER_SPLIT))
    t3_single = form.T3_OTHER_SINGLE.key in t3_rows
    report.format_version = metadata.format_version(
        t2_2021=t.t2_2021_columns,
        t2_2019=t.t2_2019_columns,
        t3_split=t3_split,
        t3_single=t3_single,
        any_table=bool(t.tables_found),
        year=meta.year,
    )
    if t3_split and t3_single:
        report.warnings.append(
            "t3: both the single （六）其他处理 row and its three sub-rows present"
        )
    if t.tables_found:
        report.status = STATUS_PARSED
        _missing_rows(report, t, form.FORMAT_2019 if (t3_single and not t3_split) else None)
    elif meta.looks_like_report:
        report.status = STATUS_NO_TABLES
        if report.format_version != form.FORMAT_PRE2019:
            report.warnings.append("standard tables not found")
    else:
        report.status = STATUS_NOT_REPORT
    return report


def _missing_rows(report: Report, t: Tables, fmt: str | None) -> None:
    """Every row of the form not read, in ``missing_rows``, with why in ``missing_reasons``
    (the readers say what was printed in its place; else the table was not found)."""
    for tab in (form.T2, form.T3, form.T4, form.T5):
        if tab in form.OPTIONAL_TABLES and tab not in t.tables_found:
            continue
        if tab not in t.tables_found:
            report.warnings.append(f"{tab}: table not found")
        if tab == form.T2 and t.t2_2019_columns and not t.t2_2021_columns:
            expected = dict.fromkeys(r for r, _ in form.expected_cells_2019_t2())
        else:
            expected = dict.fromkeys(
                r for r, _ in form.expected_cells(tab, fmt or form.FORMAT_2021)
            )
        found = set(t.rows_found[tab])
        for r in expected:
            if r in found:
                continue
            address = f"{tab}.{r}"
            report.missing_rows.append(address)
            report.missing_reasons[address] = t.missing_reasons.get(address) or (
                "table not found"
                if tab not in t.tables_found
                else "row not printed or not recognised"
            )


def ocr_enabled(ocr: bool | None) -> bool:
    """OCR is opt-in (``ocr=True`` or NIANBAO_OCR=1) and needs tesseract with chi_sim."""
    if ocr is None:
        ocr = os.environ.get("NIANBAO_OCR", "") not in ("", "0", "false", "no")
    if not ocr:
        return False
    from .ocr import available

    return available()


def _ocr_route(data: bytes, report: Report, pages: list[int] | None, reason: str) -> Report:
    """Image pages read by OCR: every value noted "OCR", the report flagged ``ocr``."""
    from .ocr import ocr_pdf

    text, grids, warns = ocr_pdf(data, pages)
    report.warnings.extend(warns)
    report = assemble(report, (report.text + "\n" + text) if report.text else text, grids)
    if report.status != STATUS_PARSED:
        report.status = STATUS_NEEDS_OCR
        report.warnings.append(f"{reason}; OCR found no standard table: numbers are not guessed")
        report.cells = []
        return report
    report.ocr = True
    # an empty cell in OCR output is more often a missed number than a blank: leave it out
    blank = [c for c in report.cells if not c.raw.strip()]
    if blank:
        report.cells = [c for c in report.cells if c.raw.strip()]
        report.warnings.append(
            f"OCR: {len(blank)} empty cell(s) left out as unread: "
            + ", ".join(c.address for c in blank[:10])
            + (" …" if len(blank) > 10 else "")
        )
    for c in report.cells:
        c.note = "OCR" if not c.note else f"OCR; {c.note}"
    report.warnings.append(
        f"{reason}: numbers read by OCR (tesseract chi_sim) from page images; "
        "verify them against the document"
    )
    return report


def _dispatch(
    fmt: str,
    data: bytes,
    report: Report,
    encoding: str | None,
    content_type: str | None,
    ocr: bool | None = None,
) -> Report:
    if fmt == "pdf":
        from .pdf import parse_pdf

        try:
            text, grids, warns = parse_pdf(data)
        except NeedsOCR as e:
            if not ocr_enabled(ocr):
                raise
            return _ocr_route(data, report, None, str(e))
        report.warnings.extend(warns)
        report = assemble(report, text, grids)
        image_pages = next((w for w in warns if w.startswith("pages without a text layer")), None)
        if report.status == STATUS_NO_TABLES and image_pages:
            if ocr_enabled(ocr):
                pages = [int(x) for x in re.findall(r"\d+", image_pages.split(":", 1)[1])]
                report.warnings.remove(image_pages)
                return _ocr_route(data, report, pages, image_pages)
            report.status = STATUS_NEEDS_OCR  # the tables are probably scanned images
            report.warnings.append("tables on pages without a text layer; numbers are not guessed")
        return report
    if fmt == "docx":
        from .docx import parse_docx

        text, grids = parse_docx(data)
        return assemble(report, text, grids)
    if fmt == "html":
        from .html import parse_html

        s, enc = decode(data, encoding=encoding, content_type=content_type)
        # strictly decoded UTF-8 (decode() reads a BOM'd page leniently): parsed as bytes
        utf8 = data if enc == "utf-8" and not data.startswith(b"\xef\xbb\xbf") else None
        text, grids, title, published, attached, images = parse_html(s, utf8)
        report = assemble(report, text, grids, title_hint=title, published_hint=published)
        if report.status == STATUS_NO_TABLES and attached:
            report.warnings.append("report attached as: " + " ".join(attached))
        if report.status == STATUS_NO_TABLES and images:
            report.warnings.append(f"the article holds {images} image(s): tables may be pictures")
        return report
    if fmt == "text":
        from .text import parse_text

        s, enc = decode(data, encoding=encoding, content_type=content_type)
        text, grids = parse_text(s)
        return assemble(report, text, grids)
    raise ParseError(f"unsupported format: {fmt}")


def _parse_legacy(data: bytes, report: Report, hint: str | None) -> Report:
    """.doc/.wps (OLE): converted to DOCX by LibreOffice, then read as DOCX."""
    from .convert import convert_with_libreoffice, isolation_warning

    # a compound file header: byte order FFFE, sector size 2^9 or 2^12 (no LibreOffice start
    # for garbage that merely begins with the magic bytes)
    if (
        len(data) < 1536
        or data[28:30] != b"\xfe\xff"
        or data[30:32] not in (b"\x09\x00", b"\x0c\x00")
    ):
        raise ParseError("corrupt or truncated legacy Word/WPS document (bad compound file header)")
    try:
        docx_bytes = convert_with_libreoffice(data, "doc", "docx")
    except RuntimeError as e:
        raise ParseError(f"legacy Word/WPS document: conversion failed: {e}") from e
    if docx_bytes is None:
        raise ParseError(
            "legacy binary Word/WPS document (.doc/.wps): LibreOffice (soffice) is not "
            "installed, cannot convert"
        )
    report.doc_format = "doc"
    report.warnings.append("converted from a legacy Word/WPS document by LibreOffice")
    if warning := isolation_warning():
        report.warnings.append(warning)
    return _dispatch("docx", docx_bytes, report, None, None)


def parse_bytes(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    filename: str | None = None,
    encoding: str | None = None,
    ocr: bool | None = None,
) -> Report:
    """Parse one document's bytes into a :class:`Report`; never raises on bad input.

    The format is sniffed from the bytes; ``content_type``, ``filename`` and ``url`` are only
    hints (a mismatch becomes a warning, or an error when a document link served a web page).
    A document that cannot be read comes back with ``status`` error / needs_ocr and ``error``
    saying why, never as an exception:

    >>> parse_bytes(b"", filename="report.pdf").error
    'empty document (0 bytes)'
    >>> parse_bytes(b"<html><title>Login</title></html>", filename="r.pdf").error
    "expected pdf but received html (page title: 'Login')"
    """
    report = Report(url=url, parser=PARSER_ID)
    try:
        limits.check("input_mb", len(data) / 2**20, f"document of {len(data) / 2**20:,.1f} MB")
        return _route(
            data, report, hinted_format(content_type, filename, url), encoding, content_type, ocr
        )
    except NeedsOCR as e:
        report.status = STATUS_NEEDS_OCR
        report.warnings.append(str(e) or "no text layer")
        report.cells = []
        return report
    except Exception as e:  # never raise on bad input
        return _failed(report, _failure_message(e))


def _route(data, report, hint, encoding, content_type, ocr) -> Report:
    """Send the bytes to the reader of their real format, or raise ParseError saying why not."""
    real = sniff(data)
    report.doc_format = real if real in ("pdf", "docx", "html", "text") else None
    expected = f" (expected {hint})" if hint else ""
    if real == "empty":
        raise ParseError("empty document (0 bytes)")
    if real == "ole":
        return _parse_legacy(data, report, hint)
    if real == "badzip":
        raise ParseError("corrupt or truncated ZIP container" + expected)
    if real in ("zip", "binary"):
        raise ParseError(
            f"unsupported binary content ({real})" + (f", expected {hint}" if hint else "")
        )
    if hint == "doc" and real == "html":
        # Word can save a "web page" under .doc: parse it, but only keep it if it is a report
        r = _dispatch(real, data, report, encoding, content_type)
        if r.status in (STATUS_PARSED, STATUS_NO_TABLES):
            r.warnings.append("a .doc file that is HTML (Word web-page format)")
            return r
        raise ParseError("expected doc but received html")
    if hint in ("pdf", "docx", "doc") and real in ("html", "text"):
        # A link to a document that returned a web page: an error page, a login wall …
        s, _ = decode(data[:4096], encoding=encoding, content_type=content_type)
        m = re.search(r"<title[^>]*>(.*?)</title>", s, re.I | re.S)
        title = f" (page title: {m.group(1).strip()[:80]!r})" if m else ""
        raise ParseError(f"expected {hint} but received {real}{title}")
    if hint and hint != real and not (hint == "text" and real == "html"):
        report.warnings.append(f"content type/extension says {hint}, content is {real}")
    return _dispatch(real, data, report, encoding, content_type, ocr)


def _failure_message(e: Exception) -> str:
    """The ``error`` recorded for a document whose parse raised ``e``."""
    if isinstance(e, ParseError):  # LimitExceeded too: its message names the limit
        return str(e)
    if isinstance(e, MemoryError):  # the parse worker's address-space limit (RLIMIT_AS)
        return limits.exceeded("memory_mb", "out of memory while parsing")
    if isinstance(e, RecursionError):
        return "document nested too deeply to read (Python recursion limit)"
    return f"{type(e).__name__}: {e}"


def _failed(report: Report, error: str) -> Report:
    report.status = STATUS_ERROR
    report.error = error
    report.cells = []
    return report


def parse_file(path: str | Path, **kw) -> Report:
    """Parse the file at ``path`` (its name is the format hint); see :func:`parse_bytes`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        return Report(status=STATUS_ERROR, error=f"cannot read {p}: {e}", parser=PARSER_ID)
    kw.setdefault("filename", p.name)
    return parse_bytes(data, **kw)
