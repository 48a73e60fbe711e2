"""base.settings: the settings tree, read once; the operator's contact goes into the crawler's User-Agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from base.errors import UsageError
from base.settings import (
    DEFAULT_USER_AGENT,
    PREFIX,
    CrawlSettings,
    RunSettings,
    ensure_writable_dir,
    read_settings,
    user_agent_with_contact,
)
from crawler.scrapy_settings import scrapy_settings


def test_contact_from_the_config_file_reaches_the_user_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFIX + "USER_AGENT", raising=False)
    config = tmp_path / "c.toml"
    config.write_text('[run]\ncontact = "Anna Analys <anna.analys@example.se>"\n', encoding="utf-8")
    settings = read_settings(config=config, run={"year": 2025})
    agent = scrapy_settings(settings.crawl)["USER_AGENT"]
    assert agent.startswith("kommunprogram/") and "https://" in agent
    assert agent.endswith("; operator: Anna Analys <anna.analys@example.se>)")
    # --contact wins over the file
    settings = read_settings(config=config, run={"year": 2025, "contact": "https://ops.example.se/"})
    assert settings.crawl.user_agent.endswith("operator: https://ops.example.se/)")


def test_without_contact_the_crawl_settings_are_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFIX + "USER_AGENT", raising=False)
    config = tmp_path / "c.toml"
    config.write_text("[crawl]\nbudget = 5\n", encoding="utf-8")
    settings = read_settings(config=config, run={"year": 2025})
    assert settings.crawl == CrawlSettings(budget=5, inventory_year=2025)


def test_contact_is_added_to_an_own_user_agent_too(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[crawl]\nuser_agent = "survey/1 (+https://x.se)"\n', encoding="utf-8")
    settings = read_settings(config=config, run={"year": 2025, "contact": "ops@example.se"})
    assert settings.crawl.user_agent == "survey/1 (+https://x.se; operator: ops@example.se)"
    assert user_agent_with_contact(DEFAULT_USER_AGENT, "a@b.se (ops)").endswith("operator: a@b.se [ops])")


def test_one_tree_read_once_with_the_layers_in_order(tmp_path: Path) -> None:
    """Defaults < the file < KOMMUNPROGRAM_CRAWL_* < the command line; every section is checked."""
    config = tmp_path / "c.toml"
    config.write_text("[run]\nmodel = \"classify/model\"\n[crawl]\nbudget = 50\nstop_after_hit = 9\n"
                      "[extract]\ntimeout_s = 30\nworkers = 3\n[monitor]\nshare_drop_points = 10\n", encoding="utf-8")
    settings = read_settings(config=config, environ={PREFIX + "BUDGET": "70"}, run={"year": 2025},
                             crawl={"stop_after_hit": 12})
    assert (settings.crawl.budget, settings.crawl.stop_after_hit) == (70, 12)
    assert settings.crawl.model == "classify/model" and settings.run.model == Path("classify/model")
    assert (settings.extract.timeout_s, settings.extract.workers) == (30, 3)
    assert settings.monitor.share_drop_points == 10
    assert settings.crawl.inventory_year == 2025  # the run's year: what a confident stop is judged against
    config.write_text("[extract]\ntimeout = 30\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"\[extract\]: unknown setting\(s\) timeout"):
        read_settings(config=config, run={"year": 2025})
    config.write_text("[crawl]\nbudgett = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="budgett"):
        read_settings(config=config, run={"year": 2025})
    config.write_text("[crawler]\nbudget = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown table"):
        read_settings(config=config, run={"year": 2025})


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
