"""Menu and page titles of Swedish municipal sites (municipal-web.md §1.3, §2.4), from data/page_titles.toml.

Not the corpus's training labels (those are ``publish.training_labels``): these are the words a simulated
site puts in its menus, hubs, news, search suggestions, facets and filler documents.
"""

from __future__ import annotations

from .datafiles import table

_T = table("page_titles")

BUSINESS_SECTION: list[str] = _T["business_section"]
GOVERNANCE_SECTION: list[str] = _T["governance_section"]
OTHER_SECTIONS: list[str] = _T["other_sections"]
BUSINESS_CHILDREN: list[str] = _T["business_children"]
PROGRAMME_HUBS: list[str] = _T["programme_hubs"]
GOVERNANCE_CHILDREN: list[str] = _T["governance_children"]
STYRDOKUMENT_HUBS: list[str] = _T["styrdokument_hubs"]
STYRDOKUMENT_CATEGORIES: list[str] = _T["styrdokument_categories"]
DOCTYPE_CATEGORY: dict[str, str] = _T["doctype_category"]
SECTION_CHILDREN: dict[str, list[str]] = _T["section_children"]
GENERIC_CHILDREN: list[str] = _T["generic_children"]
UTILITY_PAGES: list[str] = _T["utility_pages"]
NEWS_TOPICS: list[str] = _T["news_topics"]
POPULAR_QUERIES: list[str] = _T["popular_queries"]
FACET_NAMNDER: list[str] = _T["facet_namnder"]
FACET_AMNEN: list[str] = _T["facet_amnen"]
NOISE_DOCS: list[str] = _T["noise_docs"]
NOISE_TOPICS: list[str] = _T["noise_topics"]
PAGE_DOC_KINDS: list[str] = _T["page_doc_kinds"]
LEGACY_HUBS: list[str] = _T["legacy_hubs"]
BUSINESS_HOST_PAGES: list[str] = _T["business_host_pages"]
DRAFT_NEWS: list[str] = _T["draft_news"]
