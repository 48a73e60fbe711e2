"""crawler: the focused, polite Scrapy crawl that finds each municipality's business programme.

Public API (docs/crawler.md):

- ``crawler.run.crawl(municipalities, *, db_url, run_id, config) -> CrawlSummary`` runs one crawl in a
  child process and can be called many times in one process.
- ``base.settings.CrawlSettings`` holds the settings (``CrawlSettings.from_env()`` reads
  ``KOMMUNPROGRAM_CRAWL_*``).
- ``crawler.spiders.program.ProgramSpider`` and ``crawler.recorder.Recorder`` for embedding the spider
  in another process layout (e.g. the distributed crawl child, ``crawler.worker_child``).
"""
