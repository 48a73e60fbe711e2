"""simweb.sitemodel: per-site draws of host and URL-style realism happen at the configured rates."""

from __future__ import annotations

from simweb.config import SimConfig
from simweb.reference import municipalities
from simweb.sitemodel import SiteBuilder


def _builders(cfg: SimConfig, seed: int = 3) -> list[SiteBuilder]:
    return [SiteBuilder(m, seed, cfg, None) for m in municipalities()]  # all 290: the draws are cheap


def test_second_url_style_twins_and_cms_hosts_at_the_configured_rates() -> None:
    sites = _builders(SimConfig())
    share = lambda xs: sum(xs) / len(xs)  # noqa: E731
    assert 0.10 <= share([b.second_style is not None for b in sites]) <= 0.20  # §2.5: 15 % mix two styles
    twins = [b for b in sites if b.twin]
    assert 0.24 <= len(twins) / len(sites) <= 0.36
    assert 0.15 <= share([b.twin_home for b in twins]) <= 0.35
    assert 0.20 <= share([b.twin_listed for b in twins]) <= 0.40
    assert all(b.second_style != b.platform for b in sites if b.second_style)
    wp = _builders(SimConfig(platform_mix={"wp": 1.0}))
    assert 0.22 <= share([b.cms for b in wp]) <= 0.38
    assert not any(b.cms for b in sites if b.platform != "wp")


def test_switching_the_realism_off_changes_nothing_else() -> None:
    off = SimConfig(nonwww_twin=0.0, url_style_mix=0.0, wp_cms_host=0.0)
    for a, b in zip(_builders(SimConfig()), _builders(off), strict=True):
        assert (a.platform, a.cdn, a.rng.random()) == (b.platform, b.cdn, b.rng.random())
        assert not (b.twin or b.second_style or b.cms)


def test_forced_demo_sites_never_list_their_twin() -> None:
    cfg = SimConfig(nonwww_twin=1.0, nonwww_listed=1.0)
    assert not any(SiteBuilder(m, 1, cfg, "pdf").twin_listed for m in municipalities()[:40])
    assert all(SiteBuilder(m, 1, cfg, None).twin_listed for m in municipalities()[:40])
