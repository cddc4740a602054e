"""Charset names as pages declare them, mapped to the codec that decodes them.

GB2312 and GBK pages routinely contain characters only GB18030 defines (a superset of
both), so every declaration of the family is read as GB18030.

>>> codec_name("GB2312")
'gb18030'
>>> codec_name(' "utf-8" ')
'utf-8'
"""

from __future__ import annotations

GB_FAMILY = ("gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn")


def codec_name(declared: str | None) -> str | None:
    """The codec for a declared charset (lower-case; the GB family → ``gb18030``)."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    return "gb18030" if name in GB_FAMILY else name
