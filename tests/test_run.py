"""crawler.run: the crawl child gets its job through a pipe; nothing secret is left on disk (issue 16 item 8)."""

from __future__ import annotations

from pathlib import Path

from crawlserver import SiteServer, page

from base.municipalities import Municipality
from base.settings import CrawlSettings
from base.store import Store
from crawler.run import start_crawl_process


def test_the_job_with_the_database_url_never_reaches_a_file(tmp_path: Path) -> None:
    db_file = tmp_path / "store-marker-5f3a.sqlite"
    db = f"sqlite:///{db_file}"
    store = Store.open(db)
    with SiteServer({"/": page("Testby kommun")}) as site:
        muni = Municipality("0001", "Testby", "01", "Testlän", site.url)
        store.upsert_municipalities([muni])
        run_id = store.start_run(2026, "job", {})
        work = tmp_path / "work"
        work.mkdir()
        proc = start_crawl_process([muni], db_url=db, run_id=run_id, workdir=work,
                                   config=CrawlSettings(allow_private_addresses=True, autothrottle=False))
        assert proc.wait(timeout=120) == 0
    assert store.crawl_outcomes(run_id)["0001"]["status"] == "not_found_within_budget"
    store.close()
    leftovers = {p.name: p.read_bytes() for p in work.iterdir()}
    assert "summary.json" in leftovers
    assert not [name for name, content in leftovers.items() if b"store-marker-5f3a" in content]
