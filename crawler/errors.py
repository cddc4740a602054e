"""Exceptions of the crawl and how they are written down."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class RefusedRequest(IgnoreRequest):
    """The crawl policy refused a request before it was sent (the message says why)."""


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` (the error text of captures and documents)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
