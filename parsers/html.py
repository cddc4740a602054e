"""HTML → article text + grids (lxml).

The report sits in an article container (TRS editors, CMS templates); page chrome
(navigation, footers, related links) is ignored. Word-paste markup (span/font/o:p,
&nbsp;) is harmless because cell text is taken from all descendants and labels are
whitespace-normalised.
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from .grid import Grid, place_html_like

# Article containers seen on government CMSs, most specific first: (tag or "*", "class" / "id" /
# None, the class or id, minimum text length to accept it).
CONTAINERS: tuple[tuple[str, str | None, str | None, int], ...] = (
    ("div", "class", "TRS_Editor", 10),
    ("div", "class", "TRS_UEDITOR", 10),
    ("*", "class", "article_content", 10),
    ("*", "id", "zoom", 10),
    ("*", "id", "ivs_content", 10),
    ("ucapcontent", None, None, 10),
    ("*", "id", "UCAP-CONTENT", 10),
    ("*", "class", "article-content", 50),
    ("*", "id", "content", 200),
    ("article", None, None, 200),
)


def _container_rule(tag: str, attr: str | None, value: str | None) -> tuple[str, str | re.Pattern]:
    """(XPath, what the page source must hold for the XPath to match: the class or id as
    written — a plain substring, found by ``in``, ten times faster than sre on a 100 kB page
    — or the start tag, whose name is case-insensitive: a pattern). A plain word, not the
    attribute around it: "id\\s*=\\s*…" costs ~150 instructions a character of the page.

    The XPaths select the same elements as "//*[@id='zoom']" or "//div[…@class…]", written
    so that libxml2 does less: "//*[@id='zoom']" builds the attribute's string for every
    element (4.7 M instructions on a 100 kB Word-paste page), "//@id[.='zoom']/.." only for
    elements that have one (0.5 M); "/descendant::div" skips the set of every node that
    "//div" builds first."""
    if attr is None:
        return f"/descendant::{tag}", re.compile(rf"(?i:<{tag})")
    if attr == "id":
        return f"//@id[.='{value}']/..", value
    has = f"contains(concat(' ', normalize-space(@class), ' '), ' {value} ')"
    if tag == "*":
        return f"//@class[{has.replace('@class', '.')}]/..", value
    return f"/descendant::{tag}[{has}]", value


# Each XPath walks the whole tree: on a page without a known container all ten cost more than
# the rest of the parse, so a rule runs only when its pattern is in the source. A numeric
# character reference ("TRS&#95;Editor") could spell a value: then every rule runs.
_CONTAINER_XPATHS = tuple(
    (etree.XPath(xp), min_len, hint)
    for tag, attr, value, min_len in CONTAINERS
    for xp, hint in [_container_rule(tag, attr, value)]
)


ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd")
# Section words that show where the report text is (used when no known container matches).
REPORT_MARKERS = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "行政复议",
    "存在的主要问题",
    "其他需要报告的事项",
    "年度报告",
)
DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "template")
BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dd",
    "dt",
    "hr",
    "center",
    "form",
}
# Elements walked into (not flattened) by _doc_text: layout cells can hold the whole article.
_CONTAINER_TAGS = {"body", "td", "th", "tbody", "thead", "tfoot", "main", "ucapcontent"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


_HSPACE = re.compile(r"[ \t\r\f\v\xa0\u3000]+")


_PARSER = etree.HTMLParser(remove_comments=False, remove_pis=True)
# The same for a page's UTF-8 bytes: libxml2 reads them as they are, where a str is converted
# first (2.4 M of ~48 M instructions on a 178 kB page). The encoding given overrides a
# <meta charset>, as decoding the page before parsing it does.
_UTF8_PARSER = etree.HTMLParser(remove_comments=False, remove_pis=True, encoding="utf-8")


def mark_blocks(root) -> None:
    """Put a line break at the start and after the end of every block element, in the tree,
    so that :func:`_text` is one C-level text serialisation (a Python walk over Word-paste
    markup was the bottleneck of HTML parsing)."""
    for e in root.iter(*BLOCK_TAGS):
        e.text = "\n" + (e.text or "")
        e.tail = "\n" + (e.tail or "")


def _all_text(e) -> str:
    return etree.tostring(e, method="text", encoding=str, with_tail=False)


def _text(el) -> str:
    """Text of an element with line breaks at block elements (cells: "商业<p>企业" → "商业\n企业").
    Needs :func:`mark_blocks` on the tree first."""
    return _normalise(_all_text(el))


def _normalise(s: str) -> str:
    """Runs of horizontal space → one space; every line stripped, empty lines dropped."""
    return "\n".join(filter(None, map(str.strip, _HSPACE.sub(" ", s).split("\n"))))


# Separates cell texts normalised together (a private-use character: never in page text, and
# checked). Not whitespace: stripping a line never removes it.
_CELL_SEP = "\ue001"


def _normalise_all(texts: list[str]) -> list[str]:
    """:func:`_normalise` of every text, done once on all of them joined by a separator: per
    cell, the calls cost more than serialising the cell. A line of the joined string holds
    the last line of one cell and the first of the next; its inner ends are the cells' ends,
    which the final strip removes, so every cell comes out as it would alone."""
    joined = _CELL_SEP.join(texts)
    if joined.count(_CELL_SEP) != max(len(texts) - 1, 0):
        return [_normalise(t) for t in texts]  # the separator occurs in a text
    return list(map(str.strip, _normalise(joined).split(_CELL_SEP)))


def _doc_text(el, cell_text: dict | None = None) -> str:
    """Plain text of the container: paragraphs as lines, table rows as tab-separated cells.
    ``cell_text``: texts of table rows already read (tr element → cell texts)."""
    out: list[str | None] = []
    raw: list[str] = []
    _walk(el, out, cell_text or {}, raw)
    # the inline elements' texts, normalised together (per element, the calls of
    # _normalise cost more than serialising it: a Word paste has hundreds of <span>s)
    inline = iter(_normalise_all(raw))
    joined = []
    for line in out:
        if line is None:
            line = next(inline).replace("\n", "")
            if not line:
                continue  # an inline element without text writes no line
        line = line.replace("\xa0", " ").strip()
        if line or (joined and joined[-1]):
            joined.append(line)
    return "\n".join(joined).strip()


def _walk(e, out: list[str | None], cell_text: dict, raw: list[str]) -> None:
    """:func:`_doc_text`'s recursion: lines into ``out``; an inline element's line is None
    there, its serialised text appended to ``raw`` (normalised later, all at once). A module
    function, not a closure: a closure that calls itself is a reference cycle, which kept the
    whole lxml document alive until the cyclic garbage collector ran (and its collections
    then cost milliseconds)."""
    if not isinstance(e.tag, str):
        return
    tag = e.tag.split("}")[-1].lower()
    if tag == "table" and not _has_table_inside(e):
        for tr in _rows(e):
            texts = cell_text.get(tr)
            if texts is None:
                texts = [_text(td) for td in _cells(tr)]
            out.append("\t".join(t.replace("\n", "") for t in texts))
        out.append("")
        return  # the table's tail is its parent's to write, as for every element
    if tag in BLOCK_TAGS or tag in _CONTAINER_TAGS:
        if e.text and e.text.strip():
            out.append(e.text.strip())
        for ch in e:
            _walk(ch, out, cell_text, raw)
            if ch.tail and ch.tail.strip():
                out.append(ch.tail.strip())
    else:
        out.append(None)
        raw.append(_all_text(e))


def _rows(table) -> list:
    """The table's own rows (./tr, ./thead/tr, ./tbody/tr, ./tfoot/tr in document order),
    from lxml's C-level child iteration: an XPath call per table and per row cost more than
    reading the cells."""
    out = []
    for ch in table.iterchildren("tr", "thead", "tbody", "tfoot"):
        if ch.tag == "tr":
            out.append(ch)
        else:
            out.extend(ch.iterchildren("tr"))
    return out


def _cells(tr) -> list:
    return list(tr.iterchildren("td", "th"))


def _has_table_inside(el) -> bool:
    return next(el.iterdescendants("table"), None) is not None


def _span(v: str | None) -> int:
    """A rowspan or colspan attribute's value as a count (1 when absent or not a number)."""
    if not v:
        return 1
    if v.isdecimal():  # the common case: a bare number
        n = int(v)
        return n if n > 0 else 1
    m = re.match(r"\s*(\d+)", v)
    return int(m.group(1)) if m and int(m.group(1)) > 0 else 1


def read_grids(container) -> tuple[list[Grid], dict]:
    """The grids of the container's tables (a layout table around other tables is not one:
    the inner ones are read), and each row's cell texts (tr element → texts) for
    :func:`_doc_text`. One pass over the rows collects every cell's serialised text and spans;
    the texts are normalised together, then placed."""
    tables = []  # per table: [(tr, its cells)]
    raw: list[str] = []
    for table in container.iter("table"):
        if _has_table_inside(table):
            continue
        rows = [(tr, _cells(tr)) for tr in _rows(table)]
        for _, tds in rows:
            raw.extend(map(_all_text, tds))
        if rows:
            tables.append(rows)
    texts = iter(_normalise_all(raw))
    grids: list[Grid] = []
    cell_text: dict = {}
    used = 0  # grid cells of the tables so far: the grid-cell limit is per document
    for rows in tables:
        spec = []
        for tr, tds in rows:
            row_texts = list(islice(texts, len(tds)))
            cell_text[tr] = row_texts
            # (most cells have no span attribute: 1 without the call)
            spec.append(
                [
                    (
                        t,
                        1 if (rs := td.get("rowspan")) is None else _span(rs),
                        1 if (cs := td.get("colspan")) is None else _span(cs),
                        None,
                    )
                    for t, td in zip(row_texts, tds)
                ]
            )
        g = place_html_like(spec, index=len(grids), used=used)
        used += len(g.rows) * g.width
        grids.append(g)
    return grids, cell_text


def _long_enough(elements: list, min_len: int):
    """The element whose normalised text is longest, if at least ``min_len`` characters
    (the first of equals), else None. Normalising an article's text costs ~0.3 ms; a lone
    candidate is accepted from a normalised prefix, which is never longer than the whole."""
    if len(elements) == 1:
        raw = _all_text(elements[0])
        if len(_normalise(raw[: 4 * min_len + 64])) >= min_len:
            return elements[0]
    found = [(n, e) for e in elements if (n := len(_text(e))) >= min_len]
    return max(found, key=lambda x: x[0])[1] if found else None


def hint_in(hint: str | re.Pattern, source: str) -> bool:
    """Whether a container rule's hint (see _container_rule) is in the page source."""
    return hint in source if isinstance(hint, str) else hint.search(source) is not None


def find_container(root, source: str | None = None):
    """The article element. ``source``: the page's HTML, to skip rules that cannot match."""
    char_refs = None  # "&#" in the source, looked up once when first needed
    for xp, min_len, hint in _CONTAINER_XPATHS:
        if source is not None and not hint_in(hint, source):
            if char_refs is None:
                char_refs = "&#" in source
            if not char_refs:
                continue
        if (found := _long_enough(xp(root), min_len)) is not None:
            return found
    best, best_key = None, None
    for e in root.iter("div", "td", "section", "article", "main", "body"):
        if e.tag == "td" and len(e) < 3:
            continue  # a data cell (or a layout cell with one wrapper: its child counts)
        t = _all_text(e)  # (no normalisation: it cost O(page) per element)
        hits = sum(1 for w in REPORT_MARKERS if w in t)
        if hits == 0:
            continue
        key = (hits, -len(t))
        if best_key is None or key > best_key:
            best, best_key = e, key
    if best is not None:
        return best
    body = root.find("body")
    return body if body is not None else root


PUBDATE_META = (
    "PubDate",
    "pubdate",
    "publishdate",
    "article:published_time",
    "firstpublishedtime",
    "dcterms.issued",
    "DC.Date",
    "Maketime",
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
_LABELLED_DATE = re.compile(
    r"(?:发布时间|发布日期|成文日期|公开日期|发文日期)\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})"
)


def _published(root, container) -> str | None:
    """<meta name=PubDate …> or a labelled date ("发布时间：…") near the article."""
    metas = [
        (m.get("name"), m.get("property"), c)
        for m in root.iter("meta")
        if (c := m.get("content")) is not None
    ]  # one pass, not an XPath per name
    for name in PUBDATE_META:
        for n, prop, content in metas:
            if (n == name or prop == name) and (d := _DATE.search(content)):
                year, month, day = map(int, d.groups())
                return f"{year:04d}-{month:02d}-{day:02d}"
    text = _all_text(container)
    el, base = container, len(text)
    for _ in range(3):
        parent = el.getparent()
        if parent is None:
            break
        parent_text = _all_text(parent)
        if len(parent_text) > 3 * base + 3000:
            break
        el, text = parent, parent_text
    # (every gap in the pattern is \s*, so whitespace need not be collapsed first)
    if d := _LABELLED_DATE.search(text):
        year, month, day = map(int, d.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def attachments(container) -> list[str]:
    """Links in the article to documents (the report itself is often an attachment)."""
    out = []
    for a in container.iter("a"):
        href = (a.get("href") or "").strip()
        if href.lower().split("?")[0].endswith(ATTACHMENT_EXT) and href not in out:
            out.append(href)
    return out


def parse_html(
    s: str, utf8: bytes | None = None
) -> tuple[str, list[Grid], str | None, str | None, list[str], int]:
    """(article text, grids, <title>, publication date, attachment links, images in the article).
    ``utf8``: the page's bytes, when ``s`` is their strict UTF-8 decoding (parsed as bytes)."""
    if _XML_DECL.match(s):
        s, utf8 = _XML_DECL.sub("", s), None
    # plain lxml.etree elements: lxml.html's element class lookup per node cost more than
    # the parse itself on 100 kB Word pastes
    if not s.strip():
        root = None
    elif utf8 is not None:
        root = etree.fromstring(utf8, _UTF8_PARSER)
    else:
        root = etree.fromstring(s, _PARSER)
    if root is None:
        root = etree.fromstring("<html><body></body></html>", _PARSER)
    etree.strip_elements(root, *DROP_TAGS, with_tail=False)
    etree.strip_tags(root, etree.Comment)  # conditional comments of Word exports (tails kept)
    mark_blocks(root)
    title_el = root.find(".//title")
    title = _text(title_el) if title_el is not None else None
    container = find_container(root, s)
    grids, cell_text = read_grids(container)
    text = _doc_text(container, cell_text)
    notes = attachments(container)
    return (
        text,
        grids,
        title,
        _published(root, container),
        notes,
        sum(1 for _ in container.iterdescendants("img")),
    )
