from __future__ import annotations

import pytest

from base.errors import UsageError
from base.settings import PREFIX, CrawlSettings
from crawler.scrapy_settings import scrapy_settings


def test_defaults_are_polite() -> None:
    config = CrawlSettings()
    settings = scrapy_settings(config)
    assert settings["ROBOTSTXT_OBEY"] and settings["AUTOTHROTTLE_ENABLED"]
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert settings["USER_AGENT"].startswith("kommunprogram/") and "https://" in settings["USER_AGENT"]
    assert "Mozilla" not in settings["USER_AGENT"]
    assert not config.allow_private_addresses and not config.browser_ua_fallback
    assert settings["DOWNLOAD_MAXSIZE"] == 50 * 1024 * 1024
    assert settings["DOWNLOADER_MIDDLEWARES"]["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert settings["DOWNLOADER_MIDDLEWARES"]["crawler.robots.SafeRobotsTxtMiddleware"] == 100


def test_from_env_reads_prefixed_variables_and_overrides_win() -> None:
    env = {f"{PREFIX}BUDGET": "300", f"{PREFIX}ALLOW_PRIVATE_ADDRESSES": "yes", f"{PREFIX}DOWNLOAD_TIMEOUT": "12.5"}
    config = CrawlSettings.from_env(env, budget=50)
    assert (config.budget, config.allow_private_addresses, config.download_timeout) == (50, True, 12.5)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({f"{PREFIX}BUDGET": "many"}, "KOMMUNPROGRAM_CRAWL_BUDGET='many'"),
        ({f"{PREFIX}BUDGET": "0"}, "KOMMUNPROGRAM_CRAWL_BUDGET=0"),
        ({f"{PREFIX}PER_HOST_CONCURRENCY": "8"}, "at most 2"),
        ({f"{PREFIX}STRATEGY": "random"}, "best_first, breadth_first"),
        ({f"{PREFIX}USER_AGENT": "Mozilla/5.0"}, "contact URL"),
        ({f"{PREFIX}AUTOTHROTTLE": "maybe"}, "expected bool"),
        ({f"{PREFIX}MAX_BYTES_PER_MUNICIPALITY": "0"}, "KOMMUNPROGRAM_CRAWL_MAX_BYTES_PER_MUNICIPALITY=0"),
        ({f"{PREFIX}MAX_BYTES_PER_RUN": "-1"}, "KOMMUNPROGRAM_CRAWL_MAX_BYTES_PER_RUN=-1"),
        ({f"{PREFIX}MAX_HTML_BYTES": "lots"}, "KOMMUNPROGRAM_CRAWL_MAX_HTML_BYTES='lots'"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("?", r"\?").replace("(", r"\(")):
        CrawlSettings.from_env(env)


def test_round_trip_through_the_child_job() -> None:
    config = CrawlSettings(budget=77, strategy="breadth_first")
    assert CrawlSettings.from_dict(config.to_dict()) == config
    with pytest.raises(UsageError, match="unknown crawl setting"):
        CrawlSettings.from_dict({"budgett": 3})


def test_every_setting_is_documented() -> None:
    from dataclasses import fields
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "crawler.md").read_text(encoding="utf-8")
    for f in fields(CrawlSettings):
        assert f"| `{f.name.upper()}` |" in doc, f"{PREFIX}{f.name.upper()} is missing from docs/crawler.md"
