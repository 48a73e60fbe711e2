"""A tiny local web site for crawl tests: routes in a dict, served on 127.x.y.z port 0, with a request log.

Each route is ``(status, headers, body)`` or a function of the request handler returning that. Start
several servers on different loopback addresses to get several "hosts".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Reply = tuple[int, dict[str, str], bytes]
Route = Reply | Callable[["Handler"], Reply | None]


@dataclass
class Hit:
    path: str
    user_agent: str
    headers: dict[str, str]
    time: float = 0.0


@dataclass
class SiteServer:
    routes: dict[str, Route]
    address: str = "127.0.0.1"
    log: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __enter__(self) -> SiteServer:
        site = self

        class _Handler(Handler):
            owner = site

        self.server = ThreadingHTTPServer((self.address, 0), _Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://{self.address}:{self.server.server_address[1]}/"

    def paths(self) -> list[str]:
        return [h.path for h in self.log]


class Handler(BaseHTTPRequestHandler):
    owner: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed mid-response, as the kill tests do on purpose

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.owner.log.append(Hit(self.path, self.headers.get("User-Agent", ""), dict(self.headers.items()),
                                  time.monotonic()))
        route = self.owner.routes.get(self.path) or self.owner.routes.get(urlsplit(self.path).path)
        if route is None:
            reply: Reply | None = (404, {"Content-Type": "text/html"}, b"<html><title>404</title></html>")
        elif callable(route):
            reply = route(self)
        else:
            reply = route
        if reply is None:  # drop the connection without an answer
            self.close_connection = True
            self.connection.close()
            return
        status, headers, body = reply
        self.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def page(title: str, *links: tuple[str, str], extra: str = "") -> Reply:
    """An HTML page with a title, an h1 and a list of (href, text) links."""
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    body = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<ul>{items}</ul>{extra}</body></html>")
    return 200, {}, body.encode("utf-8")


def pdf(text: str = "Näringslivsprogram") -> bytes:
    return b"%PDF-1.4\n% " + text.encode("utf-8") + b"\n%%EOF\n"


@dataclass
class CrawlResult:
    outcome: dict[str, Any]
    summary: Any
    store: Any
    run_id: int


def crawl_site(site: SiteServer | str, tmp_path: Any, *, db: str | None = None, run_id: int | None = None,
               code: str = "0001", **config: Any) -> CrawlResult:
    """Crawl one local site as municipality ``code`` into a SQLite store under tmp_path (real Store)."""
    from base.municipalities import Municipality
    from base.settings import CrawlSettings
    from base.store import Store
    from crawler.run import crawl

    db = db or f"sqlite:///{tmp_path}/crawl.db"
    store = Store.open(db)
    url = site if isinstance(site, str) else site.url
    muni = Municipality(code, "Testby", "01", "Testlän", url)
    store.upsert_municipalities([muni])
    if run_id is None:
        run_id = store.start_run(2026, f"test-{time.monotonic()}", {}, resume=False)
    config = {"allow_private_addresses": True, "autothrottle": False, **config}
    summary = crawl([muni], db_url=db, run_id=run_id, config=CrawlSettings(**config))
    outcome = store.crawl_outcomes(run_id)[code]
    outcome["robots_blocked"] = json.loads(outcome["robots_blocked"] or "[]")
    outcome["detail"] = json.loads(outcome["detail"] or "{}")
    return CrawlResult(outcome, summary, store, run_id)
