"""Spiders, one per CMS family. ``SPIDERS`` maps the registry's ``cms`` to the class."""
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.trs import TrsSpider

SPIDERS = {
    "trs": TrsSpider,
    "hanweb": HanwebSpider,
}

__all__ = ["SPIDERS", "TrsSpider", "HanwebSpider"]
