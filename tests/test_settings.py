"""Run settings: the operator's contact goes into the crawler's User-Agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from base.errors import UsageError
from crawler.config import DEFAULT_USER_AGENT, PREFIX, CrawlConfig
from crawler.scrapy_settings import scrapy_settings
from inventory.cli import _settings
from inventory.settings import RunSettings, ensure_writable_dir, user_agent_with_contact


def test_contact_from_the_config_file_reaches_the_user_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFIX + "USER_AGENT", raising=False)
    config = tmp_path / "c.toml"
    config.write_text('[run]\ncontact = "Anna Analys <anna.analys@example.se>"\n', encoding="utf-8")
    settings = _settings(2025, "db.sqlite", None, None, False, config, None)
    agent = scrapy_settings(CrawlConfig.from_env(**settings.crawl_overrides))["USER_AGENT"]
    assert agent.startswith("kommunprogram/") and "https://" in agent
    assert agent.endswith("; operator: Anna Analys <anna.analys@example.se>)")
    # --contact wins over the file
    settings = _settings(2025, "db.sqlite", None, None, False, config, None, "https://ops.example.se/")
    assert settings.crawl_overrides["user_agent"].endswith("operator: https://ops.example.se/)")


def test_without_contact_the_crawl_settings_are_unchanged() -> None:
    settings = RunSettings(year=2025, crawl={"budget": 5})
    assert settings.crawl_overrides == {"budget": 5}


def test_contact_is_added_to_an_own_user_agent_too() -> None:
    settings = RunSettings(year=2025, contact="ops@example.se", crawl={"user_agent": "survey/1 (+https://x.se)"})
    assert settings.crawl_overrides["user_agent"] == "survey/1 (+https://x.se; operator: ops@example.se)"
    assert user_agent_with_contact(DEFAULT_USER_AGENT, "a@b.se (ops)").endswith("operator: a@b.se [ops])")


@pytest.mark.parametrize(("contact", "problem"), [
    ("Anna", "names no e-mail address"),
    ("anna@example.se\r\nX-Evil: 1", "one line"),
    ("a@b.se " + "x" * 200, "at most 200"),
])
def test_bad_contacts_are_usage_errors(contact: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        RunSettings(year=2025, contact=contact)


def test_ensure_writable_dir(tmp_path: Path) -> None:
    assert ensure_writable_dir(tmp_path / "new" / "dir").is_dir()
    assert not list((tmp_path / "new" / "dir").iterdir())  # the probe file is gone
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="exists and is not a folder"):
        ensure_writable_dir(tmp_path / "file")
