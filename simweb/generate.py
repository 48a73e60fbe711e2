"""Write a simulated web: site models, documents, ``truth.json`` and ``municipalities.csv``.

Layout of the output directory::

    manifest.json            seed, config, hosts (key -> loopback address, kind, site)
    truth.json               ground truth per municipality code (URLs use the nominal port)
    municipalities.csv       contract format, websites at the nominal port
    sites/<code>/site.json   the model the server renders pages from
    sites/<code>/files/...   programme and decoy documents (real PDF/DOCX)
    shared/<host>/...        region hosts and the document mirror

Same seed and config give byte-identical output: every random choice comes from
``random.Random(f"{seed}:{code}")`` and the documents are rendered deterministically.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from base.errors import UsageError

from .config import SimConfig
from .decoys import place_decoys
from .documents import render_pdf
from .placement import place_programmes
from .reference import Municipality, counties, municipalities
from .scenarios import COVERAGE
from .sitemodel import SiteBuilder
from .truth import assemble
from .wording import decoy_text, slots_for

MANIFEST = "manifest.json"


def address(k: int) -> str:
    """k-th simulated host address: 127.0.1.1, 127.0.1.2, ... (127.0.0.x stays free)."""
    return f"127.0.{1 + k // 250}.{1 + k % 250}"


def build_site(muni: Municipality, seed: int, cfg: SimConfig, forced: str | None) -> dict[str, Any]:
    """Everything about one site: ``model`` (served), ``files`` (written), ``truth`` (with host-key URLs)."""
    b = SiteBuilder(muni, seed, cfg, forced)
    b.decide()
    b.build_tree()
    records, plans = place_programmes(b)
    decoys = place_decoys(b)
    b.news()
    b.noise_docs()
    return assemble(b, records, plans, decoys)


def _build(args: tuple[Municipality, int, SimConfig, str | None]) -> dict[str, Any]:
    return build_site(*args)


def _dump(obj: Any, compact: bool = False) -> bytes:
    if compact:  # site models are large and machine-read only
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _prepare(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MANIFEST).exists():
            raise UsageError(f"{out_dir}: exists, is not empty and is not a simulated web; refusing to overwrite")
        for name in ("sites", "shared"):
            shutil.rmtree(out_dir / name, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def _region_site(cc: str, seed: int, cfg: SimConfig) -> tuple[dict[str, Any], bytes]:
    county = counties()[cc]
    rng = random.Random(f"{seed}:region:{cc}")
    rus = county.rus_names[0] if county.rus_names else f"Regional utvecklingsstrategi för {county.name}"
    slots = slots_for(
        rng, county.name, county.name, county.region_body, rus, "", "", cfg.inventory_year - 3, cfg.inventory_year + 4
    )
    text = decoy_text(rng, "regional_strategy", slots)
    text.title_lines = [rus]
    model = {
        "kind": "region",
        "name": county.region_body,
        "rus": rus,
        "file": "files/rus.pdf",
        "text": text.plain_text(),
    }
    return model, render_pdf(text)


def generate(out_dir: Path, *, sites: int, seed: int, config: SimConfig | None = None) -> Path:
    """Generate ``sites`` municipal sites with seed ``seed`` into ``out_dir``; returns ``out_dir``."""
    cfg = config or SimConfig()
    every = list(municipalities())
    if not 1 <= sites <= len(every):
        raise UsageError(f"sites={sites!r}: must be between 1 and {len(every)}")
    out_dir = Path(out_dir)
    _prepare(out_dir)
    rng = random.Random(seed)
    chosen = sorted(rng.sample(every, sites), key=lambda m: m.code)
    order = list(range(sites))
    rng.shuffle(order)
    forced: dict[int, str] = {}
    if cfg.ensure_coverage:
        forced = {order[i]: COVERAGE[i] for i in range(min(len(COVERAGE), sites))}
    jobs = [(m, seed, cfg, forced.get(i)) for i, m in enumerate(chosen)]
    if sites >= 24:
        with ProcessPoolExecutor(max_workers=2) as pool:
            built = list(pool.map(_build, jobs, chunksize=4))
    else:
        built = [_build(j) for j in jobs]

    shared: list[tuple[str, str, dict[str, Any], dict[str, bytes]]] = []
    for cc in sorted({b["model"]["county_code"] for b in built}):
        model, pdf = _region_site(cc, seed, cfg)
        shared.append((f"region-{cc}", "region", model, {"files/rus.pdf": pdf}))
    mirror: dict[str, Any] = {"kind": "mirror", "entries": []}
    for b in built:
        for dec in b["truth"]["decoys"]:
            if dec["class"] == "mirror":
                prog = b["truth"]["programmes"][0]
                doc = b["model"]["docs"][prog["doc_id"]] if "doc_id" in prog else None
                if doc and doc["file"]:
                    mirror["entries"].append(
                        {
                            "code": b["model"]["code"],
                            "title": prog["title"],
                            "file": f"sites/{b['model']['code']}/{doc['file']}",
                            "kind": doc["kind"],
                        }
                    )
    shared.append(("docmirror", "mirror", mirror, {}))
    return write_web(out_dir, built, shared, seed=seed, sites=sites, cfg=cfg)


def write_web(
    out_dir: Path,
    built: list[dict[str, Any]],
    shared: list[tuple[str, str, dict[str, Any], dict[str, bytes]]],
    *,
    seed: int,
    sites: int,
    cfg: SimConfig,
    resolve: Callable[..., dict[str, Any]] | None = None,
) -> Path:
    """Write built sites and shared hosts (key, kind, model, files) with addresses, manifest and truth."""
    resolve = resolve or resolve_truth
    # hosts: one loopback address per host, main sites first so their addresses are stable
    hosts: dict[str, dict[str, Any]] = {}
    for b in built:
        code = b["model"]["code"]
        hosts[code] = {"kind": "main", "site": code, "down": b["model"]["down"]}
    extra_rng = random.Random(f"{seed}:hosts")
    for b in built:
        model = b["model"]
        for role, key in sorted(model["hosts"].items()):
            if role != "main":
                gone = role == "meeting" and extra_rng.random() < cfg.extra_host_gone
                # the non-www twin and the cms. host are the same server as a dead site: dead too
                gone = gone or (role in ("twin", "cms") and model["down"])
                hosts[key] = {"kind": role, "site": model["code"], "down": gone}
    for key, kind, _, _ in shared:
        hosts[key] = {"kind": kind, "site": None, "down": False}
    hosts["thirdparty"] = {"kind": "thirdparty", "site": None, "down": False}
    for k, key in enumerate(hosts):
        hosts[key]["addr"] = address(k)

    for b in built:
        code = b["model"]["code"]
        site_dir = out_dir / "sites" / code
        (site_dir / "files").mkdir(parents=True, exist_ok=True)
        (site_dir / "site.json").write_bytes(_dump(b["model"], compact=True))
        for rel, data in sorted(b["files"].items()):
            (site_dir / rel).write_bytes(data)
    for key, _, model, files in shared:
        d = out_dir / "shared" / key
        d.mkdir(parents=True, exist_ok=True)
        if files:
            (d / "files").mkdir(exist_ok=True)
        (d / "site.json").write_bytes(_dump(model))
        for rel, data in sorted(files.items()):
            (d / rel).write_bytes(data)

    websites = {
        b["model"]["code"]: b["model"]["hosts"]["twin"] if b["model"]["twin_listed"] else b["model"]["code"]
        for b in built
    }
    manifest = {
        "seed": seed,
        "sites": sites,
        "config": cfg.to_json(),
        "hosts": hosts,
        "codes": [b["model"]["code"] for b in built],
        # the host municipalities.csv names as each site's website (the non-www twin for some)
        "websites": websites,
    }
    (out_dir / MANIFEST).write_bytes(_dump(manifest))
    truth = {
        "seed": seed,
        "inventory_year": cfg.inventory_year,
        "nominal_port": cfg.nominal_port,
        "sites": {
            b["model"]["code"]: resolve(
                b["truth"], b["model"]["hosts"], hosts, cfg.nominal_port, websites[b["model"]["code"]]
            )
            for b in built
        },
    }
    (out_dir / "truth.json").write_bytes(_dump(truth))
    (out_dir / "municipalities.csv").write_bytes(municipalities_csv(manifest, cfg.nominal_port))
    return out_dir


def origin(hosts: dict[str, dict[str, Any]], key: str, port: int) -> str:
    return f"http://{hosts[key]['addr']}:{port}"


def resolve_truth(
    truth: dict[str, Any], site_hosts: dict[str, str], hosts: dict[str, dict[str, Any]], port: int, website: str
) -> dict[str, Any]:
    """Turn (host role, path) pairs into absolute URLs."""

    def url(pair: list[str] | tuple[str, str]) -> str:
        role, path = pair
        key = site_hosts.get(role, role)
        return origin(hosts, key, port) + path

    out = dict(truth)
    out["url"] = origin(hosts, truth["code"], port) + "/"
    out["website"] = origin(hosts, website, port) + "/"  # what municipalities.csv lists
    out["hosts"] = {role: origin(hosts, key, port) for role, key in sorted(site_hosts.items())}
    sister = "sister" in site_hosts

    def programme(p: dict[str, Any]) -> dict[str, Any]:
        rec = {k: v for k, v in p.items() if k != "doc_id"}
        rec["urls"] = [url(u) for u in p["urls"]]
        # the sister domain serves the same paths: the same document under a duplicate host (a trap)
        rec["sister_urls"] = [url(("sister", u[1])) for u in p["urls"] if u[0] == "main"] if sister else []
        return rec

    out["programmes"] = [programme(p) for p in truth["programmes"]]
    out["action_plans"] = [{**a, "urls": [url(u) for u in a["urls"]]} for a in truth["action_plans"]]
    out["decoys"] = [{**d, "urls": [url(u) for u in d["urls"]]} for d in truth["decoys"]]
    out["hub_pages"] = [url(u) for u in truth["hub_pages"]]
    return out


def municipalities_csv(manifest: dict[str, Any], port: int) -> bytes:
    by_code = {m.code: m for m in municipalities()}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "county_code", "county", "website"])
    for code in manifest["codes"]:
        m = by_code[code]
        website = manifest.get("websites", {}).get(code, code)
        w.writerow([m.code, m.name, m.county_code, m.county, origin(manifest["hosts"], website, port) + "/"])
    return buf.getvalue().encode("utf-8")


def load_manifest(web_dir: Path) -> dict[str, Any]:
    path = Path(web_dir) / MANIFEST
    if not path.exists():
        raise UsageError(f"{web_dir}: no {MANIFEST}; generate a web first (kommunprogram simweb generate)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
