"""simweb.faults: deterministic per-request faults at the configured rates, and the served behaviour."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from simweb.config import SimConfig
from simweb.faults import FaultPlan, is_browser, unit
from simweb.generate import generate
from simweb.serve import SimWeb

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
HONEST = "kommunprogram/0.1 (+https://example.invalid/kommunprogram)"


def test_unit_is_deterministic_and_uniform() -> None:
    assert unit(1, "h", "/a", 1) == unit(1, "h", "/a", 1)
    assert unit(1, "h", "/a", 1) != unit(1, "h", "/a", 2)
    draws = [unit(9, "host", f"/p{i}", 1) for i in range(20000)]
    assert all(0 <= d < 1 for d in draws)
    assert abs(sum(d < 0.1 for d in draws) / len(draws) - 0.1) < 0.01


def test_browser_detection() -> None:
    assert is_browser(BROWSER)
    assert is_browser("Mozilla/5.0 (compatible; kommunprogram/0.1; +https://example.invalid)")
    assert not is_browser(HONEST)
    assert not is_browser("Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert not is_browser("Scrapy/2.19.0 (+https://scrapy.org)")


def test_decisions_follow_the_configured_rates() -> None:
    cfg = SimConfig(empty_reply=0.05, timeout=0.02)
    plan = FaultPlan(seed=3, cfg=cfg, started=0.0)
    kinds = [plan.decide("h", None, f"/page{i}", 1, HONEST, 0.0) for i in range(20000)]
    drops = sum(1 for k in kinds if k and k.kind == "empty_reply") / len(kinds)
    holds = sum(1 for k in kinds if k and k.kind == "timeout") / len(kinds)
    assert abs(drops - 0.05) < 0.006 and abs(holds - 0.02) < 0.004
    again = [plan.decide("h", None, f"/page{i}", 1, HONEST, 0.0) for i in range(20000)]
    assert kinds == again  # same (seed, host, target, attempt) -> same fault
    off = FaultPlan(seed=3, cfg=cfg.replace(faults_enabled=False), started=0.0)
    assert all(off.decide("h", {"ua403": True}, f"/p{i}", 1, HONEST, 0.0) is None for i in range(500))


def test_host_faults_ua403_burst_and_rate_limit() -> None:
    cfg = SimConfig(empty_reply=0.0, timeout=0.0, rate_limit_rps=5, burst_seconds=30, speedup=1.0)
    plan = FaultPlan(seed=1, cfg=cfg, started=100.0)
    site = {"ua403": True}
    assert plan.decide("h", site, "/", 1, HONEST, 100.0).status == 403  # type: ignore[union-attr]
    assert plan.decide("h", site, "/", 1, BROWSER, 100.0) is None
    lo, hi = plan.burst_window("b")
    assert plan.decide("b", {"burst": True}, "/", 1, BROWSER, lo + 1).status == 503  # type: ignore[union-attr]
    assert plan.decide("b", {"burst": True}, "/", 1, BROWSER, hi + 1) is None
    limited = [plan.decide("r", {"rate_limited": True}, "/", i, BROWSER, 200.0 + i * 0.01) for i in range(8)]
    assert [f.status if f else 200 for f in limited] == [200] * 5 + [429] * 3
    assert limited[-1] is not None and limited[-1].retry_after == cfg.retry_after_s
    assert plan.decide("r", {"rate_limited": True}, "/", 9, BROWSER, 202.0) is None  # the window has passed


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = SimConfig.for_tests(
        empty_reply=0.2, timeout=0.05, timeout_hold_s=0.3, ua_403_epi=1.0, platform_mix={"epi": 1, "sv_new": 1}
    )
    return generate(tmp_path_factory.mktemp("faulty"), sites=16, seed=4, config=cfg)


def _get(url: str, ua: str, timeout: float = 5) -> int | str:
    req = urllib.request.Request(url, headers={"User-Agent": ua})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as err:
        with err:
            return err.code
    except (ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError, TimeoutError) as err:
        return type(err).__name__


def test_served_faults_occur_at_the_configured_rates(faulty: Path) -> None:
    truth: dict[str, Any] = json.loads((faulty / "truth.json").read_text(encoding="utf-8"))
    with SimWeb(faulty) as web:
        site = next(s for s in web.truth["sites"].values() if s["platform"] == "sv_new" and not s["faults"]["down"])
        origin = site["url"].rstrip("/")
        started = time.monotonic()
        results = [_get(f"{origin}/finns-inte-{i}", BROWSER) for i in range(300)]
        elapsed = time.monotonic() - started
        log = [r for r in web.request_log if r.host == site["code"]]
        drops = sum(r.fault == "empty_reply" for r in log) / len(log)
        holds = sum(r.fault == "timeout" for r in log) / len(log)
        assert abs(drops - 0.2) < 0.07 and abs(holds - 0.05) < 0.04, (drops, holds)
        assert sum(isinstance(r, str) for r in results) == sum(r.fault is not None for r in log)
        assert elapsed < 0.3 * 60  # holds last timeout_hold_s, not forever
        # a dropped first attempt is a fresh draw on retry
        dropped = next(r.target for r in log if r.fault == "empty_reply")
        retries = [_get(origin + dropped, BROWSER) for _ in range(6)]
        assert any(not isinstance(r, str) for r in retries)
        # 403 for non-browser user agents on the EPI hosts the truth marks
        blocked = [s for s in web.truth["sites"].values() if s["faults"]["ua403"]]
        assert blocked and all(s["expected_status"] == "blocked_by_server" for s in blocked)
        codes = {_get(blocked[0]["url"] + "robots.txt", HONEST) for _ in range(5)} - {"RemoteDisconnected"}
        assert 403 in codes
        assert truth["sites"][blocked[0]["code"]]["faults"]["ua403"]
    with SimWeb(faulty, faults=False) as web:
        again = web.truth["sites"][blocked[0]["code"]]
        assert {_get(again["url"], HONEST) for _ in range(5)} <= {200, 302}
        assert again["expected_status"] != "blocked_by_server"


def test_rate_limited_host_answers_429_with_retry_after(tmp_path: Path) -> None:
    cfg = SimConfig.for_tests(rate_limit_hosts=1.0, rate_limit_rps=3.0, retry_after_s=7)
    web_dir = generate(tmp_path, sites=14, seed=8, config=cfg)
    with SimWeb(web_dir) as web:
        site = next(s for s in web.truth["sites"].values() if s["faults"]["rate_limited"])
        parts = urlsplit(site["url"])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        statuses, retry = [], None
        for i in range(6):
            conn.request("GET", f"/x{i}")
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
            retry = resp.getheader("Retry-After") or retry
        conn.close()
        assert 429 in statuses and retry == "7"
