"""nianbao: crawl, archive, parse and check government information disclosure annual reports."""

__version__ = "0.1.0"
