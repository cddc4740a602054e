"""Spiders, one per CMS family. ``SPIDERS`` maps the registry's ``cms`` to the class."""

from crawler.spiders.generic import GenericSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.jsp import JspSpider
from crawler.spiders.trs import TrsSpider

SPIDERS = {
    "trs": TrsSpider,
    "hanweb": HanwebSpider,
    "jsp": JspSpider,
    "generic": GenericSpider,
}

__all__ = ["SPIDERS", "TrsSpider", "HanwebSpider", "JspSpider", "GenericSpider"]
