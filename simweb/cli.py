"""``kommunprogram simweb generate|serve``: the simulated municipal web from the command line.

Mounted by the project CLI as a sub-app; also runnable as ``python -m simweb.cli``.
Components raise ``base.errors`` exceptions; this module turns them into one line and an exit code.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from base.errors import KommunprogramError, UsageError

from .config import SimConfig
from .generate import generate as generate_web
from .generate import load_manifest
from .realweb import generate_from_corpus
from .serve import SimWeb

app = typer.Typer(
    help="Simulated municipal web: generate sites with ground truth, serve them on loopback.", no_args_is_help=True
)


def _fail(exc: KommunprogramError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(exc.exit_code)


def parse_latency(text: str) -> tuple[float, float]:
    """'20,300' -> (20.0, 300.0); '50' -> (50.0, 50.0)."""
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError as exc:
        raise UsageError(f"--latency-ms {text!r}: expected A,B in milliseconds, e.g. 20,300") from exc
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or parts[0] < 0 or parts[1] < parts[0]:
        raise UsageError(f"--latency-ms {text!r}: expected 0 <= A <= B, e.g. 20,300")
    return parts[0], parts[1]


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Output directory (created; a previous web there is replaced).")],
    sites: Annotated[
        int | None, typer.Option("--sites", help="Number of municipalities (1-290, default 290; not with --corpus).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same bytes.")] = 42,
    inventory_year: Annotated[int, typer.Option(help="Year in which 'current' programmes are in force.")] = 2026,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Labelled JSONL: one site per municipality in it, its real documents placed."),
    ] = None,
) -> None:
    """Write N simulated municipal sites, truth.json and municipalities.csv to OUT."""
    started = time.perf_counter()
    cfg = SimConfig(inventory_year=inventory_year)
    try:
        if corpus is not None:
            if sites is not None:
                raise UsageError("--sites does not apply with --corpus: the corpus's municipalities are the sites")
            generate_from_corpus(out, corpus, seed=seed, config=cfg)
            built = len(load_manifest(out)["codes"])
        else:
            built = 290 if sites is None else sites
            generate_web(out, sites=built, seed=seed, config=cfg)
    except KommunprogramError as exc:
        raise _fail(exc) from exc
    typer.echo(f"generated {built} sites in {time.perf_counter() - started:.1f} s: {out}")


@app.command()
def serve(
    web_dir: Annotated[Path, typer.Argument(help="A directory written by 'simweb generate'.")],
    latency_ms: Annotated[str, typer.Option("--latency-ms", help="Per-request latency range A,B in ms.")] = "0,0",
    no_faults: Annotated[bool, typer.Option("--no-faults", help="Disable fault injection.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port on every host address; 0 picks a free one.")] = 0,
    speedup: Annotated[float, typer.Option(help="Divide latencies, timeouts and burst windows by this.")] = 1.0,
) -> None:
    """Serve every site of WEB_DIR on its own 127.0.X.Y address until Ctrl-C or SIGTERM."""
    try:
        web = SimWeb(web_dir, latency_ms=parse_latency(latency_ms), faults=not no_faults, speedup=speedup, port=port)
        web.start()
    except KommunprogramError as exc:
        raise _fail(exc) from exc
    done = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        csv_path = web.municipalities_csv
        typer.echo(
            f"serving {len(web.manifest['codes'])} sites on port {web.port}, "
            f"e.g. {web.site_url(web.manifest['codes'][0])}"
        )
        typer.echo(f"municipalities CSV with the served addresses: {csv_path}")
        typer.echo("press Ctrl-C to stop")
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        web.stop()
        typer.echo(f"stopped after {len(web.request_log)} requests")


if __name__ == "__main__":
    app()
