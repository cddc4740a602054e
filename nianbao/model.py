"""The canonical report model: the one contract between parsers, checks and the database.

A parser turns a document into a :class:`Report`; checks read its :class:`Cell` values
and produce :class:`Finding` objects; the archive stores both, one row per cell and one
row per finding. ``to_dict``/``from_dict`` give the JSON shape of ``nianbao parse --json``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nianbao import form

Number = int | float

# Document / report statuses, recorded in the database and counted in summaries.
STATUS_PARSED = "parsed"  # tables found and read
STATUS_NO_TABLES = "no_tables"  # a report, but its standard tables could not be found
STATUS_NOT_REPORT = "not_report"  # the document is not an annual report
STATUS_NEEDS_OCR = "needs_ocr"  # image-only document: numbers are never guessed
STATUS_ERROR = "error"  # the file could not be read (corrupt, truncated, ...)

# Flag statuses of a report after the checks (reports.flag_status), strongest first.
FLAG_UNPARSEABLE = "unparseable"  # not parsed: its tables were not read, nothing to check
FLAG_FLAGGED = "flagged"  # a hard rule fails
FLAG_INCOMPLETE = "incomplete"  # no hard rule fails, but one is not assessable (cells absent)
FLAG_OK = "ok"  # every hard rule assessable and passing
FLAG_STATUSES = (FLAG_UNPARSEABLE, FLAG_FLAGGED, FLAG_INCOMPLETE, FLAG_OK)

# Document statuses (``documents.status``) set before any parse: the crawler writes them.
# After a parse a document takes its report's status (above) or STATUS_SEE_ATTACHMENT.
STATUS_PENDING = "pending"  # fetched; its current bytes are not parsed yet
STATUS_FETCH_ERROR = "fetch_error"  # HTTP >= 400 or no response (timeout, refused, too big…)
STATUS_ROBOTS_DISALLOWED = "robots_disallowed"  # robots.txt forbids it: never fetched
STATUS_REFUSED = "refused"  # not the registry's http(s) hosts, or a private address: never sent
STATUS_SEE_ATTACHMENT = "see_attachment"  # a report page whose report is in its attachments


@dataclass
class Source:
    """Where a value came from inside its document: enough to find the cell by hand."""

    page: int | None = None  # PDF page, 1-based
    bbox: tuple[float, float, float, float] | None = None  # PDF cell box (x0, top, x1, bottom)
    table: int | None = None  # table index in the document, 0-based
    row: int | None = None  # row index inside that table
    col: int | None = None  # column index inside that row


@dataclass
class Cell:
    """One number of a standard table, normalised, with the text it was read from."""

    table: str  # form.T2 / T3 / T4
    row: str  # canonical row key (form.py)
    col: str  # canonical column key
    value: Number | None  # the number; None when the cell is blank or unreadable
    raw: str = ""  # the cell text as printed
    note: str | None = None  # e.g. "余" qualifier, "（其中修订16件）", "blank read as 0"
    source: Source = field(default_factory=Source)
    # Amounts only: the unit of ``value`` (the column's unit, e.g. 万元, or the unit printed
    # where the form fixes none). A value printed in another unit is converted and ``note``
    # says so ("printed '251000元', converted to 万元"). None for counts.
    unit: str | None = None

    @property
    def address(self) -> str:
        return f"{self.table}.{self.row}.{self.col}"


@dataclass
class Report:
    """A parsed annual report: metadata, the standard tables cell by cell, and text."""

    status: str = STATUS_PARSED
    title: str | None = None
    agency: str | None = None
    region: str | None = None  # e.g. 江苏省淮安市
    level: str | None = None  # government | department (deadlines differ, Art. 49)
    year: int | None = None
    format_version: str = form.FORMAT_UNKNOWN
    published: str | None = None  # ISO date
    url: str | None = None
    doc_format: str | None = None  # html / pdf / docx / text
    cells: list[Cell] = field(default_factory=list)
    text: str = ""
    missing_rows: list[str] = field(default_factory=list)  # "t3.withheld_admin_query"
    extra_rows: list[str] = field(default_factory=list)  # labels that matched no row
    warnings: list[str] = field(default_factory=list)  # where the parser is unsure
    error: str | None = None
    parser: str | None = None
    # Added with issue 3 (defaults keep old JSON and callers working):
    region_code: str | None = None  # administrative division code (GB/T 2260), e.g. 320800
    sections: dict[str, str] = field(default_factory=dict)  # "一" … "六" → section text
    ocr: bool = False  # numbers read by OCR from images: never as trusted as text
    # Added with issue 10:
    # row address → the label as printed where it was read ("t3.withheld_prohibited_by_law" →
    # "2.其他法律行政止公开"): FORMAT-DRIFT lists labels that differ from the form's.
    row_labels: dict[str, str] = field(default_factory=dict)
    # row address of each entry of missing_rows → why it is missing and the text printed
    # where the form has it ("t3.carried_forward" → "no row after t3.total; printed: …").
    missing_reasons: dict[str, str] = field(default_factory=dict)

    def value(self, table: str, row: str, col: str) -> Number | None:
        """The value of one cell, or None if it is absent or blank."""
        cell = self.cell(table, row, col)
        return None if cell is None else cell.value

    def cell(self, table: str, row: str, col: str) -> Cell | None:
        return self._index().get((table, row, col))

    def has_row(self, table: str, row: str) -> bool:
        return any(c.table == table and c.row == row for c in self.cells)

    def _index(self) -> dict[tuple[str, str, str], Cell]:
        # Checks look cells up hundreds of times per report. The index is rebuilt whenever
        # the list is replaced or grows/shrinks; values changed in place show through since
        # it holds the Cell objects. (Renaming a cell's row in place is not seen: don't.)
        key = (id(self.cells), len(self.cells))
        cache = self.__dict__.get("_cell_index")
        if cache is None or cache[0] != key:
            cache = (key, {(c.table, c.row, c.col): c for c in self.cells})
            self.__dict__["_cell_index"] = cache
        return cache[1]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a report. Written out by hand: ``dataclasses.asdict`` deep-copies
        every value and was the bottleneck of building a 1000-report demo."""
        d = {}
        for name in _REPORT_FIELDS:
            v = getattr(self, name)
            d[name] = list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
        d["cells"] = [
            {
                **{n: getattr(c, n) for n in _CELL_FIELDS},
                "source": {n: getattr(c.source, n) for n in _SOURCE_FIELDS},
            }
            for c in self.cells
        ]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        d = dict(d)
        cells = []
        for c in d.pop("cells", []):
            c = dict(c)
            src = c.pop("source", None) or {}
            if src.get("bbox") is not None:
                src["bbox"] = tuple(src["bbox"])
            cells.append(Cell(source=Source(**src), **c))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(cells=cells, **{k: v for k, v in d.items() if k in known})


_REPORT_FIELDS = tuple(f.name for f in dataclasses.fields(Report) if f.name != "cells")
_CELL_FIELDS = tuple(f.name for f in dataclasses.fields(Cell) if f.name != "source")
_SOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Source))

# Finding severities and statuses.
SEVERITY_ERROR = "error"  # hard rule
SEVERITY_WARNING = "warning"  # soft rule
FAIL, PASS, NOT_ASSESSABLE = "fail", "pass", "not_assessable"


def flag_status(report_status: str, findings: Iterable[tuple[str, str]]) -> str:
    """The flag status of a report from its status and its findings' (severity, status):
    unparseable when it was not parsed, flagged when a hard rule fails, incomplete when none
    fails but one is not assessable, ok otherwise. A failure outranks missing cells: what was
    read is already wrong.

    >>> flag_status("parsed", [("error", "pass"), ("error", "not_assessable")])
    'incomplete'
    >>> flag_status("parsed", [("error", "fail"), ("error", "not_assessable")])
    'flagged'
    """
    if report_status != STATUS_PARSED:
        return FLAG_UNPARSEABLE
    hard = {status for severity, status in findings if severity == SEVERITY_ERROR}
    if FAIL in hard:
        return FLAG_FLAGGED
    return FLAG_INCOMPLETE if NOT_ASSESSABLE in hard else FLAG_OK


@dataclass
class Finding:
    """The result of one rule on one report, pointing at the cells involved."""

    rule: str
    severity: str
    status: str
    scope: str = ""  # e.g. the column or group the rule was applied to
    expected: Number | None = None
    actual: Number | None = None
    cells: list[str] = field(default_factory=list)  # Cell.address values
    message: str = ""
    message_zh: str = ""

    @property
    def difference(self) -> Number | None:
        if self.expected is None or self.actual is None:
            return None
        return self.actual - self.expected

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["difference"] = self.difference
        return d
