"""The inventory's stages, wired as named steps: crawl -> extract -> classify -> stats.

Each stage reads from the store and writes to it, so any stage can be re-run alone (re-extract with a
better extractor, re-classify with a new model, re-count with overrides) without crawling again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from base.errors import UsageError
from base.municipalities import Municipality
from base.settings import CrawlSettings, ExtractSettings
from base.store import Store
from base.vocabulary import CRAWL_FAILURES, ROUTES, TAGS
from classify.document import business_host_guess, host_kind, section_of
from classify.evidence import Evidence
from classify.model import DocInput, Prediction, load_model
from classify.select import Candidate, choose_program, content_words, other_municipality
from crawler.linkscore import LinkFeatures, score_link
from crawler.run import crawl
from extract.reader import EXTRACTOR_VERSION, ExtractItem, extract_many, store_fields
from publish import changes as changes_mod
from publish import outputs, overrides, stats
from publish.review import model_thresholds, review_row

log = logging.getLogger(__name__)

# Crawl outcomes that end a municipality before any document can be judged.
UNFINISHED = "crawl_unfinished"  # the reason of a municipality whose crawl never recorded an outcome
# Statuses whose row rests on the classifier's decisions, and so can go to review (publish.review).
REVIEWED_STATUSES = frozenset({"program_found", "no_program_found", "draft_only", "expired_only",
                               "blocked_by_robots"})


@dataclass
class StageReport:
    name: str
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = ", ".join(f"{v} {k}" for k, v in sorted(self.counts.items()))
        return f"{self.name}: {parts or 'nothing to do'} ({self.seconds:.1f} s)"


# -- crawl ----------------------------------------------------------------------------------
def crawl_stage(store: Store, run_id: int, items: Sequence[Municipality], *, db_url: str,
                config: CrawlSettings, progress: Any = None) -> StageReport:
    started = time.monotonic()
    on_wait = crawl_progress(store, run_id, items, progress) if progress is not None else None
    crawl(items, db_url=db_url, run_id=run_id, config=config, on_wait=on_wait)
    outcomes = store.crawl_outcomes(run_id)
    counts: dict[str, int] = {}
    for m in items:
        status = outcomes.get(m.code, {}).get("status") or "not_crawled"
        counts[status] = counts.get(status, 0) + 1
    return StageReport("crawl", time.monotonic() - started, counts)


def crawl_progress(store: Store, run_id: int, items: Sequence[Municipality], progress: Any) -> Any:
    """Tell ``progress`` (inventory.progress) about every municipality the crawl child has finished since the
    last call, read from the store's ledger; municipalities finished before (a resumed run) count as done."""
    names = {m.code: m.name for m in items}

    def finished() -> dict[str, str]:
        return {code: str(o.get("status")) for code, o in store.crawl_outcomes(run_id).items()
                if o.get("state") == "finished" and code in names}

    reported = finished()
    progress.stage("crawl")
    progress.start(len(names), done=len(reported), found=sum(s == "found" for s in reported.values()))

    def poll() -> None:
        for code, status in sorted(finished().items()):
            if code not in reported:
                reported[code] = status
                progress.municipality(code, names[code], status)

    return poll


# -- extract --------------------------------------------------------------------------------
def extract_stage(store: Store, run_id: int, settings: ExtractSettings | None = None) -> StageReport:
    started = time.monotonic()
    counts = {"extracted": 0, "cached": 0, "failed": 0}
    todo: dict[str, dict[str, Any]] = {}
    for cand in store.candidates(run_id):
        sha = cand["sha256"]
        if sha in todo:
            continue
        if store.extraction(sha, EXTRACTOR_VERSION) is not None:
            counts["cached"] += 1
            todo[sha] = {}  # seen; nothing to do
            continue
        todo[sha] = cand
    # A generator, so only the documents in flight are held in memory; extract_many runs each in a
    # killable worker process with a time limit, so one bad document never stops the others.
    items = (ExtractItem(sha, store.blob(sha), cand["content_type"], cand["filename"],
                         cand["final_url"] or cand["url"]) for sha, cand in todo.items() if cand)
    settings = settings or ExtractSettings()
    for sha, ext in extract_many(items, settings, workers=settings.workers):
        store.save_extraction(sha, EXTRACTOR_VERSION, **store_fields(ext))
        counts["failed" if ext.error else "extracted"] += 1
        if ext.error:
            log.warning("extraction failed for %s (%s): %s", todo[sha]["url"], ext.error.code, ext.error.message)
    return StageReport("extract", time.monotonic() - started, counts)


# -- classify -------------------------------------------------------------------------------
def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").removeprefix("www.")


def classify_stage(store: Store, run_id: int, year: int, *, model_path: Path | None = None) -> StageReport:
    started = time.monotonic()
    model = load_model(model_path)
    thresholds = model_thresholds(model)
    munis = store.municipalities()
    outcomes = store.crawl_outcomes(run_id)
    counts: dict[str, int] = {}
    # Predictions by (document, where it sits): the same document found on two kinds of host may read
    # differently (classify.document); the store caches them under the model version and the location.
    cache: dict[tuple[str, str], dict[str, Any]] = {}
    rows = []
    for m in munis:
        if m.code not in outcomes:
            continue
        cands = store.candidates(run_id, m.code)
        extractions = {c["sha256"]: store.extraction(c["sha256"], EXTRACTOR_VERSION) for c in cands}
        own_hosts = {_host(m.website), *(h.removeprefix("www.") for h in m.alt_hosts)}
        business = business_hosts(outcomes[m.code], m.name)
        predictions: dict[str, dict[str, Any]] = {}
        for c in cands:
            sha, ext = c["sha256"], extractions.get(c["sha256"])
            if not ext or ext["error_code"] or sha in predictions:
                continue
            url = c["final_url"] or c["url"]
            where = host_kind(url, own_hosts, business)
            key = (sha, f"{where}/{section_of(url)}")
            if key not in cache:
                version = f"{model.version}@{key[1]}"
                cached = store.classification(sha, version, EXTRACTOR_VERSION)
                if cached is None:
                    pred = model.predict([DocInput(id=sha, text=ext["text"] or "", pages=ext["pages"],
                                                   title=ext["title"], municipality=m.name, url=url,
                                                   host=where)])[0]
                    cached = pred.to_json()
                    store.save_classification(sha, version, EXTRACTOR_VERSION, cached)
                cache[key] = cached
            predictions[sha] = cache[key]
        selectable = []
        for c in cands:
            ext = extractions.get(c["sha256"])
            if not ext or ext["error_code"] or c["sha256"] not in predictions:
                continue
            meta = ext["meta"]
            valid_from, valid_to = meta.get("valid_from"), meta.get("valid_to")
            if valid_from and valid_to and valid_from > valid_to:  # a misread period is no period
                valid_from = valid_to = None
            selectable.append(Candidate(
                sha256=c["sha256"], url=c["url"], title=ext["title"], kind=ext["kind"],
                found_via=c["route"] if c["route"] in ROUTES else "link",
                link_score=float(c["link_score"] or 0.0), anchor_text=c["anchor_text"], valid_from=valid_from,
                valid_to=valid_to, extended=bool(meta.get("extended")), draft=bool(meta.get("draft")),
                adopted_by=meta.get("adopted_by"), adopted_date=meta.get("adopted_date"),
                prediction=prediction_from_json(predictions[c["sha256"]]),
                host_is_municipal=_host(c["final_url"] or c["url"]) in own_hosts,
                content_words=content_words(ext["text"] or ""),
                mentions_other_municipality=other_municipality(ext["text"] or "", m.name, ext["title"])))
        selection = choose_program(selectable, year=year, municipality=m.name)
        row = inventory_row(m, outcomes[m.code], selection, cands, extractions, predictions, year, run_id,
                            thresholds, shown=shown_document(selection, selectable))
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        rows.append(row)
    store.save_results(run_id, year, rows)
    return StageReport("classify", time.monotonic() - started, counts)


def business_hosts(outcome: dict[str, Any], municipality: str) -> set[str]:
    """The municipality's business-promotion hosts among the off-site hosts its crawl reached: those
    named like one (classify.document.business_host_guess), not a newspaper the crawl hopped to."""
    try:
        detail = json.loads(outcome.get("detail") or "{}")
    except ValueError:
        return set()
    hosts = detail.get("business_hosts") or detail.get("brand_hosts") or []
    return {h for h in hosts if isinstance(h, str) and business_host_guess(f"http://{h}/", municipality)}


def prediction_from_json(data: dict[str, Any]) -> Any:
    """Rebuild a classifier ``Prediction`` from the JSON cached in the store."""

    pages = data.get("evidence_pages") or {}
    evidence = {label: Evidence(quote=quote, page=pages.get(label))
                for label, quote in (data.get("evidence") or {}).items()}
    fields = {f.name for f in dataclasses.fields(Prediction)} - {"evidence"}
    return Prediction(evidence=evidence, **{k: v for k, v in data.items() if k in fields})


# Crawl reasons that say robots.txt hid the municipality's home page or a page whose link named the programme
# (crawler.outcome). A disallowed search page or sitemap is not among them: other pages were crawled.
ROBOTS_HID_PROGRAMME = frozenset({"home_disallowed", "target_disallowed", "tier1_link_disallowed",
                                  "robots_unavailable"})


def final_status(crawl_outcome: dict[str, Any], selection_status: str, unreadable: str | None = None) -> str:
    """Combine the crawl outcome with the programme choice into the inventory status.

    ``unreadable`` is the URL of a document that looks like the programme but could not be read (a scan
    without OCR): with nothing else found that is ``needs_ocr``, never "no programme"."""
    crawl_status = crawl_outcome.get("status")
    if not crawl_status:  # never finished (a crawl that died, a website it could not start): not a "no"
        return "error"
    if crawl_status in CRAWL_FAILURES and selection_status == "no_program_found":
        return str(crawl_status)
    if selection_status == "no_program_found":
        if unreadable:
            return "needs_ocr"
        if crawl_status == "blocked_by_robots" or crawl_outcome.get("reason") in ROBOTS_HID_PROGRAMME:
            return "blocked_by_robots"
    return selection_status


def names_programme(cand: dict[str, Any]) -> bool:
    """Whether a candidate's URL, link text or file name names a programme (the crawler's Tier-1 words)."""

    words = LinkFeatures(url=cand["final_url"] or cand["url"],
                         anchor=f"{cand['anchor_text'] or ''} {cand['filename'] or ''}")
    return score_link(words).tier1


def unreadable_programme(cands: Sequence[dict[str, Any]], extractions: dict[str, Any]) -> str | None:
    """The URL of a candidate that names the programme in its link, anchor or file name but was a scan
    the extraction could not read without OCR; None when there is none."""
    for c in cands:
        ext = extractions.get(c["sha256"])
        if ext and ext.get("error_code") == "needs_ocr" and names_programme(c):
            return str(c["url"])
    return None


def shown_document(selection: Any, candidates: Sequence[Any]) -> Any:
    """The document an inventory row names: the programme, or for draft_only / expired_only the most
    programme-like draft or expired version, so an analyst sees what was found instead of a blank."""
    if selection.chosen is not None:
        return selection.chosen
    role = {"draft_only": "draft", "expired_only": "expired"}.get(selection.status)
    if role is None:
        return None
    shas = {d.sha256 for d in selection.decisions if d.role in (role, "older_version")}
    pool = [c for c in candidates if c.sha256 in shas]
    return max(pool, key=lambda c: (c.prediction.confidence.get("is_program", 0.0), c.valid_to or 0),
               default=None)


def inventory_row(m: Municipality, outcome: dict[str, Any], selection: Any, cands: list[dict[str, Any]],
                  extractions: dict[str, Any], predictions: dict[str, dict[str, Any]], year: int, run_id: int,
                  thresholds: dict[str, float], shown: Any = None) -> dict[str, Any]:

    unreadable = unreadable_programme(cands, extractions) if selection.chosen is None else None
    status = final_status(outcome, selection.status, unreadable)
    chosen = shown if shown is not None else selection.chosen
    row: dict[str, Any] = {
        "code": m.code, "name": m.name, "county_code": m.county_code, "county": m.county, "status": status,
        "program_title": None, "program_url": None, "program_type": None, "valid_from": None, "valid_to": None,
        "extended": None, "in_force": None, "regional_category": None, **{t: None for t in TAGS},
        "confidence": None, "needs_review": None, "review_reasons": None, "found_via": None,
        "requests": outcome.get("requests"),
        "sha256": None, "adopted_by": None, "adopted_date": None, "evidence": {},
        "crawl_status": outcome.get("status"), "run_id": run_id, "year": year, "needs_ocr_document": unreadable,
        "reason": outcome.get("reason") or (None if outcome.get("status") else UNFINISHED),
    }
    if chosen is not None:
        pred = predictions[chosen.sha256]
        row.update(program_title=chosen.title, program_url=chosen.url, valid_from=chosen.valid_from,
                   valid_to=chosen.valid_to, extended=chosen.extended, found_via=chosen.found_via,
                   sha256=chosen.sha256, adopted_by=chosen.adopted_by, adopted_date=chosen.adopted_date,
                   in_force=selection.in_force)
        if status == "program_found":
            confidence = pred.get("confidence") or {}
            row.update({t: pred.get(t) for t in TAGS}, program_type=pred.get("program_type"),
                       regional_category=pred.get("regional_category"),
                       confidence=confidence.get("is_program"), evidence=_evidence(pred))
    by_sha = {c["sha256"]: c for c in cands}
    decisions = []
    for d in selection.decisions:
        cand = by_sha.get(d.sha256, {})
        ext = extractions.get(d.sha256) or {}
        pred = predictions.get(d.sha256) or {}
        meta = ext.get("meta") or {}
        decisions.append({
            "sha256": d.sha256, "url": d.url, "final_url": cand.get("final_url"), "title": ext.get("title"),
            "kind": ext.get("kind"), "found_via": cand.get("route"), "anchor_text": cand.get("anchor_text"),
            "source_page": cand.get("source_page"), "link_score": cand.get("link_score"),
            "is_program_prob": (pred.get("confidence") or {}).get("is_program"),
            "program_type": pred.get("program_type"), "valid_from": meta.get("valid_from"),
            "valid_to": meta.get("valid_to"), "draft": meta.get("draft"), "role": d.role, "picked": d.picked,
            "reason": d.reason})
    # Documents the crawler kept but that could not be read still belong in documents.csv.
    decided = {d["sha256"] for d in decisions}
    for c in cands:
        ext = extractions.get(c["sha256"])
        if c["sha256"] in decided or (ext and not ext["error_code"]):
            continue
        decided.add(c["sha256"])
        reason = f"could not be read: {ext['error_code']}: {ext['error_message']}" if ext else "not extracted"
        decisions.append({"sha256": c["sha256"], "url": c["url"], "final_url": c["final_url"], "title": None,
                          "kind": ext.get("kind") if ext else None, "found_via": c["route"],
                          "anchor_text": c["anchor_text"], "source_page": c["source_page"],
                          "link_score": c["link_score"], "is_program_prob": None, "program_type": None,
                          "valid_from": None, "valid_to": None, "draft": None, "role": "unreadable",
                          "picked": False, "reason": reason})
    row["decisions"] = decisions
    if status in REVIEWED_STATUSES:
        review = review_row(status, predictions.get(chosen.sha256) if chosen is not None else None, row,
                            [d["is_program_prob"] for d in decisions if d["role"] == "not_program"], thresholds)
        row.update(needs_review=review.needs_review, review_reasons=review.text)
    short = {d.sha256 for d in selection.decisions if d.role == "too_little_text"}
    if selection.chosen is None and any(c["sha256"] in short and names_programme(c) for c in cands):
        # A document too short to judge, whose link names a programme, and no programme found: a person
        # looks at it (it is never published). Short menu pages the crawl kept are no reason to.
        row.update(needs_review=True, review_reasons="; ".join(filter(None, [row.get("review_reasons"),
                                                                            "too_little_text"])))
    return row


def _evidence(pred: dict[str, Any]) -> dict[str, dict[str, Any]]:
    quotes = pred.get("evidence") or {}
    pages = pred.get("evidence_pages") or {}
    return {label: {"quote": quote, "page": pages.get(label)} for label, quote in quotes.items()}


# -- stats and outputs ----------------------------------------------------------------------
def frames_from_results(rows: list[dict[str, Any]]) -> tuple[Any, Any, Any]:
    """The store's per-run results as the inventory, documents and links frames."""
    import pandas as pd

    inv_cols = ["code", "name", "county_code", "county", "status", "program_title", "program_url",
                "program_type", "valid_from", "valid_to", "extended", "in_force", "regional_category", *TAGS,
                "confidence", "needs_review", "review_reasons", "found_via", "requests", "sha256", "adopted_by",
                "adopted_date", "evidence", "crawl_status", "reason", "needs_ocr_document", "run_id", "year"]
    inventory = pd.DataFrame([{c: r.get(c) for c in inv_cols} for r in rows], columns=inv_cols)
    bool_cols = ["extended", "in_force", *TAGS, "needs_review"]
    inventory = inventory.astype({c: "boolean" for c in bool_cols} | {
        "valid_from": "Int64", "valid_to": "Int64", "requests": "Int64", "confidence": "Float64"})
    doc_cols = ["code", "name", "sha256", "url", "final_url", "title", "kind", "found_via", "anchor_text",
                "source_page", "link_score", "is_program_prob", "program_type", "valid_from", "valid_to",
                "draft", "role", "picked", "reason"]
    documents = pd.DataFrame([{"code": r["code"], "name": r["name"], **d} for r in rows for d in r["decisions"]],
                             columns=doc_cols)
    documents = documents.astype({"valid_from": "Int64", "valid_to": "Int64", "draft": "boolean",
                                  "picked": "boolean"})
    link_cols = ["code", "name", "program_title", "program_url", "found_via", "related_urls"]
    links = pd.DataFrame([{
        "code": r["code"], "name": r["name"], "program_title": r.get("program_title"),
        "program_url": r.get("program_url"), "found_via": r.get("found_via"),
        "related_urls": " ; ".join(d["url"] for d in r["decisions"]
                                   if d["role"] in ("action_plan", "older_version")),
    } for r in rows if r.get("program_url") and r["status"] == "program_found"], columns=link_cols)
    return inventory, documents, links


def stats_stage(store: Store, year: int, out_dir: Path, *, run_id: int | None = None,
                overrides_path: Path | None = None) -> StageReport:

    started = time.monotonic()
    run_id = run_id if run_id is not None else store.latest_run(year, with_results=True)
    if run_id is None:
        run_id = store.latest_run(with_results=True)
    if run_id is None:
        raise UsageError("the store holds no classified run yet; run `kommunprogram run` (or crawl, extract, "
                         "classify) first")
    inventory, documents, links = frames_from_results(store.results(run_id))
    inventory = stats.apply_year(inventory, year)
    if overrides_path is not None:
        inventory = overrides.apply_overrides(
            inventory, overrides.read_overrides(overrides_path, known_codes=inventory["code"]))
    previous_id = store.latest_run(before=run_id, with_results=True)
    previous_run = store.run(previous_id) if previous_id is not None else None
    previous = None
    if previous_run is not None:
        # The previous inventory as it stood in its own year: what was in force then.
        previous = stats.apply_year(frames_from_results(store.results(previous_run["id"]))[0],
                                    int(previous_run["year"]))
    changes = changes_mod.compare_inventories(previous, inventory)
    summary = stats.summarise(inventory)
    by_county = stats.summarise_by_county(inventory)
    written = outputs.write_outputs(out_dir, inventory=inventory, documents=documents, links=links,
                                    summary=summary, by_county=by_county, changes=changes, year=year)
    found = int((inventory["status"] == "program_found").sum())
    return StageReport("stats", time.monotonic() - started,
                       {"municipalities": len(inventory), "program_found": found, "files": len(written)})
