"""The charts page ``/-/dashboards/nianbao`` (plugin datasette-dashboards, Vega-Lite bundled)."""

from __future__ import annotations

from archive.researcher.names import DATABASE_NAME

# Every chart reads the archive; the line and bar charts share their x axis (the year).
_YEAR_X = {"field": "year", "type": "ordinal", "title": "年度 year"}


def _chart(title: str, query: str, display: dict, library: str = "vega-lite") -> dict:
    return {
        "title": title,
        "db": DATABASE_NAME,
        "library": library,
        "query": query,
        "display": display,
    }


DASHBOARD = {
    "title": "年报数据图表 · nianbao charts",
    "description": "申请量、公开率与核查结果的年度变化。 — Requests, grant rates and check results "
    "over the years. Data: key_figures, completeness.",
    "layout": [
        ["applications", "applications"],
        ["grant-rate", "completeness"],
        ["reviews", "reports-count"],
    ],
    "filters": {
        "region": {
            "name": "地区 Region",
            "type": "select",
            "db": DATABASE_NAME,
            "query": "select distinct region from report_list where region is not null "
            "order by region",
        },
    },
    "charts": {
        "applications": _chart(
            "各地区历年新收申请数 · New requests per year by region",
            "select cast(year as text) as year, region, sum(new_requests) as new_requests "
            "from key_figures where is_primary = 1 [[ and region = :region ]] "
            "group by year, region order by year",
            {
                "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {
                    "x": _YEAR_X,
                    "y": {
                        "field": "new_requests",
                        "type": "quantitative",
                        "title": "新收申请 new requests",
                    },
                    "color": {"field": "region", "type": "nominal", "title": "地区 region"},
                },
            },
        ),
        "grant-rate": _chart(
            "公开率 · Grant rate",
            "select cast(year as text) as year, region, round(1.0 * (sum(granted) + "
            "sum(partially_granted)) / nullif(sum(processed), 0), 4) as grant_rate "
            "from key_figures where is_primary = 1 [[ and region = :region ]] "
            "group by year, region order by year",
            {
                "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {
                    "x": _YEAR_X,
                    "y": {
                        "field": "grant_rate",
                        "type": "quantitative",
                        "axis": {"format": "%"},
                        "title": "公开率 grant rate",
                    },
                    "color": {"field": "region", "type": "nominal"},
                },
            },
        ),
        "completeness": _chart(
            "报告齐全情况 · Reports found, flagged, missing",
            "select cast(year as text) as year, status, count(*) as agencies "
            "from completeness where 1 [[ and region = :region ]] "
            "group by year, status order by year",
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "x": _YEAR_X,
                    "y": {"field": "agencies", "type": "quantitative", "title": "机关数 agencies"},
                    "color": {"field": "status", "type": "nominal", "title": "状态 status"},
                },
            },
        ),
        "reviews": _chart(
            "行政复议与行政诉讼 · Reviews and lawsuits",
            "select cast(year as text) as year, '行政复议 review' as kind, "
            "sum(review_total) as cases from key_figures where is_primary = 1 "
            "[[ and region = :region ]] group by year "
            "union all select cast(year as text), '行政诉讼 litigation', "
            "sum(coalesce(litigation_direct_total, 0) + "
            "coalesce(litigation_after_review_total, 0)) from key_figures "
            "where is_primary = 1 [[ and region = :region ]] group by year",
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "x": _YEAR_X,
                    "xOffset": {"field": "kind"},
                    "y": {"field": "cases", "type": "quantitative", "title": "件 cases"},
                    "color": {"field": "kind", "type": "nominal"},
                },
            },
        ),
        "reports-count": _chart(
            "存档报告数 · Reports archived",
            "select count(*) as reports from report_list where 1 [[ and region = :region ]]",
            {"field": "reports", "suffix": " 份"},
            library="metric",
        ),
    },
}
