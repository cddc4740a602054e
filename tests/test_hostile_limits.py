"""The parse limits: one table, read from the environment, documented in docs/hostile.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import limits, parse_bytes
from parsers.errors import LimitExceeded

DOC = Path(__file__).resolve().parents[1] / "docs" / "hostile.md"


def test_every_limit_is_documented_with_its_default():
    text = DOC.read_text(encoding="utf-8")
    for env, default, unit, _bounds in limits.describe():
        assert f"| `{env}` | {default} {unit} |" in text, env


def test_a_limit_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("NIANBAO_PARSE_MAX_PAGES", "3")
    assert limits.get("pages") == 3
    with pytest.raises(LimitExceeded) as e:
        limits.check("pages", 4, "PDF has 4 pages")
    assert str(e.value) == "PDF has 4 pages: over the limit of 3 pages (NIANBAO_PARSE_MAX_PAGES)"
    assert (e.value.limit, e.value.measured) == ("pages", 4)
    monkeypatch.setenv("NIANBAO_PARSE_MAX_PAGES", "many")
    with pytest.raises(ValueError, match="NIANBAO_PARSE_MAX_PAGES='many'"):
        limits.get("pages")


def test_a_lowered_limit_turns_an_ordinary_table_into_an_error(monkeypatch):
    html = "<html><body><div id='zoom'><table>" + "<tr><td>a</td><td>1</td></tr>" * 10
    html += "</table></div></body></html>"
    assert parse_bytes(html.encode(), filename="a.html").error is None
    monkeypatch.setenv("NIANBAO_PARSE_MAX_CELLS", "19")
    r = parse_bytes(html.encode(), filename="a.html")
    assert r.status == "error" and r.error == (
        "tables expand to 20 grid cells (10 rows × 2 columns): over the limit of 19 cells "
        "(NIANBAO_PARSE_MAX_CELLS)"
    )


def test_installed_limits_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("NIANBAO_PARSE_TIMEOUT", "5")
    limits.install({**limits.from_env(), "timeout": 7})
    try:
        assert limits.get("timeout") == 7
    finally:
        limits.install(None)
    assert limits.get("timeout") == 5
