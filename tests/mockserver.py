"""A small stdlib server for the pipeline's smoke test: a few municipal sites on 127.0.0.1, port 0 each.

Each site is a dict of path -> (content type, body). One site can be "down": its port is reserved and
closed again, so connections are refused.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Site = dict[str, tuple[str, bytes]]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            if path not in site:
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                body = b"<html><body><h1>Sidan kunde inte hittas</h1></body></html>"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            content_type, body = site[path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet test output
            pass

    return Handler


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (the "site that is down")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_sites(sites: dict[str, Site]) -> Iterator[dict[str, str]]:
    """Serve each site on its own port; yields name -> base URL."""
    servers: list[ThreadingHTTPServer] = []
    threads: list[threading.Thread] = []
    urls: dict[str, str] = {}
    try:
        for name, site in sites.items():
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, name=f"mocksite-{name}", daemon=True)
            thread.start()
            servers.append(server)
            threads.append(thread)
            urls[name] = f"http://127.0.0.1:{server.server_address[1]}/"
        yield urls
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
