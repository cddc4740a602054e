"""The nianbao crawler: a Scrapy project with one base spider per CMS family.

A city or department is a registry entry (``crawler.registry``), not code. Every fetch is
archived by ``crawler.archiving.ArchiveMiddleware``; report pages and attachments become
``documents`` rows through ``crawler.pipelines.DocumentPipeline``. Crawls run one per
subprocess (``crawler.run``) because Twisted's reactor cannot restart.
"""
