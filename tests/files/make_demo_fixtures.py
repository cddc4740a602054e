"""Save demo-rendered pages of every CMS family as fixtures (run again after a change to
demo/sites.py's templates; the output is committed):

    .venv/bin/python tests/files/make_demo_fixtures.py

For each family one list page (and the Hanweb dataproxy answer) and report pages, the bytes
as the demo server serves them, with what a crawl must read from each in ``pages.json``
(URL path, Content-Type header, and for report pages the truth: title, date, attachment).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from demo.server import DemoServer  # noqa: E402
from demo.sites import build_demo  # noqa: E402

OUT = HERE / "demo"
SITES = {"trs": "qinghe-yjj", "hanweb": "yunxi-gov", "jsp": "baishi-gov", "generic": "songlin-sjj"}


def fetch(url: str, data: bytes | None = None) -> tuple[bytes, str]:
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
        return r.read(), r.headers["Content-Type"]


def main() -> None:
    root = Path(tempfile.mkdtemp())
    build_demo(root)
    truth = json.loads((root / "truth.json").read_text("utf-8"))
    shutil.rmtree(OUT, ignore_errors=True)
    pages = []
    with DemoServer(root) as server:
        for cms, sid in SITES.items():
            base = server.urls[sid]
            src = next(s for s in truth["sources"] if s["id"] == sid)
            lists = [src["start_path"]]
            if cms == "generic":
                lists += ["/zwgk/index.html", "/zwgk/xxgknb/list.html"]
            for i, path in enumerate(lists):
                pages.append(save(cms, f"list{i}.html", base, path, "list"))
            if cms == "hanweb":
                hw = src["hanweb"]
                form = f"columnid={hw['columnid']}&unitid={hw['unitid']}&webid={hw['webid']}"
                path = "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=12&perpage=3"
                pages.append(save(cms, "dataproxy.xml", base, path, "proxy", form.encode()))
            reports = [r for r in truth["reports"] if r["source_id"] == sid]
            for k, r in enumerate(reports):
                entry = save(cms, f"report{k}.html", base, r["page_path"], "report")
                entry.update(title=r["title"], published=r["published"])
                entry["attachment"] = (
                    r["document_path"] if r["document_path"] != r["page_path"] else None
                )
                pages.append(entry)
    (OUT / "pages.json").write_text(json.dumps(pages, ensure_ascii=False, indent=1), "utf-8")
    shutil.rmtree(root)


def save(cms, name, base, path, kind, data=None) -> dict:
    body, ctype = fetch(base + path, data)
    (OUT / cms).mkdir(parents=True, exist_ok=True)
    (OUT / cms / name).write_bytes(body)
    return {"cms": cms, "file": f"{cms}/{name}", "path": path, "content_type": ctype, "kind": kind}


if __name__ == "__main__":
    main()
