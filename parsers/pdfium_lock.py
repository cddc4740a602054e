"""The one lock around pdfium: pdfium is not thread-safe, so every user of pypdfium2 in a
process (the PDF parser, the OCR route's page renderer) takes it, one document at a time.
Parallelism comes from processes (the parse stage's worker pool)."""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.Lock()
