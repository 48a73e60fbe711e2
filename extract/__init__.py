"""Stage 2: text and metadata of every document the crawl kept (PDF, DOCX, HTML)."""
