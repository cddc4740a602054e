"""nianbao parsers: any document (HTML, PDF, DOCX, plain text) → nianbao.model.Report.

    from parsers import parse_bytes, parse_file
    report = parse_file("huaian-city-2024.pdf")
    python -m parsers parse FILE… [--json]

Modules, one job each:
    core      sniff the real format, decode text, dispatch, assemble the Report, statuses
    html      lxml: article container, Word-paste markup, <table> → grids (rowspan/colspan)
    pdf       pypdfium2: page text; ruled tables from path geometry + character boxes
              (pdfplumber's edge/intersection algorithm), tables continued across pages
    docx      python-docx: paragraphs and tables, merged cells deduplicated
    text      tab-separated tables in plain text
    grid      the intermediate: rows of cells with provenance, merged cells expanded
    labels    label normalisation and fuzzy matching against nianbao.form
    numbers   the number rules (blanks, 余, notes, units, full-width digits)
    tables    grids → Cells of 表二/表三/表四, by label
    metadata  title, agency, year, publication date, level, format version
    gc_tuning the garbage collector's setting for a process that parses one document after
              another (parse workers call it once)

pdfium is not thread-safe: PDF parsing is serialised by a lock; use processes for parallelism.
"""

from .core import PARSER_ID, PARSER_VERSION, parse_bytes, parse_file, sniff

__all__ = ["PARSER_ID", "PARSER_VERSION", "parse_bytes", "parse_file", "sniff", "main"]


def main(argv: list[str] | None = None) -> int:
    """CLI entry point (``parse FILE… [--json]``); returns the exit code."""
    from .__main__ import main as _main

    return _main(argv)
