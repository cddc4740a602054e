"""The HTML reader's cell texts: read in one pass and normalised together, they must equal what
reading each cell alone gives (the rule below, the reader's spec), whatever the whitespace."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from parsers import html


def one_cell(text: str) -> str:
    """The rule for one cell: runs of horizontal space → one space, every line stripped,
    empty lines dropped."""
    s = html._HSPACE.sub(" ", text)
    return "\n".join(line.strip() for line in s.split("\n") if line.strip())


# Characters that exercise every branch: spaces the rule collapses (\xa0, \u3000, \t, \r),
# whitespace it only strips at line ends (\u2028, \x85, \u2002), line breaks, text.
ALPHABET = [" ", "\t", "\r", "\xa0", "\u3000", "\u2028", "\x85", "\u2002", "\n", "\n", "a", "商"]


@pytest.mark.parametrize("seed", range(20))
def test_cells_normalised_together_equal_cells_alone(seed):
    rng = random.Random(seed)
    texts = [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        for _ in range(rng.randint(0, 40))
    ]
    assert html._normalise_all(texts) == [one_cell(t) for t in texts]


def test_a_cell_holding_the_separator_is_still_read_alone():
    texts = ["a \n b", f"x{html._CELL_SEP}y \n", " 3 "]
    assert html._normalise_all(texts) == ["a\nb", f"x{html._CELL_SEP}y", "3"]


def test_grid_cell_texts_and_spans_from_word_paste_markup():
    page = (
        "<html><body><div class='TRS_Editor'><p>正文</p><table>"
        "<tr><td rowspan='2'><p>商业</p>\n<p>企业</p></td><td colspan=' 2x'>a&nbsp; b</td></tr>"
        "<tr><td><span>1</span><span>2</span></td><td>\u3000 3 \u3000</td></tr>"
        "</table></div></body></html>"
    )
    root = etree.fromstring(page, html._PARSER)
    html.mark_blocks(root)
    (grid,), cell_text = html.read_grids(root)
    assert [[c.text for c in row] for row in grid.rows] == [
        ["商业\n企业", "a b", "a b"],
        ["商业\n企业", "12", "3"],
    ]
    assert grid.rows[0][0] is grid.rows[1][0] and grid.rows[0][1] is grid.rows[0][2]
    assert list(cell_text.values()) == [["商业\n企业", "a b"], ["12", "3"]]


# The container rules as first written: the rewritten XPaths must select the same elements.
PLAIN_XPATHS = {
    "class": "//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {value} ')]",
    "id": "//{tag}[@id='{value}']",
    None: "//{tag}",
}
EDGE_PAGES = [
    "<div ID = 'zoom'>a</div><p id=zoom>b</p><div id='zoom '>c</div><div id='&#122;oom'>d</div>",
    "<td class='x  article_content\ty'>a</td><div class='article_contents'>b</div>",
    "<div class='TRS_Editor'><div class=' TRS_Editor'>a</div></div><p class=TRS_Editor>c</p>",
    "<div id='content'>a</div><span id='content'>b</span><UCAPCONTENT>c</UCAPCONTENT>",
    "<article>a</article><div><article>b</article></div><p style='zoom: 1'>content</p>",
]


@pytest.mark.parametrize("page", EDGE_PAGES)
def test_container_rules_select_what_the_plain_xpaths_select(page):
    root = etree.fromstring(f"<html><body>{page}</body></html>", html._PARSER)
    for (tag, attr, value, _), (xp, _, hint) in zip(html.CONTAINERS, html._CONTAINER_XPATHS):
        plain = etree.XPath(PLAIN_XPATHS[attr].format(tag=tag, value=value))(root)
        assert xp(root) == plain
        if plain and "&#" not in page:
            assert html.hint_in(hint, page), f"{hint!r} must be found where {xp.path} matches"


@pytest.mark.parametrize("seed", range(20))
def test_a_normalised_prefix_is_never_longer_than_the_whole(seed):
    # find_container accepts a lone candidate from its normalised prefix: that is only
    # right if the prefix can never be longer than the whole text normalised
    rng = random.Random(seed)
    for _ in range(200):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 300)))
        cut = rng.randint(0, len(text))
        assert len(html._normalise(text[:cut])) <= len(html._normalise(text))


@pytest.mark.parametrize("min_len", [1, 10, 50, 200])
def test_long_enough_picks_what_the_plain_rule_picks(min_len):
    rng = random.Random(min_len)
    for _ in range(100):
        n = rng.choice([1, 1, 2, 3])
        spans = "".join(
            "<div>" + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 500))) + "</div>"
            for _ in range(n)
        )
        root = etree.fromstring(f"<html><body>{spans}</body></html>", etree.HTMLParser())
        html.mark_blocks(root)
        els = root.findall(".//div")
        plain = [(len(html._text(e)), e) for e in els if len(html._text(e)) >= min_len]
        expected = max(plain, key=lambda x: x[0])[1] if plain else None
        assert html._long_enough(els, min_len) is expected


def test_article_text_of_word_paste_markup():
    # (the text main at cc30d5d gave, before inline texts were normalised together)
    page = (
        "<html><body><div class='TRS_Editor'><p> 一、总体情况<span>\xa0本年</span>"
        "<font>度 <o:p></o:p></font>尾</p><p><span>  </span><b>二、</b>收到\u3000申请</p>"
        "<table><tr><td>a\n b</td><td>1</td></tr></table><span>附件：</span></div></body></html>"
    )
    root = etree.fromstring(page, etree.HTMLParser())
    html.mark_blocks(root)
    container = html.find_container(root, page)
    grids, cell_text = html.read_grids(container)
    assert html._doc_text(container, cell_text) == (
        "一、总体情况\n本年\n度\n尾\n二、\n收到\u3000申请\nab\t1\n\n附件："
    )
