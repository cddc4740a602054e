"""The keys nianbao puts in ``Request.meta``, named and documented in one place.

Scrapy's own keys are set too (per source, by crawler.middlewares.SourcePolicyMiddleware):
``download_timeout``, ``download_maxsize``, ``download_warnsize`` (the registry's
``timeout`` / ``max_bytes``) and ``download_slot`` (one politeness slot per site).
"""

# --- set by the spider when it makes a request --------------------------------------------
SOURCE = "nb_source"  # id of the registry source the request is for (robots.txt: the site's)
KIND = "nb_kind"  # what is asked for: LIST, PAGE or ATTACHMENT
URL = "nb_url"  # the URL as linked: the document's id, also after redirects
TITLE = "nb_title"  # the link's text (a list item's title)
REPORT = "nb_report"  # True: linked from a list as a report (not as an attachment of one)
DATE = "nb_date"  # the date printed next to the link on its list (YYYY-MM-DD)
LINKED_FROM = "nb_linked_from"  # the list page or report page that linked it
HANDLER = "nb_handler"  # the family method that reads this list response (default parse_list)
COUNTED = "nb_counted"  # the request holds one of its source's pending slots (spider accounting)
# Family-specific list state (crawler/families/*):
PAGE = "nb_page"  # jsp: the page number of a list page requested from the first one
DEPTH = "nb_depth"  # generic: how many navigation links led here from the start URL
HANWEB = "nb_hanweb"  # hanweb: the column's ids (columnid, unitid, webid, perpage, webname)
END = "nb_end"  # hanweb: the last record a dataproxy request asked for
RETRY_BACKOFF = "nb_retry_backoff"  # seconds before the first retry (per source)

# --- set by the archive middleware per attempt ---------------------------------------------
STATE = "nb_state"  # the crawl_state row that made this GET conditional
PREV_SHA256 = "nb_prev_sha256"  # hash of the body stored before for this URL
CHANGED = "nb_changed"  # True: the body differs from the one stored before
NOT_MODIFIED = "nb_not_modified"  # True: a 304, answered with the stored body
CAPTURE_ID = "capture_id"  # captures.id of the attempt that produced the response
CAPTURE_SHA256 = "capture_sha256"  # hash of the archived body
CAPTURE_SIZE = "capture_size"  # its size in bytes

# Values of KIND.
LIST, PAGE_KIND, ATTACHMENT = "list", "page", "attachment"
DOCUMENT_KINDS = (PAGE_KIND, ATTACHMENT)
