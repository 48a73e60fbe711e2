"""simweb.generate: determinism, demo coverage, truth consistency, contract CSV."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from base.errors import UsageError
from simweb.config import SimConfig
from simweb.generate import address, generate
from simweb.scenarios import COVERAGE


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("demo"), sites=12, seed=2026)


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path, demo: Path) -> None:
    again = generate(tmp_path / "again", sites=12, seed=2026)
    assert _digest(again) == _digest(demo)
    other = generate(tmp_path / "other", sites=12, seed=2027)
    assert _digest(other) != _digest(demo)


def test_regenerating_into_the_same_directory_replaces_the_old_web(tmp_path: Path) -> None:
    cfg = SimConfig.for_tests()
    generate(tmp_path, sites=14, seed=5, config=cfg)
    first = _digest(tmp_path)
    generate(tmp_path, sites=13, seed=6, config=cfg)
    generate(tmp_path, sites=14, seed=5, config=cfg)
    assert _digest(tmp_path) == first


def test_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a simulated web"):
        generate(tmp_path, sites=2, seed=1)
    with pytest.raises(UsageError, match="sites=0"):
        generate(tmp_path / "x", sites=0, seed=1)


def test_demo_web_covers_every_case_the_inventory_must_handle(demo: Path) -> None:
    truth = json.loads((demo / "truth.json").read_text(encoding="utf-8"))
    sites = truth["sites"].values()
    assert sorted(s["forced"] for s in sites) == sorted(COVERAGE)
    by_case = {s["forced"]: s for s in sites}
    main = {case: (s["programmes"][0] if s["programmes"] else None) for case, s in by_case.items()}
    assert main["pdf"]["kind"] == "pdf" and main["pdf"]["reachability"] == "link"
    assert main["html"]["kind"] == "html"
    assert main["docx"]["kind"] == "docx"
    assert main["scanned"]["kind"] == "scanned_pdf"
    assert main["offsite"]["reachability"] == "offsite"
    assert main["search_only"]["reachability"] == "search_only"
    assert main["json_only"]["reachability"] == "json_only"
    assert main["robots_blocked"]["reachability"] == "robots_blocked"
    expected = {
        "expired_only": "expired_only", "draft_only": "draft_only", "none": "no_program_found",
        "down": "site_unreachable", "robots_blocked": "blocked_by_robots", "pdf": "program_found",
        "offsite": "program_found", "search_only": "program_found",
    }  # fmt: skip
    for case, status in expected.items():
        assert by_case[case]["expected_status"] == status, case


# Everything the 12-site demo web (generate(out, sites=12, seed=2026), what `make demo` crawls) showed on
# 2026-11-27: later changes may add cases but must not lose one.
DEMO_CASES: dict[str, set[object]] = {
    "action_plan": {False, True},
    "action_plans": {True},
    "annual_activities": {False, True},
    "business_collaboration": {False, True},
    "decoy": {
        "besoksnaring",
        "eu_project",
        "finnish_programme",
        "foretagarguide",
        "handelsstrategi",
        "kompetensforsorjning",
        "ks_protocol",
        "landsbygdsprogram",
        "mirror",
        "naringslivsrad_minnes",
        "neighbour_programme",
        "news_draft",
        "oversiktsplan",
        "ranking_report",
        "regional_strategy",
        "tillvaxt_housing",
        "tjansteskrivelse",
        "uppfoljning",
        "upphandlingspolicy",
    },
    "down": {True},
    "expected": {
        "blocked_by_robots",
        "draft_only",
        "expired_only",
        "no_program_found",
        "program_found",
        "site_unreachable",
    },
    "forced": {
        "docx",
        "down",
        "draft_only",
        "expired_only",
        "html",
        "json_only",
        "none",
        "offsite",
        "pdf",
        "robots_blocked",
        "scanned",
        "search_only",
    },
    "host": {"business", "main", "sister"},
    "intermunicipal_link": {False, True},
    "kind": {"docx", "html", "pdf", "scanned_pdf"},
    "platform": {"epi", "sv_html", "sv_new", "sv_old", "umb", "wp"},
    "program_type": {"naringsliv", "tillvaxt"},
    "reach": {"json_only", "link", "offsite", "robots_blocked", "search_only"},
    "robots_present": {True},
    "rus_link": {False, True},
    "scenario": {"P1", "P2", "P3", "P5", "P6", "P7", "P8"},
    "sitemap.gz_index": {False, True},
    "sitemap.missing_programme": {False, True},
    "sitemap.pages_only": {False, True},
    "sitemap.present": {False, True},
    "sitemap.stale": {False},
    "status": {"current", "draft", "expired"},
    "sustainability": {False, True},
    "trap": {
        "calendar",
        "facets",
        "jsessionid",
        "news_paging",
        "print_share",
        "search_links",
        "sister_domain",
        "soft404",
        "stale_download",
        "sv_state",
    },
}


def demo_cases(truth: dict[str, Any]) -> dict[str, set[object]]:
    cases: dict[str, set[object]] = {}

    def add(key: str, value: object) -> None:
        cases.setdefault(key, set()).add(value)

    for s in truth["sites"].values():
        for key in ("forced", "platform", "scenario"):
            add(key, s[key])
        add("expected", s["expected_status"])
        add("robots_present", s["robots_present"])
        for fam in s["trap_families"]:
            add("trap", fam)
        for d in s["decoys"]:
            add("decoy", d["class"])
        for role in s["hosts"]:
            add("host", role)
        for name, on in s["faults"].items():
            if on:
                add(name, on)
        for name, value in s["sitemap"].items():
            add(f"sitemap.{name}", value)
        if s["action_plans"]:
            add("action_plans", True)
        for p in s["programmes"]:
            add("status", p["status"])
            add("kind", p["kind"])
            add("reach", p["reachability"])
            for name, value in p["traits"].items():
                add(name, value)
    return cases


def test_demo_web_keeps_every_case_it_covered(demo: Path) -> None:
    cases = demo_cases(json.loads((demo / "truth.json").read_text(encoding="utf-8")))
    lost = {k: v - cases.get(k, set()) for k, v in DEMO_CASES.items() if v - cases.get(k, set())}
    assert not lost


def test_validity_is_relative_to_the_inventory_year(tmp_path: Path) -> None:
    cfg = SimConfig.for_tests(inventory_year=2031)
    truth = json.loads((generate(tmp_path, sites=30, seed=3, config=cfg) / "truth.json").read_text("utf-8"))
    assert truth["inventory_year"] == 2031
    progs = [p for s in truth["sites"].values() for p in s["programmes"]]
    assert {p["status"] for p in progs} >= {"current", "expired", "draft"}
    for p in progs:
        to = p["valid_to"] if p["valid_to"] is not None else 9999
        if p["status"] == "current":
            assert p["valid_from"] <= 2031 <= to, p
        elif p["status"] in ("expired", "expired_extended"):
            assert to < 2031, p
        else:
            assert p["adopted_by"] is None and p["marker"], p


def test_truth_records_programme_metadata_and_traits(demo: Path) -> None:
    truth = json.loads((demo / "truth.json").read_text(encoding="utf-8"))
    progs = [p for s in truth["sites"].values() for p in s["programmes"]]
    assert progs
    for p in progs:
        assert p["urls"] and all(u.startswith("http://127.0.") for u in p["urls"])
        assert set(p["traits"]) == {
            "program_type", "rus_link", "intermunicipal_link", "action_plan", "sustainability",
            "business_collaboration", "annual_activities",
        }  # fmt: skip
        assert p["traits"]["program_type"] in ("naringsliv", "tillvaxt", "annat")
        assert p["diarienummer"]
        if p["traits"]["rus_link"]:
            assert p["rus_name"]
    for s in truth["sites"].values():
        assert 1 <= len(s["decoys"]) and all(d["class"] and d["urls"] for d in s["decoys"])


def test_municipalities_csv_is_the_contract_format_with_real_names(demo: Path) -> None:
    rows = list(csv.DictReader((demo / "municipalities.csv").read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["code", "name", "county_code", "county", "website"]
    assert len(rows) == 12 and len({r["website"] for r in rows}) == 12
    ref = (Path(__file__).parent.parent / "base" / "data" / "municipalities.csv").read_text(encoding="utf-8")
    real = {r["code"]: r["name"] for r in csv.DictReader(ref.splitlines())}
    assert all(real[r["code"]] == r["name"] for r in rows)
    assert rows[0]["website"] == f"http://{address(0)}:8470/"


def test_addresses_never_use_127_0_0() -> None:
    addrs = [address(k) for k in range(600)]
    assert len(set(addrs)) == 600
    assert all(not a.startswith("127.0.0.") and not a.endswith(".0") for a in addrs)


def test_config_rejects_bad_values_by_name() -> None:
    with pytest.raises(UsageError, match="empty_reply"):
        SimConfig(empty_reply=1.5)
    with pytest.raises(UsageError, match="platform_mix"):
        SimConfig(platform_mix={"joomla": 1.0})
    with pytest.raises(UsageError, match="latency_ms"):
        SimConfig(latency_ms=(5.0, 1.0))
    assert SimConfig.from_json(SimConfig().to_json()) == SimConfig()


def test_parallel_generation_is_deterministic_too(tmp_path: Path) -> None:
    cfg = SimConfig.for_tests()  # 24+ sites are built in a process pool
    first = _digest(generate(tmp_path / "a", sites=26, seed=9, config=cfg))
    assert first == _digest(generate(tmp_path / "b", sites=26, seed=9, config=cfg))
