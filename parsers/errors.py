"""The exceptions parsers raise for bad input; ``parse_bytes`` turns each into a status.

They live in their own module, imported by every format's parser and by ``core``, so no
parser has to import ``core`` (which dispatches to the parsers: an import cycle).
"""

from __future__ import annotations


class ParseError(Exception):
    """A document that cannot be read (the message goes to ``Report.error``)."""


class NeedsOCR(Exception):
    """A document without a text layer."""


class LimitExceeded(ParseError):
    """A document over one of the parse limits (parsers.limits): too many pages, grid cells,
    columns spanned, decompressed bytes … The message names the limit, the measured size and
    the setting that raises it; ``limit`` is the limit's name, ``measured`` the size found."""

    def __init__(self, message: str, *, limit: str, measured: int | float):
        super().__init__(message)
        self.limit, self.measured = limit, measured
