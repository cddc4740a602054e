"""Titles and descriptions of every table, view and column, in Chinese and English.

:func:`archive.researcher.metadata.metadata` turns them into Datasette metadata; a test fails
when a table, view or column of the schema has no description here.
"""

from __future__ import annotations

from archive.researcher.names import FTS_TABLE
from nianbao import form

TABLE_DOCS: dict[str, tuple[str, str, str]] = {
    # name: (title, description_zh, description_en)
    "report_list": (
        "报告一览 · Reports",
        "每份现行报告一行：机关、地区、层级、年度、格式版本、状态、原文链接、发布日期、抓取时间。",
        "One row per current report: agency, region, level, year, format version, "
        "status, source URL, publication and capture time.",
    ),
    "cell_values": (
        "表格数值（长表） · Table values (long form)",
        "表二、表三、表四的每个数值一行，附表格上印的行名和列名。",
        "Every 表二/表三/表四 value, one row each, with the row and column labels "
        "printed on the form.",
    ),
    "key_figures": (
        "主要指标 · Key figures",
        "每份报告一行：表三的申请和办理结果合计、表四的复议诉讼总数、公开率。",
        "One row per report: 表三 requests and outcomes (column 总计), 表四 totals, grant rate.",
    ),
    "findings_detail": (
        "核查结果 · Findings",
        "每条规则对每份报告的核查结果，附机关、地区、年度。",
        "Every rule result on every current report, with agency, region and year.",
    ),
    "completeness": (
        "报告齐全情况 · Completeness",
        "机关 × 年度：found 已存档、flagged 有勾稽错误、incomplete 缺少单元格无法全部核对、"
        "unparseable 无法解析、missing 缺失。",
        "Agency × year: found, flagged (hard rule failed), incomplete (a hard rule could not "
        "be checked: cells missing), unparseable, missing.",
    ),
    "table2": (
        "表二 主动公开（宽表） · 表二 proactive disclosure (wide)",
        "每份报告、表二每行一行，列为 "
        "本年制发件数/本年废止件数/现行有效件数/处理决定数量/收费金额。",
        "One row per report and 表二 row; columns issued, repealed, in force, decisions, "
        "fees (10k yuan).",
    ),
    "table3": (
        "表三 依申请公开（宽表） · 表三 requests (wide)",
        "每份报告、表三每行一行，7 列为申请人类别与总计。",
        "One row per report and 表三 row key, with the 7 applicant columns.",
    ),
    "table4": (
        "表四 行政复议、行政诉讼（宽表） · 表四 review and litigation (wide)",
        "每份报告、表四每组一行：结果维持、结果纠正、其他结果、尚未审结、总计。",
        "One row per report and 表四 group: upheld, corrected, other, pending, total.",
    ),
    "flagged_reports": (
        "未通过的核查 · Failed checks",
        "现行报告中每条未通过的规则。",
        "Every failing finding of a current report.",
    ),
    "cell_totals": (
        "表格数值合计 · Table value totals",
        "按年度、地区、层级汇总表二、表三、表四每个单元格的数值（每个机关每年只计一份报告，"
        "即 is_primary）。",
        "Every 表二/表三/表四 cell summed per year, region and level, over the reports "
        "counted (one per agency and year: is_primary).",
    ),
    "reports": (
        "报告（解析结果） · Reports (parsed)",
        "每个文档版本的解析结果，含全文。可全文检索（3 字以上）。",
        "One row per parsed document version, with its text. Full-text searchable "
        "(3+ characters; use the search query for shorter terms).",
    ),
    "cells": (
        "单元格 · Cells",
        "报告表格中的每个数值及其出处（页码、坐标或表格行列）。",
        "Every table value of a report, with where it was read (page and box, or "
        "table/row/column).",
    ),
    "findings": (
        "核查结果（原表） · Findings (raw)",
        "每份报告、每条规则、每个范围一行。",
        "One row per report, rule and scope.",
    ),
    "sources": (
        "来源 · Sources",
        "抓取登记表中的网站：机关、地区、层级。",
        "The registry entries that are crawled.",
    ),
    "crawl_runs": ("抓取批次 · Crawl runs", "每次抓取一行。", "One row per crawl run."),
    "blobs": (
        "原始文件 · Blobs",
        "内容寻址存储中的每个不同文件。",
        "One row per distinct body in the content-addressed store.",
    ),
    "captures": (
        "抓取记录 · Captures",
        "每次 HTTP 抓取一行（只追加的日志）。",
        "One row per HTTP fetch (an append-only log).",
    ),
    "documents": (
        "文档 · Documents",
        "每个报告页面或附件网址一行。",
        "One row per report page or attachment URL.",
    ),
    "form_rows": (
        "表格行（格式） · Form rows",
        "国办公开办函〔2021〕30号格式中各表的行：键、位置、所在栏目、印刷行名。",
        "The rows of the standard form: key, position, block, printed label.",
    ),
    "form_columns": (
        "表格列（格式） · Form columns",
        "各表的列：键、位置、印刷列名。",
        "The columns of the standard form: key, position, printed label.",
    ),
    "crawl_state": (
        "条件请求状态 · Crawl state",
        "每个网址一行：上次成功抓取的 ETag、Last-Modified 与内容哈希，"
        "供下次抓取发条件请求（未变化则 304，不再存储）。",
        "One row per URL: the ETag, Last-Modified and content hash of its last good "
        "fetch, for conditional requests (304 when unchanged, nothing stored again).",
    ),
    "warc_files": (
        "WARC 文件 · WARC files",
        "每个抓取进程一个 WARC 文件（请求、响应、重访记录），关闭时记录哈希。",
        "One WARC file per crawl process (request, response and revisit records); "
        "hash and size recorded when closed.",
    ),
    "corpus_checks": (
        "跨报告规则检查记录 · Corpus checks",
        "跨报告规则（年度衔接、重复）每对一组当前报告运行一次，"
        "以其报告编号与规则版本的哈希为键；报告未变则不再重复运行。",
        "One row per set of current reports the corpus rules (year-to-year, "
        "duplicates) ran over, keyed by a hash of their ids and the rules "
        "version: a night that changed no report does not run them again.",
    ),
    "source_runs": (
        "来源抓取统计 · Source runs",
        "每个来源、每次抓取一行：抓取页数、304、未重新请求数、字节、发现报告数、新增、变化、"
        "错误，以及异常提示（原有报告消失、来源不再有报告）。",
        "One row per source and crawl run: pages, 304s, documents still fresh (not "
        "requested), bytes, reports found, new, changed, errors, and warnings (a report "
        "disappeared, a source yields none).",
    ),
    "crawl_flags": (
        "抓取异常 · Crawl warnings",
        "source_runs 中的异常提示，每条一行。",
        "The warnings of source_runs, one row each.",
    ),
    "document_versions": (
        "文档版本 · Document versions",
        "每个文档的每个版本（内容哈希不同即新版本），附首末抓取时间。",
        "Every version of every document (a new content hash is a new "
        "version), with its first and last capture time.",
    ),
    "report_facts": (
        "报告汇总（内部） · Report facts (internal)",
        "report_list 与 key_figures 的汇总表，报告变化时由触发器标记、打开数据库时更新。",
        "Summary table behind report_list and key_figures, marked by triggers when a report "
        "changes and refreshed whenever the database is opened.",
    ),
    "completeness_facts": (
        "齐全情况汇总（内部） · Completeness facts (internal)",
        "completeness 视图的汇总表，随 report_facts 一起更新。",
        "Summary table behind the completeness view, refreshed with report_facts.",
    ),
    "failure_facts": (
        "未通过核查汇总（内部） · Failure facts (internal)",
        "flagged_reports 视图的汇总表，随 report_facts 一起更新。",
        "Summary table behind the flagged_reports view, refreshed with report_facts.",
    ),
    "cell_total_facts": (
        "表格数值合计汇总（内部） · Cell total facts (internal)",
        "cell_totals 视图的汇总表，随 report_facts 一起更新。",
        "Summary table behind the cell_totals view, refreshed with report_facts.",
    ),
    "facts_dirty": (
        "待更新报告（内部） · Reports to refresh (internal)",
        "汇总表待重新计算的报告编号。",
        "Ids of reports whose summary rows are to be recomputed.",
    ),
    FTS_TABLE: (
        "全文索引 · Full-text index",
        "reports 表标题、机关、正文的 FTS5 三元组索引。",
        "FTS5 trigram index over reports.title, agency and text.",
    ),
}
FTS_SHADOW = [f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config")]

COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "id": ("主键", "primary key"),
    "report_id": (
        "报告编号（文档编号-内容哈希前12位）",
        "report id (document id + 12 hex of content hash)",
    ),
    "agency": ("机关名称", "agency"),
    "region": ("地区，如 江苏省淮安市", "region, e.g. 江苏省淮安市"),
    "level": ("层级：government 政府 / department 部门", "level: government or department"),
    "year": ("报告年度", "report year"),
    "format_version": ("格式版本：2021 / 2019 / pre2019 / unknown", "format version"),
    "status": ("状态", "status"),
    "flag_status": (
        "核查状态：ok / flagged 有错误 / incomplete 缺少单元格、有硬性规则无法核对 / unparseable",
        "check status: ok, flagged, incomplete (cells missing: a hard rule not assessable), "
        "unparseable",
    ),
    "n_errors": ("未通过的硬性规则数", "failed hard rules"),
    "n_warnings": ("未通过的提示性规则数", "failed soft rules"),
    "source_url": ("原文网址", "URL of the original"),
    "url": ("网址", "URL"),
    "published": ("发布日期", "publication date"),
    "captured_at": ("抓取时间（UTC）", "capture time (UTC)"),
    "doc_format": ("文件格式：html / pdf / docx …", "document format"),
    "title": ("标题", "title"),
    "source_id": ("来源编号", "source id"),
    "document_id": ("文档编号（网址 SHA-1 前16位）", "document id (16 hex of SHA-1 of the URL)"),
    "sha256": ("内容 SHA-256（原文存档）", "content SHA-256 (archived original)"),
    "is_primary": (
        "1 = 该机关该年度计入统计的报告",
        "1 = the report counted for this agency and year",
    ),
    "text_rowid": ("全文索引行号", "row id in the full-text index"),
    "tbl": ("表：t2 表二 / t3 表三 / t4 表四", "table: t2, t3 or t4"),
    "row_position": ("行在表格中的位置", "row position on the form"),
    "row_key": ("行键（见 form_rows）", "row key (see form_rows)"),
    "row_block": ("行所在栏目", "block of the row"),
    "row_label": ("表格上印的行名", "row label as printed"),
    "col_position": ("列在表格中的位置", "column position on the form"),
    "col_key": ("列键（见 form_columns）", "column key (see form_columns)"),
    "col_label": ("表格上印的列名", "column label as printed"),
    "value": ("数值（空白单元格为空）", "number (NULL when blank)"),
    "raw": ("单元格原文", "cell text as printed"),
    "note": ("备注，如“余”、括注", "note, e.g. 余 or a bracketed remark"),
    "unit": ("金额单位（换算后），如万元、元", "unit of an amount (after conversion), e.g. 万元"),
    "new_requests": ("本年新收申请数量（总计）", "new requests this year (总计)"),
    "new_requests_natural_person": ("本年新收申请：自然人", "new requests from natural persons"),
    "carried_over": ("上年结转申请数量", "requests carried over from last year"),
    "granted": ("予以公开", "granted"),
    "partially_granted": ("部分公开", "partially granted"),
    "withheld": ("不予公开（8项合计）", "withheld (sum of 8 rows)"),
    "unavailable": ("无法提供（3项合计）", "unavailable (sum of 3 rows)"),
    "rejected": ("不予处理（5项合计）", "not processed (sum of 5 rows)"),
    "other_handling": ("其他处理（合计）", "other handling (sum)"),
    "processed": ("办理结果总计", "total processed (（七）总计)"),
    "carried_forward": ("结转下年度继续办理", "carried forward to next year"),
    "review_total": ("行政复议总计", "administrative reviews, total"),
    "litigation_direct_total": ("未经复议直接起诉总计", "lawsuits without prior review, total"),
    "litigation_after_review_total": ("复议后起诉总计", "lawsuits after review, total"),
    "grant_rate": (
        "公开率 =（予以公开+部分公开）÷ 办理总计",
        "(granted + partially granted) ÷ processed",
    ),
    "rule": ("规则编号，见 docs/checks.md", "rule id (docs/checks.md)"),
    "scope": ("规则适用范围（列、组或单元格）", "scope: column, group or cell"),
    "severity": ("error 硬性 / warning 提示", "error (hard) or warning (soft)"),
    "expected": ("应有值（分项合计）", "expected (sum of parts)"),
    "actual": ("填报值", "stated value"),
    "difference": ("差额 = 填报 − 应有", "difference = actual − expected"),
    "cells": ("涉及的单元格（JSON）", "cells involved (JSON list of tbl.row.col)"),
    "message_zh": ("说明（中文）", "message in Chinese"),
    "message": ("说明（英文）", "message in English"),
    "rules_version": ("规则版本", "rules version"),
    "n_reports": ("该年度存档报告数", "archived reports that year"),
    "n_cells": ("读出的单元格数", "number of cells read"),
    "block": ("所在栏目", "block"),
    "label": ("印刷名称", "printed label"),
    "position": ("位置", "position"),
    "formats": ("适用的格式版本", "format versions with this row"),
    "is_decimal": ("1 = 小数（收费金额）", "1 = decimal (fees)"),
    "group_key": ("表四组：review / litigation_direct / litigation_after_review", "表四 group"),
    "document_status": ("文档状态", "document status"),
    # reports
    "is_current": ("1 = 该文档的最新版本", "1 = newest version of the document"),
    "missing_rows": ("缺少的表格行（JSON）", "form rows missing (JSON)"),
    "extra_rows": ("多出的表格行（JSON）", "rows not on the form (JSON)"),
    "missing_reasons": (
        "缺少各行的原因及该处所印内容（JSON）",
        "why each missing row is missing, with what is printed in its place (JSON)",
    ),
    "row_labels": ("各行所印标签（JSON）", "each row's label as printed (JSON)"),
    "warnings": ("解析提示（JSON）", "parser warnings (JSON)"),
    "error": ("错误信息", "error"),
    "parser": ("解析器", "parser"),
    "parsed_at": ("解析时间", "parse time"),
    "text": ("报告全文", "report text"),
    # cells
    "page": ("PDF 页码", "PDF page"),
    "bbox": ("PDF 单元格坐标", "PDF cell box"),
    "src_table": ("文档中的表格序号", "table index in the document"),
    "src_row": ("表格中的行序号", "row index in that table"),
    "src_col": ("行中的列序号", "column index in that row"),
    # sources / runs / captures / documents / blobs
    "cms": ("网站系统类型", "CMS family"),
    "start_urls": ("起始网址（JSON）", "start URLs (JSON)"),
    "allowed_domains": ("允许的域名（JSON）", "allowed domains (JSON)"),
    "registry": ("登记表文件", "registry file"),
    "updated_at": ("更新时间", "updated at"),
    "started_at": ("开始时间", "started at"),
    "finished_at": ("结束时间", "finished at"),
    "sources": ("本次抓取的来源（JSON）", "sources crawled (JSON)"),
    "stats": ("统计（JSON）", "statistics (JSON)"),
    "size": ("字节数", "size in bytes"),
    "path": ("存储路径（相对 data/blobs/）", "path under data/blobs/"),
    "first_seen": ("首次发现", "first seen"),
    "last_seen": ("最近发现", "last seen"),
    "run_id": ("抓取批次", "crawl run"),
    "final_url": ("跳转后的网址", "final URL after redirects"),
    "method": ("HTTP 方法", "HTTP method"),
    "fetched_at": ("抓取时间", "fetch time"),
    "content_type": ("内容类型", "content type"),
    "referer": ("来源页面", "referring page"),
    "headers": ("响应头（JSON）", "response headers (JSON)"),
    "role": ("page 页面 / attachment 附件", "page or attachment"),
    "linked_from": ("链接所在页面", "page that linked it"),
    "fingerprint": ("报告编号与规则版本的哈希", "hash of the report ids and the rules version"),
    "checked_at": ("检查时间", "checked at"),
    "links": (
        "报告页面上的附件链接（JSON：[网址, 标题]）",
        "a report page's attachment links (JSON: [url, title])",
    ),
    "capture_id": ("最近一次抓取编号", "newest capture id"),
    "http_status": ("HTTP 状态码", "HTTP status"),
    "parsed_sha256": ("已解析的内容哈希", "content hash last parsed"),
}
# Same column name, different meaning in one table.
COLUMN_OVERRIDES: dict[tuple[str, str], tuple[str, str]] = {
    ("report_list", "status"): ("解析状态：parsed / no_tables / needs_ocr …", "parse status"),
    ("reports", "status"): ("解析状态：parsed / no_tables / needs_ocr …", "parse status"),
    ("key_figures", "status"): ("解析状态", "parse status"),
    ("findings", "status"): (
        "fail 未通过 / pass 通过 / not_assessable 无法核对",
        "fail, pass or not_assessable",
    ),
    ("findings_detail", "status"): (
        "fail 未通过 / pass 通过 / not_assessable 无法核对",
        "fail, pass or not_assessable",
    ),
    ("flagged_reports", "report_id"): COLUMN_DOCS["report_id"],
    ("report_facts", "group_key"): (
        "计数分组：机关（缺失时用来源）",
        "counting group: the agency (else its source)",
    ),
    ("completeness", "status"): (
        "found 已存档 / flagged 有勾稽错误 / incomplete 缺少单元格 / unparseable 无法解析 / "
        "missing 缺失",
        "found, flagged, incomplete, unparseable or missing",
    ),
    ("completeness", "report_id"): ("计入统计的报告", "the report counted"),
    ("cell_totals", "n_reports"): (
        "该单元格有数值的报告数（每个机关每年一份）",
        "reports counted with a value in this cell",
    ),
    ("cell_totals", "total"): ("该单元格数值之和", "sum of this cell's values"),
    ("cell_total_facts", "n_reports"): (
        "该单元格有数值的报告数（每个机关每年一份）",
        "reports counted with a value in this cell",
    ),
    ("cell_total_facts", "total"): ("该单元格数值之和", "sum of this cell's values"),
    ("completeness", "n_errors"): ("该报告未通过的硬性规则数", "failed hard rules of that report"),
    ("documents", "status"): (
        "文档状态（见 docs/database.md）",
        "document status (docs/database.md)",
    ),
    ("corpus_checks", "reports"): ("所比较的当前报告数", "number of current reports compared"),
    ("crawl_runs", "status"): ("批次状态", "run status"),
    ("captures", "status"): ("HTTP 状态码", "HTTP status"),
    ("captures", "id"): ("抓取编号", "capture id"),
    ("captures", "url"): ("请求网址", "requested URL"),
    ("sources", "id"): ("来源编号", "source id"),
    ("sources", "agency"): ("网站所属机关", "agency owning the site"),
    ("documents", "url"): ("文档网址", "document URL"),
    ("reports", "url"): ("原文网址", "URL of the original"),
    ("flagged_reports", "url"): ("原文网址", "URL of the original"),
    ("table4", "total"): ("总计", "total"),
    ("table3", "total"): ("总计", "total"),
    ("reports", "rules_version"): ("核查所用规则版本", "rules version checked against"),
    ("form_rows", "tbl"): ("表：t2 / t3 / t4", "table"),
    ("form_columns", "tbl"): ("表：t2 / t3 / t4", "table"),
    (FTS_TABLE, "title"): ("标题", "title"),
}
for _c in form.T2_COLUMNS.values():
    COLUMN_DOCS.setdefault(_c.key, (_c.label, _c.key.replace("_", " ")))
for _c in form.T3_COLUMNS:
    COLUMN_DOCS.setdefault(_c.key, (_c.label, _c.key.replace("_", " ")))
for _c in form.T4_COLUMNS:
    COLUMN_DOCS.setdefault(_c.key, (_c.label, _c.key))
COLUMN_DOCS.update(
    {
        "warc_file": (
            "所在 WARC 文件（相对数据目录）",
            "WARC file holding the record (relative to the data folder)",
        ),
        "warc_offset": ("WARC 记录起始字节", "byte offset of the WARC record"),
        "warc_length": ("WARC 记录长度（字节）", "length of the WARC record in bytes"),
        "bytes_received": (
            "实际收到的字节数（304 为 0）",
            "bytes received over the network (0 for a 304)",
        ),
        "etag": ("上次响应的 ETag", "ETag of the last good response"),
        "last_modified": ("上次响应的 Last-Modified", "Last-Modified of the last good response"),
        "first_fetched": ("首次抓取时间", "first fetched at"),
        "last_fetched": ("最近抓取时间", "last fetched at"),
        "last_changed": ("内容最近变化时间", "content last changed at"),
        "not_modified_count": ("累计 304 次数", "number of 304 answers so far"),
        "created_at": ("创建时间", "created at"),
        "closed_at": ("关闭时间", "closed at"),
        "records": ("记录数", "number of records"),
        "pages_fetched": ("抓取页数", "pages fetched"),
        "not_modified": ("未变化（304）页数", "pages answered 304 (unchanged)"),
        "fresh": (
            "未重新请求的文档数（仍在新鲜期内，由存档作答）",
            "documents not requested again: still fresh, answered from the archive",
        ),
        "bytes": ("收到字节数", "bytes received"),
        "reports_found": ("发现的报告页面与附件数", "report pages and attachments found"),
        "new": ("新发现数", "newly found"),
        "changed": ("内容变化数", "changed content"),
        "unchanged": ("未变化数", "unchanged"),
        "errors": ("错误数", "errors"),
        "robots_denied": ("被 robots.txt 禁止的网址数", "URLs refused by robots.txt"),
        "disappeared": ("列表中消失的报告数", "reports no longer linked from their list"),
        "flags": ("异常提示（JSON）", "warnings (JSON)"),
        "finish_reason": ("抓取结束原因", "why the crawl finished"),
        "flag": ("异常类型", "warning kind"),
        "parsed_by": (
            "解析所用解析器版本（版本变化即重新解析）",
            "parser version that parsed it (a new version re-parses)",
        ),
        "parse_attempts": (
            "解析进程崩溃或超时的次数（达到上限即放弃）",
            "parses that killed or hung their worker (given up at the limit)",
        ),
        "region_code": ("行政区划代码", "administrative division code"),
        "sections": ("各部分正文（一…六，JSON）", "section texts 一 … 六 (JSON)"),
        "ocr": ("数值是否来自 OCR（1 是）", "1 when the numbers come from OCR"),
        "document_id": ("文档编号", "document id"),
        "first_captured": ("该版本首次抓取时间", "first capture of this version"),
        "last_captured": ("该版本最近抓取时间", "last capture of this version"),
    }
)
COLUMN_DOCS[FTS_TABLE] = ("全文索引（隐藏列）", "FTS index (hidden column)")
COLUMN_DOCS["rank"] = ("检索相关度", "search rank")
