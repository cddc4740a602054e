"""OCR route for image-only PDFs (optional: tesseract with the chi_sim language).

Pages are rendered with pypdfium2, read by ``tesseract … tsv`` (word boxes), and the words go
through the same word-position table reader as PDFs without ruling (pdf.grids_from_chars).
OCR misreads digits: every value read this way carries the note "OCR" and the report
``ocr=True`` with a warning; without tesseract the document stays ``needs_ocr``.
Debian: tesseract-ocr tesseract-ocr-chi-sim (~13 s a page at 300 dpi on this machine).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from functools import lru_cache

import pypdfium2 as pdfium

from .grid import Grid
from .pdfium_lock import PDFIUM_LOCK

DPI = 200
MAX_PAGES = 30  # a scanned 200-page file is not OCRed in the nightly run
TIMEOUT = 120
MIN_CONF = 30.0


@lru_cache(maxsize=1)
def available() -> bool:
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"chi_sim" in out.stdout + out.stderr


def _without_rules(img):
    """Erase table ruling (pixel rows/columns that are mostly dark): tesseract reads the cell
    text of a ruled table far better without the grid."""
    import numpy as np
    from PIL import Image

    a = np.asarray(img).copy()
    dark = a < 128
    rows = dark.mean(axis=1) > 0.35
    cols = dark.mean(axis=0) > 0.2
    for mask, axis in ((rows, 0), (cols, 1)):
        idx = np.flatnonzero(mask)
        for i in idx:
            for d in (-1, 0, 1):  # a rule is 1–3 px wide at 200 dpi
                j = i + d
                if 0 <= j < (a.shape[0] if axis == 0 else a.shape[1]):
                    if axis == 0:
                        a[j, :] = 255
                    else:
                        a[:, j] = 255
    return Image.fromarray(a)


def _words(png: bytes) -> list[tuple[int, float, float, float, float, str, float]]:
    """(line id, left, top, right, bottom, text, confidence) in pixels."""
    proc = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "tsv"],
        input=png,
        capture_output=True,
        timeout=TIMEOUT,
    )
    out = []
    for row in csv.DictReader(
        io.StringIO(proc.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE
    ):
        text = (row.get("text") or "").strip()
        if not text or row.get("level") != "5":
            continue
        line = hash((row["block_num"], row["par_num"], row["line_num"]))
        left, t, w, h = (float(row[k]) for k in ("left", "top", "width", "height"))
        out.append((line, left, t, left + w, t + h, text, float(row.get("conf") or 0)))
    return out


def ocr_pdf(data: bytes, pages: list[int] | None = None) -> tuple[str, list[Grid], list[str]]:
    """(text, grids, warnings) of the given 1-based pages (default: all, up to MAX_PAGES)."""
    from .pdf import grids_from_chars

    warns: list[str] = []
    images: list[tuple[int, float, bytes]] = []
    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(data)
        try:
            todo = pages or list(range(1, len(doc) + 1))
            if len(todo) > MAX_PAGES:
                warns.append(f"OCR limited to the first {MAX_PAGES} of {len(todo)} pages")
                todo = todo[:MAX_PAGES]
            for n in todo:
                page = doc[n - 1]
                bitmap = page.render(scale=DPI / 72)
                buf = io.BytesIO()
                _without_rules(bitmap.to_pil().convert("L")).save(buf, format="PNG")
                images.append((n, page.get_height(), buf.getvalue()))
                page.close()
        finally:
            doc.close()
    texts: list[str] = []
    grids: list[Grid] = []
    low = 0
    for n, height, png in images:
        words = _words(png)
        k = 72 / DPI
        chars: list[tuple[float, float, float, str]] = []
        lines: list[str] = []
        prev_line = None
        for line, left, t, r, b, text, conf in words:
            if line != prev_line:
                chars.append((0.0, 0.0, 0.0, "\n"))
                lines.append("")
                prev_line = line
            lines[-1] += text
            if conf < MIN_CONF and any(ch.isdigit() for ch in text):
                low += 1
            w = (r - left) / len(text)
            for i, ch in enumerate(text):  # split the word's box evenly over its characters
                chars.append(((left + i * w) * k, (left + (i + 1) * w) * k, (t + b) / 2 * k, ch))
        texts.append("\n".join(lines))
        grids.extend(grids_from_chars(chars, height, n, len(grids)))
    if low:
        warns.append(f"OCR: {low} number(s) read with low confidence")
    return "\n".join(texts), grids, warns
