"""Hostile documents, made on demand: what a compromised or broken municipal site can serve.

Each entry of :data:`FILES` makes one file (bytes, generated here, nothing downloaded) and
says what the parser must make of it: the status, a pattern the error (or a warning) must
match, and which bound holds it. tests/test_hostile_files.py parses every one through the
real parse stage; bench/hostile_bench.py prints the time and peak memory of each.

The sizes are the issue's (a 20 MB PDF of 100,000 pages, a 1 MB zip holding a 1 GiB
document.xml, a 40 kB page of colspans) unless a smaller file shows the same thing.
"""

from __future__ import annotations

import io
import os
import random
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class Hostile:
    kind: str
    filename: str  # the name it is served under: the extension is what it claims to be
    make: Callable[[], bytes]
    status: str  # what the parse must record
    message: str  # regex the report's error (or, for a status other than error, a warning)
    bound: str  # what holds it: a limit's name, "parser" (a check), "namespace" …
    needs: str | None = None  # "soffice": LibreOffice must be installed


# --- PDF ---------------------------------------------------------------------------------


def raw_pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF from object bodies (object i+1 = objects[i]) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref)
    )
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_pdf(lines: list[str] | None = None) -> bytes:
    """A one-page PDF with a line of ASCII text (Helvetica): a well-formed, readable PDF."""
    lines = lines or ["Annual report on government information disclosure 2024"]
    content = (
        b"BT /F1 12 Tf 72 720 Td "
        + b" ".join(b"(%s) Tj 0 -16 Td" % s.encode("latin-1") for s in lines)
        + b" ET"
    )
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def pdf_many_pages(n: int = 100_000) -> bytes:
    """``n`` pages sharing one content stream and font: ~200 bytes a page (the issue's
    20 MB PDF of 100k pages)."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
        _stream(b"BT /F1 12 Tf 72 720 Td (page of a very long document) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects += [page] * n
    return raw_pdf(objects)


def pdf_flate_bomb(mib: int = 1024) -> bytes:
    """One page whose content stream inflates to ``mib`` MiB of spaces (~1 MB compressed)."""
    body, _, _ = _deflate_rle((b" " * (1 << 20) for _ in range(mib)), zlib_header=True)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            _stream(body, b"/Filter /FlateDecode "),
        ]
    )


def pdf_page_tree_loop() -> bytes:
    """A page tree whose /Kids contains itself."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def pdf_encrypted() -> bytes:
    """A PDF that opens only with a password (reportlab's standard encryption)."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("secret-user", "secret-owner", canPrint=0)
    c = canvas.Canvas(buf, encrypt=enc)
    c.drawString(72, 720, "Annual report 2024")
    c.save()
    return buf.getvalue()


def pdf_image_only() -> bytes:
    """A page holding only an image (a scan): no text layer."""
    w = h = 64
    img = _stream(
        zlib.compress(bytes(random.Random(1).getrandbits(8) for _ in range(w * h))),
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode " % (w, h),
    )
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
            _stream(b"q 500 0 0 700 50 50 cm /Im1 Do Q"),
            img,
        ]
    )


# --- DOCX --------------------------------------------------------------------------------


def docx_from_body(body: bytes, *, prolog: bytes = b"") -> bytes:
    """A minimal DOCX whose word/document.xml has ``body`` inside ``w:body``."""
    xml = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + b'<w:document xmlns:w="'
        + W_NS.encode()
        + b'"><w:body>'
        + body
        + b"</w:body></w:document>"
    )
    return docx_from_xml(xml)


def docx_from_xml(xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
            '"/></Types>',
        )
        z.writestr("word/document.xml", xml)
    return buf.getvalue()


def _p(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def docx_grid_before(n: int = 3_000_000) -> bytes:
    """A table row that skips ``n`` grid columns (the issue's 36 kB DOCX: 11.6 s, 1.3 GB)."""
    row = (
        b'<w:tr><w:trPr><w:gridBefore w:val="%d"/></w:trPr><w:tc><w:p><w:r><w:t>1'
        b"</w:t></w:r></w:p></w:tc></w:tr>" % n
    )
    return docx_from_body(_p("年度报告") + b"<w:tbl>" + row * 3 + b"</w:tbl>")


def docx_grid_span(n: int = 100_000) -> bytes:
    cell = (
        b'<w:tc><w:tcPr><w:gridSpan w:val="%d"/></w:tcPr><w:p><w:r><w:t>x</w:t></w:r></w:p>'
        b"</w:tc>" % n
    )
    return docx_from_body(b"<w:tbl><w:tr>" + cell + b"</w:tr></w:tbl>")


def docx_cells_bomb(cells: int = 400, rows: int = 60) -> bytes:
    """Rows of cells each spanning 100 columns (the per-cell cap): 2.4 million positions."""
    cell = b'<w:tc><w:tcPr><w:gridSpan w:val="100"/></w:tcPr><w:p/></w:tc>'
    return docx_from_body(b"<w:tbl>" + (b"<w:tr>" + cell * cells + b"</w:tr>") * rows + b"</w:tbl>")


def docx_vmerge_tower(rows: int = 2000, cols: int = 60) -> bytes:
    """A tall table whose every cell below the first row continues the one above."""
    first = b"<w:tr>" + b'<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p/></w:tc>' * cols
    cont = b"<w:tr>" + b"<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>" * cols
    return docx_from_body(
        _p("年度报告") + b"<w:tbl>" + first + b"</w:tr>" + (cont + b"</w:tr>") * rows + b"</w:tbl>"
    )


def _deflate_rle(chunks, zlib_header: bool = False) -> tuple[bytes, int, int]:
    """(compressed, crc32, size) of the concatenated chunks: deflate's run-length strategy
    compresses a run of one byte ~1000:1 in a fraction of level 9's time."""
    z = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_header else -15, 9, zlib.Z_RLE)
    out, crc, size = [], 0, 0
    for chunk in chunks:
        out.append(z.compress(chunk))
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    out.append(z.flush())
    return b"".join(out), crc, size


def zip_one_member(name: str, chunks, declared_size: int | None = None) -> bytes:
    """A zip with one deflated member, written by hand so that the sizes in its local
    header and central directory can lie (``declared_size``); sizes must fit 32 bits."""
    data, crc, size = _deflate_rle(chunks)
    usize = size if declared_size is None else declared_size
    fname = name.encode()
    fixed = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0, crc, len(data), usize)
    local = b"PK\x03\x04" + fixed + struct.pack("<HH", len(fname), 0) + fname
    central = (
        b"PK\x01\x02"
        + struct.pack("<H", 20)
        + fixed
        # name length, extra, comment, disk, internal attrs, external attrs, header offset
        + struct.pack("<HHHHHII", len(fname), 0, 0, 0, 0, 0, 0)
        + fname
    )
    end = b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(data), 0
    )
    return local + data + central + end


def _document_xml(mib: int):
    yield b'<?xml version="1.0"?><w:document xmlns:w="' + W_NS.encode() + b'"><w:body>'
    chunk = b" " * (1 << 20)
    for _ in range(mib):
        yield chunk
    yield b"</w:body></w:document>"


def docx_zip_bomb(mib: int = 1024) -> bytes:
    """A ~1 MB zip whose document.xml inflates to ``mib`` MiB (the zip directory says so)."""
    return zip_one_member("word/document.xml", _document_xml(mib))


def docx_lying_directory(mib: int = 256) -> bytes:
    """A zip bomb whose directory lies: document.xml declared as 1,000 bytes in both the
    local header and the central directory, inflating to ``mib`` MiB."""
    return zip_one_member("word/document.xml", _document_xml(mib), declared_size=1000)


def docx_billion_laughs() -> bytes:
    ents = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    prolog = f"<!DOCTYPE w:document [{ents}]>".encode()
    return docx_from_body(b"<w:p><w:r><w:t>&a9;</w:t></w:r></w:p>", prolog=prolog)


def docx_xxe() -> bytes:
    prolog = b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    return docx_from_body(_p("年度报告") + b"<w:p><w:r><w:t>&x;</w:t></w:r></w:p>", prolog=prolog)


def docx_deep_nesting(depth: int = 100_000) -> bytes:
    """Content controls nested ``depth`` deep (the reader looks through w:sdt)."""
    return docx_from_body(
        b"<w:sdt><w:sdtContent>" * depth + _p("x") + b"</w:sdtContent></w:sdt>" * depth
    )


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def random_bytes(n: int = 1 << 20, seed: int = 11, head: bytes = b"") -> bytes:
    return head + random.Random(seed).randbytes(n - len(head))


# --- DOC (OLE compound files) ------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_header_then_random(n: int = 64 * 1024) -> bytes:
    """A valid compound-file header (byte order, 512-byte sectors) over random sectors: it
    passes the parser's header check and reaches LibreOffice."""
    head = bytearray(512)
    head[0:8] = OLE_MAGIC
    head[24:26] = struct.pack("<H", 0x3E)  # minor version
    head[26:28] = struct.pack("<H", 3)  # major version 3
    head[28:30] = b"\xfe\xff"  # byte order
    head[30:32] = struct.pack("<H", 9)  # 512-byte sectors
    head[32:34] = struct.pack("<H", 6)
    return bytes(head) + random.Random(5).randbytes(n - 512)


# --- HTML --------------------------------------------------------------------------------


def html_colspan_bomb(cells: int = 100, rows: int = 2000) -> bytes:
    """The issue's 40 kB page: a first row of 100 cells × colspan=100, then 2,000 rows."""
    first = "<tr>" + '<td colspan="100">x</td>' * cells + "</tr>"
    return (
        "<html><body><div id='zoom'><p>年度报告</p><table>"
        + first
        + "<tr><td>1</td></tr>" * rows
        + "</table></div></body></html>"
    ).encode()


def html_rowspan_bomb(tables: int = 30, rows: int = 1000) -> bytes:
    """Tables whose first row's cells span every row below: 100 × 1000 positions each."""
    t = (
        "<table><tr>"
        + '<td rowspan="65534">x</td>' * 100
        + "</tr>"
        + "<tr></tr>" * rows
        + "</table>"
    )
    return ("<html><body><div id='zoom'>" + t * tables + "</div></body></html>").encode()


def html_deep_nesting(depth: int = 200_000) -> bytes:
    return (
        "<html><body>" + "<div>" * depth + "年度报告" + "</div>" * depth + "</body></html>"
    ).encode()


def html_nested_tables(depth: int = 3000) -> bytes:
    return (
        "<html><body>" + "<table><tr><td>" * depth + "年度报告" + "</td></tr></table>" * depth
    ).encode()


def html_attribute_flood(n: int = 200_000) -> bytes:
    attrs = " ".join(f"a{i}='{i}'" for i in range(n))
    return f"<html><body><p {attrs}>年度报告</p></body></html>".encode()


def html_huge(mib: int = 50) -> bytes:
    para = "<p>" + "政府信息公开工作年度报告" * 40 + "</p>\n"
    n = mib * (1 << 20) // len(para.encode())
    return ("<html><body><div id='zoom'>" + para * n + "</div></body></html>").encode()


def text_tab_bomb(tabs: int = 5_000_000) -> bytes:
    return b"x" + b"\t" * tabs + b"\n1\t2\n3\t4\n"


def html_error_page() -> bytes:
    return "<html><head><title>404 页面不存在</title></head><body>not found</body></html>".encode()


# --- the table ---------------------------------------------------------------------------

E = "error"

FILES: tuple[Hostile, ...] = (
    Hostile("pdf-empty", "report.pdf", lambda: b"", E, r"empty document \(0 bytes\)", "parser"),
    Hostile(
        "pdf-truncated", "report.pdf", lambda: truncated(text_pdf()), E, "truncated PDF", "parser"
    ),
    Hostile(
        "pdf-corrupt",
        "report.pdf",
        lambda: b"%PDF-1.7\n" + random_bytes(200_000, 3) + b"\n%%EOF\n",
        E,
        "unreadable PDF",
        "parser",
    ),
    Hostile("pdf-encrypted", "report.pdf", pdf_encrypted, E, "encrypted PDF", "parser"),
    Hostile(
        "pdf-is-html",
        "report.pdf",
        html_error_page,
        E,
        "expected pdf but received html .*页面不存在",
        "parser",
    ),
    Hostile(
        "pdf-100k-pages",
        "report.pdf",
        pdf_many_pages,
        E,
        r"PDF has 100,000 pages: over the limit of 2,000 pages \(NIANBAO_PARSE_MAX_PAGES\)",
        "pages",
    ),
    Hostile(
        "pdf-page-tree-loop",
        "report.pdf",
        pdf_page_tree_loop,
        E,
        r"unreadable PDF: page \d of 2 cannot be loaded",
        "parser",
    ),
    Hostile("pdf-image-only", "report.pdf", pdf_image_only, "needs_ocr", "no text layer", "parser"),
    Hostile(
        "pdf-flate-bomb",
        "report.pdf",
        pdf_flate_bomb,
        E,
        # pdfium aborts when an allocation fails under the worker's RLIMIT_AS
        r"the parse worker died \(SIGABRT\) while reading this document; attempt 1 of 3",
        "memory_mb",
    ),
    Hostile(
        "docx-grid-before",
        "report.docx",
        docx_grid_before,
        E,
        r"a DOCX table row skips 3,000,000 grid columns: over the limit of 1,000 columns "
        r"\(NIANBAO_PARSE_MAX_SPAN\)",
        "span",
    ),
    Hostile(
        "docx-grid-span",
        "report.docx",
        docx_grid_span,
        E,
        r"a DOCX table cell spans 100,000 grid columns: over the limit",
        "span",
    ),
    Hostile(
        "docx-cells-bomb",
        "report.docx",
        docx_cells_bomb,
        E,
        r"expand to [\d,]+ grid cells .*over the limit of 1,000,000 cells "
        r"\(NIANBAO_PARSE_MAX_CELLS\)",
        "cells",
    ),
    Hostile(
        "docx-vmerge-tower", "report.docx", docx_vmerge_tower, "no_tables|not_report", "", "cells"
    ),
    Hostile(
        "docx-zip-bomb",
        "report.docx",
        docx_zip_bomb,
        E,
        r"word/document.xml unzips to 1,024.0 MB \(zip directory; 1.0 MB compressed\): over "
        r"the limit of 64 MB \(NIANBAO_PARSE_MAX_UNZIPPED_MB\)",
        "unzipped_mb",
    ),
    Hostile(
        "docx-lying-directory",
        "report.docx",
        docx_lying_directory,
        E,
        "corrupt DOCX: word/document.xml: Bad CRC-32",
        "unzipped_mb",
    ),
    Hostile(
        "docx-truncated",
        "report.docx",
        lambda: truncated(docx_grid_before(10)),
        E,
        "corrupt or truncated ZIP",
        "parser",
    ),
    Hostile(
        "docx-without-document",
        "report.docx",
        lambda: _zip({"hello.txt": b"hi"}),
        E,
        r"unsupported binary content \(zip\)",
        "parser",
    ),
    Hostile(
        "docx-billion-laughs",
        "report.docx",
        docx_billion_laughs,
        "error|not_report",
        "",
        "parser",
    ),
    Hostile("docx-xxe", "report.docx", docx_xxe, "no_tables|not_report|error", "", "parser"),
    Hostile(
        "docx-deep-nesting",
        "report.docx",
        docx_deep_nesting,
        "error|not_report",
        "",
        "parser",
    ),
    Hostile(
        "doc-bad-header",
        "report.doc",
        lambda: OLE_MAGIC + random_bytes(4096, 9),
        E,
        "bad compound file header",
        "parser",
    ),
    Hostile(
        "doc-random-sectors",
        "report.doc",
        ole_header_then_random,
        E,
        "conversion failed: LibreOffice produced no docx",
        "parser",
        needs="soffice",
    ),
    Hostile(
        "doc-is-html",
        "report.doc",
        html_error_page,
        E,
        "expected doc but received html",
        "parser",
    ),
    Hostile(
        "html-colspan-bomb",
        "report.html",
        html_colspan_bomb,
        E,
        r"tables expand to [\d,]+ grid cells \(2,001 rows × [\d,]+ columns\): over the limit "
        r"of 1,000,000 cells \(NIANBAO_PARSE_MAX_CELLS\)",
        "cells",
    ),
    Hostile(
        "html-rowspan-bomb",
        "report.html",
        html_rowspan_bomb,
        E,
        r"cells of earlier tables\): over the limit of 1,000,000 cells",
        "cells",
    ),
    Hostile(
        "html-deep-nesting",
        "report.html",
        html_deep_nesting,
        "no_tables|not_report|error",
        "",
        "parser",
    ),
    Hostile(
        "html-nested-tables",
        "report.html",
        html_nested_tables,
        "no_tables|not_report|error",
        "",
        "parser",
    ),
    Hostile(
        "html-attribute-flood",
        "report.html",
        html_attribute_flood,
        "no_tables|not_report|error",
        "",
        "parser",
    ),
    Hostile("html-50mb", "report.html", html_huge, "no_tables|not_report", "", "timeout"),
    Hostile(
        "text-tab-bomb",
        "report.txt",
        text_tab_bomb,
        E,
        r"tab-separated rows expand to [\d,]+ grid cells",
        "cells",
    ),
    Hostile(
        "random-bytes-as-pdf",
        "report.pdf",
        random_bytes,
        E,
        r"unsupported binary content \(binary\), expected pdf",
        "parser",
    ),
    Hostile(
        "random-bytes-as-html",
        "report.html",
        lambda: random_bytes(1 << 20, 12, head=b"\x00\x01"),
        E,
        r"unsupported binary content \(binary\), expected html",
        "parser",
    ),
    Hostile(
        "zip-header-then-random",
        "report.docx",
        lambda: random_bytes(1 << 16, 13, head=b"PK\x03\x04"),
        E,
        "corrupt or truncated ZIP",
        "parser",
    ),
)
BY_KIND = {h.kind: h for h in FILES}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def busy_doc_html(rows: int = 6000) -> bytes:
    """HTML of one long table: converted to .doc by LibreOffice (~12 s), it gives a .doc that
    keeps LibreOffice busy for ~57 s when converted back (its table layout is slow; measured
    on 2 idle cores). 3,000 rows took only 13 s on an idle machine: under the tests' 15 s
    limits, so they passed only when the machine was busy."""
    body = "".join(
        f"<tr><td>行{i}</td><td>{i}</td><td>{i * 2}</td><td>{i * 3}</td></tr>" for i in range(rows)
    )
    return f"<html><body><p>年度报告</p><table border=1>{body}</table></body></html>".encode()


def linked_image_html(url: str) -> bytes:
    """A report page whose only image is linked, not embedded: LibreOffice fetches it when it
    opens a document made from this, unless it has no network."""
    return (
        f'<html><body><p>年度报告</p><img src="{url}" width="10" height="10">'
        "<table border=1><tr><td>a</td><td>1</td></tr></table></body></html>"
    ).encode()


class Poller:
    """Calls ``poll()`` every ``interval`` seconds in a thread while its ``with`` block runs:
    what the hostile tests and bench watch in /proc while a parse or conversion runs."""

    interval = 0.1

    def poll(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose command line contains ``text``
    (zombies have none: they hold no resources and are not counted)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        if text in cmd:
            out.append((int(d), cmd))
    return out
