"""A screenshot of report.html as an analyst sees it, in headless Chromium (``make report-screenshot``).

``python -m publish.screenshot REPORT.html OUT.png [--width 1280]`` measures the page first (how wide and
tall it lays out, and how far right its widest table reaches) and then shoots the whole page at that
height. Chromium runs without network use of its own, in a fresh empty profile. Raises ``UsageError`` when
Chromium is missing or fails; the test (tests/test_screenshot.py) skips without it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from base.errors import UsageError

CHROMIUM = "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")
# Chromium never prints more than this for a page of this size; it is a guard against a hang.
TIMEOUT_S = 120
# Written into a copy of the page (the report itself has no script): the layout once images are decoded.
_MEASURE = ("<script>addEventListener('load',()=>{const d=document.documentElement;"
            "const right=Math.max(0,...[...document.querySelectorAll('table')]"
            ".map(t=>t.getBoundingClientRect().right));"
            "document.body.setAttribute('data-layout',d.scrollWidth+'x'+d.scrollHeight+'x'+Math.ceil(right));});"
            "</script>")


@dataclass(frozen=True)
class Layout:
    width: int  # the page's scroll width: more than the window means a horizontal scroll bar
    height: int
    widest_table_right: int  # the right edge of the widest table, in CSS pixels


def chromium() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        raise UsageError(f"{CHROMIUM} not found; install Debian's chromium package (apt-get install chromium)")
    return path


def _run(args: list[str]) -> str:
    with tempfile.TemporaryDirectory(prefix="kommunprogram-chromium-") as profile:
        try:
            done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                                  text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise UsageError(f"chromium did not finish within {TIMEOUT_S} s") from None
    if done.returncode != 0:
        tail = " ".join(done.stderr.split())[-300:]
        raise UsageError(f"chromium exited with status {done.returncode}: {tail}")
    return done.stdout


def measure(html: Path, width: int = 1280) -> Layout:
    """How the page lays out in a window ``width`` CSS pixels wide."""
    text = html.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="kommunprogram-measure-") as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(text.replace("</body>", _MEASURE + "</body>", 1), encoding="utf-8")
        dom = _run([f"--window-size={width},900", "--virtual-time-budget=10000", "--dump-dom", copy.as_uri()])
    found = re.search(r'data-layout="(\d+)x(\d+)x(\d+)"', dom)
    if found is None:
        raise UsageError(f"{html}: chromium did not lay the page out (no measurement in its DOM)")
    return Layout(*(int(v) for v in found.groups()))


def screenshot(html: Path, png: Path, width: int = 1280) -> Layout:
    """A PNG of the whole page ``html`` at ``width`` CSS pixels; returns the measured layout."""
    layout = measure(html, width)
    png.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--window-size={width},{max(600, layout.height)}", f"--screenshot={png.resolve()}",
          "--virtual-time-budget=10000", html.resolve().as_uri()])
    if not png.is_file():
        raise UsageError(f"chromium wrote no screenshot to {png}")
    return layout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish.screenshot", description=__doc__.split("\n")[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    try:
        layout = screenshot(args.html, args.png, args.width)
    except UsageError as exc:
        print(f"report-screenshot: error: {exc}", file=sys.stderr)
        return 2
    fits = "fits" if max(layout.width, layout.widest_table_right) <= args.width else "does NOT fit"
    print(f"{args.png}: {args.width} x {layout.height} px; the page {fits} {args.width} px "
          f"(scroll width {layout.width}, widest table ends at {layout.widest_table_right})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
