"""大汉 Hanweb sites: a column page with an embedded ``<datastore>`` and POST paging.

``/col/col{columnid}/index.html`` embeds the first records as CDATA ``<li>`` fragments and
declares ``columnid/unitid/webid/perpage/totalRecord`` in a script; the other records come
from ``POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P``.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from parsel import Selector

from crawler import meta as M
from crawler.families.base import Family, Option

DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
PAGES_PER_REQUEST = 3  # as Hanweb's own jpage script asks: 3 pages per call
IDS = ("columnid", "unitid", "webid")
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)


def _var(text: str, name: str) -> str | None:
    """A script variable (``var name = '…'``), else ``name=…`` in a URL or an object literal."""
    for rx in (
        r"""\bvar\s+%s\s*=\s*['"]?([^'";,\s&<]*)""",
        r"""\b%s\s*[=:]\s*['"]?([^'";,\s&<]*)""",
    ):
        for m in re.finditer(rx % re.escape(name), text):
            if m.group(1):
                return m.group(1)
    return None


def records(text: str) -> list[str]:
    return _RECORD_RE.findall(text)


class Hanweb(Family):
    cms = "hanweb"
    summary = "大汉 Hanweb: /col/colN/index.html with a <datastore>, POST dataproxy.jsp paging"
    options = (
        Option("columnid", int, "the column id (read from the column page when absent)", minimum=0),
        Option("unitid", int, "the unit id (read from the column page when absent)", minimum=0),
        Option("webid", int, "the site id (read from the column page when absent)", minimum=0),
        Option("perpage", int, "records per page (default: as the column page says)", minimum=1),
        Option("webname", str, "the site name sent with dataproxy requests"),
    )

    def parse_list(self, response):
        text = response.text
        embedded = records(text)
        yield from self.requests_from_records(response, embedded)
        conf = self.column_conf(response)
        missing = [k for k in IDS if k not in conf]
        if missing:
            self.run.log_warning(
                "%s: no %s on the column page, cannot page further", response.url, "/".join(missing)
            )
            return
        conf.setdefault("perpage", max(len(embedded), 15))
        total = _var(text, "totalRecord")
        total = int(total) if total and total.isdigit() else None
        yield from self.proxy_requests(response, conf, len(embedded) + 1, total)

    def column_conf(self, response) -> dict:
        """The column's ids: the registry's, else what the column page declares."""
        text = response.text
        conf = dict(self.run.source.get(self.cms) or {})
        for key in (*IDS, "perpage"):
            if key not in conf and (v := _var(text, key)) and v.isdigit():
                conf[key] = int(v)
        if "webname" not in conf:
            conf["webname"] = _var(text, "webname") or ""
        if "columnid" not in conf and (m := re.search(r"/col/col(\d+)/", response.url)):
            conf["columnid"] = int(m.group(1))
        return conf

    def proxy_requests(self, response, conf: dict, start: int, total: int | None):
        """Dataproxy POSTs for records ``start``…``total`` (one batch if total is unknown)."""
        batch = conf["perpage"] * PAGES_PER_REQUEST
        end_all = total if total is not None else start + batch - 1
        form = {
            "col": "1",
            "appid": "1",
            "webid": str(conf["webid"]),
            "path": "/",
            "columnid": str(conf["columnid"]),
            "unitid": str(conf["unitid"]),
            "webname": conf.get("webname", ""),
            "permissiontype": "0",
        }
        s = start
        while s <= end_all:
            e = min(s + batch - 1, end_all) if total is not None else s + batch - 1
            query = urlencode({"startrecord": s, "endrecord": e, "perpage": conf["perpage"]})
            yield self.run.list_request(
                response.urljoin(f"{DATAPROXY_PATH}?{query}"),
                handler="parse_proxy",
                formdata=form,
                meta={M.HANWEB: conf, M.END: e},
            )
            s = e + 1

    def parse_proxy(self, response):
        """A dataproxy answer: its records, and further batches if the total grew."""
        text = response.text
        yield from self.requests_from_records(response, records(text))
        m = _TOTAL_RE.search(text)
        if m:
            # Schedules what the column page could not know; repeats are filtered.
            yield from self.proxy_requests(
                response, response.meta[M.HANWEB], response.meta[M.END] + 1, int(m.group(1))
            )

    def requests_from_records(self, response, fragments: list[str]):
        for fragment in fragments:
            sel = Selector(text=f"<ul>{fragment}</ul>")
            items = sel.xpath("//li") or [sel]
            yield from self.requests_from_items(response, items)
