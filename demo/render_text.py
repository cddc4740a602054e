"""Render a truth report as plain text the way sites publish a "文字版": paragraphs as lines,
tables flattened to tab-separated cells, one line per table row, merged cells as empty
cells at every grid position they cover (see ../shared/samples/shizuishan-emergency-2023.txt)."""

from __future__ import annotations

from demo.corpus import TruthReport
from demo.layout import Layout, layout, place


def layout_text(lay: Layout) -> list[str]:
    origin = {(r, c): cell for r, c, cell in place(lay)}
    return [
        "\t".join(origin[(r, c)].text if (r, c) in origin else "" for c in range(lay.ncols))
        for r in range(len(lay.rows))
    ]


def render_text(truth: TruthReport, layouts: dict[str, Layout] | None = None) -> bytes:
    rep = truth.report
    lines = ["", rep.agency or "", "", (rep.title or "")[len(rep.agency or "") :], ""]
    for p in truth.intro:
        lines += [p, ""]
    for section in truth.sections:
        lines += [section.heading, ""]
        for p in section.paragraphs:
            lines += [p, ""]
        if section.table:
            lay = (layouts or {}).get(section.table) or layout(rep, section.table)
            lines += layout_text(lay) + [""]
    return "\n".join(lines).encode("utf-8")
