"""The `kommunprogram` command line: one subcommand per stage, plus run, demo and the analyst tools.

This is the only place where errors become messages: components raise the exceptions of
``base.errors``; ``main`` prints one line and exits with the exception's code.

Commands import the stage they run when they run, so ``kommunprogram --help`` starts in a tenth of a
second instead of two (the stages load pandas, scikit-learn and Scrapy). No import here avoids a cycle:
the layers contract (``make lint``, import-linter) checks every import, these included.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from base import redact
from base.errors import KommunprogramError, UsageError
from base.settings import DEFAULT_DB, Settings, ensure_writable_dir, read_settings

# Read once at start-up: the default inventory year is the year the command runs in.
CURRENT_YEAR = date.today().year

app = typer.Typer(
    name="kommunprogram",
    help="Yearly machine inventory of Swedish municipalities' business and growth programmes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)

Db = Annotated[str, typer.Option("--db", help="Database URL or SQLite file path.")]
Year = Annotated[int, typer.Option("--year", help="Inventory year (default: the current year).")]
RunId = Annotated[int | None, typer.Option("--run", help="Run id (default: the latest run for the year).")]
Munis = Annotated[Path | None, typer.Option("--municipalities", help="Municipality CSV (default: bundled 290).",
                                            dir_okay=False)]
AllowPrivate = Annotated[bool, typer.Option("--allow-private-addresses",
                                            help="Let the crawler reach loopback and private addresses.")]
Config = Annotated[Path | None, typer.Option("--config", help="TOML file with [crawl] and [run] settings.")]
Overrides = Annotated[Path | None, typer.Option("--overrides", help="Reviewed-overrides CSV to apply.")]
Out = Annotated[Path | None, typer.Option("--out", help="Output directory (default: outputs/<year>/).")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress and per-item details.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display; only the summary and errors.")]
Contact = Annotated[str | None, typer.Option("--contact", help="Your e-mail or URL, sent in the User-Agent "
                                             "so webmasters can reach you (or [run] contact in --config).")]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"kommunprogram {version('kommunprogram')}")
        raise typer.Exit(0)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                                is_eager=True, callback=_version)] = False) -> None:
    """Yearly machine inventory of Swedish municipalities' business and growth programmes."""


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    redact.install()  # no log line shows a database or Redis password


def _load_municipalities(path: Path | None):  # type: ignore[no-untyped-def]
    from base.municipalities import bundled_path, read_municipalities

    return read_municipalities(path or bundled_path())


def _resolve_run(store, year: int, run_id: int | None) -> int:  # type: ignore[no-untyped-def]
    resolved = run_id if run_id is not None else store.latest_run(year)
    if resolved is None or store.run(resolved) is None:
        raise UsageError(f"no run {'#' + str(run_id) if run_id else 'for ' + str(year)} in the store; "
                         "start one with `kommunprogram crawl` or `kommunprogram run`")
    return resolved


def _settings(year: int, db: str, out: Path | None, municipalities: Path | None, allow_private: bool,
              config: Path | None, overrides: Path | None, contact: str | None = None,
              model: Path | None = None) -> Settings:
    """The command's settings tree, read once: the command line wins over ``--config`` and the environment."""
    return read_settings(config=config, run={
        "year": year, "db_url": db, "out_dir": out, "municipalities_csv": municipalities,
        "allow_private_addresses": allow_private or None, "overrides": overrides, "contact": contact,
        "model": model})


def _warn_without_ocr() -> None:
    """Said once at the start of a run that reads documents: scans will not be read without Tesseract."""
    from extract.pdf import ocr_available

    if not ocr_available():
        typer.echo("kommunprogram: note: Tesseract OCR with Swedish data is not installed, so scanned PDFs will "
                   "not be read (their municipalities get status needs_ocr); install it with `make setup-system` "
                   "(Debian/Ubuntu, as root) or `apt-get install tesseract-ocr tesseract-ocr-swe`.", err=True)


def _warn_without_contact(settings: Settings) -> None:
    """A crawl of the real web without the operator's contact is allowed, but said at its start."""
    if not settings.run.contact and not settings.run.allow_private_addresses:
        typer.echo("kommunprogram: note: no operator contact set; municipal webmasters who see the crawler "
                   "cannot reach you. Set --contact or [run] contact in --config.", err=True)


@app.command()
def run(municipalities: Munis = None, year: Year = CURRENT_YEAR, out: Out = None, db: Db = DEFAULT_DB,
        allow_private_addresses: AllowPrivate = False, config: Config = None, overrides: Overrides = None,
        new_run: Annotated[bool, typer.Option("--new-run", help="Start afresh instead of resuming.")] = False,
        contact: Contact = None, quiet: Quiet = False, verbose: Verbose = False,
        model: Annotated[Path | None, typer.Option("--model", help="Model directory to crawl and classify with "
                                                   "(default: the shipped model).")] = None) -> int:
    """Run every stage: crawl, extract, classify, stats. Resumes an interrupted run of the same input."""
    _setup_logging(verbose)
    settings = _settings(year, db, out, municipalities, allow_private_addresses, config, overrides, contact, model)
    ensure_writable_dir(settings.run.output_dir)  # before hours of crawling, not after
    items = _load_municipalities(settings.run.municipalities_csv)
    _warn_without_contact(settings)
    _warn_without_ocr()
    from inventory.progress import progress_display
    from inventory.runner import run_inventory

    with progress_display(quiet=quiet) as progress:
        report = run_inventory(settings, resume=not new_run, progress=progress, items=items)
    typer.echo(report.summary_line())
    return report.exit_code


@app.command()
def crawl(municipalities: Munis = None, year: Year = CURRENT_YEAR, db: Db = DEFAULT_DB,
          allow_private_addresses: AllowPrivate = False, config: Config = None,
          new_run: Annotated[bool, typer.Option("--new-run", help="Start afresh instead of resuming.")] = False,
          contact: Contact = None, quiet: Quiet = False, verbose: Verbose = False) -> None:
    """Crawl the municipalities' websites and store candidate documents."""
    _setup_logging(verbose)
    settings = _settings(year, db, None, municipalities, allow_private_addresses, config, None, contact)
    items = _load_municipalities(settings.run.municipalities_csv)
    _warn_without_contact(settings)
    from inventory.pipeline import crawl_stage
    from inventory.progress import progress_display
    from inventory.runs import open_run

    with open_run(settings, items, resume=not new_run) as (store, run_id), progress_display(quiet=quiet) as progress:
        report = crawl_stage(store, run_id, items, db_url=settings.run.db_url, config=settings.crawl,
                             progress=progress)
    typer.echo(f"run {run_id} {report.line()}")


@app.command()
def extract(year: Year = CURRENT_YEAR, db: Db = DEFAULT_DB, run_id: RunId = None,
            verbose: Verbose = False) -> None:
    """Extract text and metadata from the run's documents (cached per content hash and extractor version)."""
    _setup_logging(verbose)
    from base.lock import run_lock
    from base.store import Store
    from inventory.pipeline import extract_stage

    store = Store.open(db)
    resolved = _resolve_run(store, year, run_id)
    _warn_without_ocr()
    with run_lock(db):
        typer.echo(f"run {resolved} {extract_stage(store, resolved).line()}")


@app.command()
def classify(year: Year = CURRENT_YEAR, db: Db = DEFAULT_DB, run_id: RunId = None,
             model: Annotated[Path | None, typer.Option("--model", help="Model directory.")] = None,
             verbose: Verbose = False) -> None:
    """Classify the run's documents and choose each municipality's programme."""
    _setup_logging(verbose)
    from base.lock import run_lock
    from base.store import Store
    from inventory.pipeline import classify_stage

    store = Store.open(db)
    resolved = _resolve_run(store, year, run_id)
    run_year = int((store.run(resolved) or {})["year"])
    with run_lock(db):
        typer.echo(f"run {resolved} {classify_stage(store, resolved, run_year, model_path=model).line()}")


@app.command()
def stats(year: Year = CURRENT_YEAR, out: Out = None, db: Db = DEFAULT_DB, run_id: RunId = None,
          overrides: Overrides = None, verbose: Verbose = False) -> None:
    """Regenerate statistics and every output for a year from the store, without crawling."""
    _setup_logging(verbose)
    from base.store import Store
    from inventory.pipeline import stats_stage

    settings = _settings(year, db, out, None, False, None, overrides)
    ensure_writable_dir(settings.run.output_dir)
    store = Store.open(db)
    report = stats_stage(store, year, settings.run.output_dir, run_id=run_id, overrides_path=overrides)
    typer.echo(f"{report.line()}; outputs in {settings.run.output_dir}/")


@app.command()
def predict(input: Annotated[Path, typer.Option("--input", help="JSONL with {id, text} per line.")],
            output: Annotated[Path, typer.Option("--output", help="JSONL to write predictions to.")],
            model: Annotated[Path | None, typer.Option("--model", help="Model directory.")] = None) -> None:
    """Classify texts: one JSON prediction per input line (the predict contract)."""
    from classify.model import load_model, predict_jsonl

    count = predict_jsonl(load_model(model), input, output)
    typer.echo(f"predicted {count} documents -> {output}")


@app.command()
def train(corpus: Annotated[Path | None, typer.Option("--corpus", help="Labelled JSONL (default: the shared "
                                                       "corpus, or $KOMMUNPROGRAM_CORPUS).")] = None,
          out: Annotated[Path | None, typer.Option("--out", help="Artefact directory (default: the shipped "
                                                    "model's, classify/model).")] = None,
          no_cv: Annotated[bool, typer.Option("--no-cv", help="Skip the cross-validation on the training "
                                                              "part.")] = False) -> None:
    """Train the classifier on the training part of the corpus and write the model artefact."""
    from classify.corpus import default_corpus_path
    from classify.evaluate import format_table
    from classify.model import MODEL_DIR, MODEL_FILE
    from classify.train import write_artefact

    out_dir = out or MODEL_DIR
    result = write_artefact(corpus or default_corpus_path(), out_dir, with_cv=not no_cv)
    typer.echo(f"wrote {out_dir / MODEL_FILE} version {result.version} "
               f"({result.training_documents} training documents)")
    typer.echo("held-out part:\n" + format_table(result.metrics["heldout"]))


@app.command()
def gate(corpus: Annotated[Path | None, typer.Option("--corpus", help="Labelled JSONL (default: the shared "
                                                      "corpus, or $KOMMUNPROGRAM_CORPUS).")] = None,
         floors: Annotated[Path | None, typer.Option("--floors", help="floors.json to check against.")] = None,
         allow_lower: Annotated[str | None, typer.Option("--allow-lower", help="Record this reason for every "
                                                          "floor lower than in the previous committed version.")]
         = None,
         raise_floors: Annotated[bool, typer.Option("--raise", help="After a pass, lift floors to the score minus "
                                                                    "0.02.")] = False,
         report: Annotated[Path | None, typer.Option("--report", help="Also write the held-out report "
                                                      "(JSON).")] = None,
         model: Annotated[Path | None, typer.Option("--model", help="Model directory.")] = None) -> int:
    """Quality gate: the shipped model on the frozen held-out part against the pinned floors (exit 1 if below)."""
    from classify.corpus import default_corpus_path
    from classify.gate import FLOORS_FILE, run_gate, summary_lines

    result = run_gate(floors or FLOORS_FILE, corpus or default_corpus_path(), allow_lower=allow_lower,
                      raise_floors=raise_floors, report_path=report, model_path=model)
    typer.echo("\n".join(summary_lines(result.report, result.floors, result.scores, result.findings)))
    return result.code


@app.command("eval")
def evaluate(corpus: Annotated[Path, typer.Option("--corpus", help="Labelled JSONL in the corpus format.")],
             model: Annotated[Path | None, typer.Option("--model", help="Model directory.")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False) -> None:
    """Score the model on a labelled corpus: per-label precision, recall, F1 and confusion counts."""
    from classify.evaluate import evaluate_corpus, format_table
    from classify.model import load_model

    report = evaluate_corpus(corpus, load_model(model))
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    if not as_json:
        typer.echo(format_table(report))


@app.command("extract-file")
def extract_file(path: Annotated[Path, typer.Argument(help="A PDF, DOCX or HTML file.")]) -> int:
    """Print what extraction makes of one file, as JSON (exit 3 when it cannot be read)."""
    from extract.reader import extract_file as do_extract

    result = do_extract(path)
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    return 3 if result.error else 0


@app.command("export-labels")
def export_labels(output: Annotated[Path, typer.Option("--output", help="JSONL to write.")],
                  overrides: Annotated[Path, typer.Option("--overrides", help="Reviewed-overrides CSV.")],
                  year: Year = CURRENT_YEAR, db: Db = DEFAULT_DB, run_id: RunId = None) -> None:
    """Turn reviewed documents into training data in the corpus format."""
    from inventory.runner import export_reviewed_labels

    count = export_reviewed_labels(db, year, run_id, overrides, output)
    typer.echo(f"exported {count} reviewed documents -> {output}")


@app.command()
def demo(out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("outputs/demo"),
         sites: Annotated[int, typer.Option("--sites", help="Simulated sites.")] = 12,
         seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 2026,
         quiet: Quiet = False, verbose: Verbose = False) -> int:
    """Generate a small simulated municipal web, serve it on 127.0.0.1 and run the whole inventory on it."""
    import simweb

    simweb.require_extra()
    _setup_logging(verbose)
    ensure_writable_dir(out)
    _warn_without_ocr()
    from inventory.progress import progress_display
    from inventory.runner import run_demo

    with progress_display(quiet=quiet) as progress:
        report = run_demo(out, sites=sites, seed=seed, progress=progress)
    typer.echo(report.summary_line())
    return report.exit_code


Redis = Annotated[str, typer.Option("--redis", help="Redis URL of the shared queue, e.g. redis://127.0.0.1:6379/0.")]
Queue = Annotated[str, typer.Option("--queue", help="Key prefix of the queue in Redis.")]


@app.command()
def enqueue(redis: Redis, municipalities: Munis = None, year: Year = CURRENT_YEAR, db: Db = DEFAULT_DB,
            allow_private_addresses: AllowPrivate = False, config: Config = None, queue: Queue = "kommunprogram",
            verbose: Verbose = False) -> None:
    """Create (or resume) a run in the shared store and queue its municipalities for workers."""
    _setup_logging(verbose)
    from inventory.runs import enqueue_run

    settings = _settings(year, db, None, municipalities, allow_private_addresses, config, None)
    run_id, queued = enqueue_run(redis, settings, _load_municipalities(settings.run.municipalities_csv), prefix=queue)
    typer.echo(f"run {run_id}: {queued} municipalities queued")


@app.command()
def worker(redis: Redis, db: Db = DEFAULT_DB,
           max_idle: Annotated[float, typer.Option("--max-idle", help="Stop after this many idle seconds.")] = 60.0,
           worker_id: Annotated[str | None, typer.Option("--worker-id", help="Stable id (default host:pid).")] = None,
           concurrent_municipalities: Annotated[int | None, typer.Option(
               "--concurrent-municipalities", help="Municipalities crawled at once by this worker.")] = None,
           queue: Queue = "kommunprogram", verbose: Verbose = False) -> None:
    """Crawl queued municipalities from Redis into the shared store until the queue stays empty."""
    _setup_logging(verbose)
    from inventory.worker import worker as run_worker

    overrides = {"concurrent_municipalities": concurrent_municipalities} if concurrent_municipalities else None
    summary = run_worker(redis, db, max_idle_s=max_idle, worker_id=worker_id, overrides=overrides, prefix=queue)
    typer.echo(summary.line())


@app.command("queue-status")
def queue_status(redis: Redis, run_id: Annotated[int, typer.Option("--run", help="Run id.")],
                 queue: Queue = "kommunprogram") -> None:
    """Show a distributed run's queue: pending, in progress, done, live workers."""
    from crawler.queue import status

    st = status(redis, run_id, prefix=queue)
    typer.echo(f"run {st.run_id}: {st.pending} pending, {st.processing} in progress, {st.done} done of "
               f"{st.queued} queued; workers: {', '.join(st.workers) or 'none'}")


def _mount_simweb() -> None:
    import simweb

    try:
        simweb.require_extra()
    except UsageError as exc:  # without the extra every `simweb ...` ends in the one line that names it
        message = str(exc)

        @app.command("simweb", add_help_option=False,
                     context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                     help="Generate and serve the simulated municipal web (needs the simweb extra).")
        def simweb_missing() -> None:
            raise UsageError(message)

        return
    from simweb.cli import app as simweb_app

    app.add_typer(simweb_app, name="simweb", help="Generate and serve the simulated municipal web.")


_mount_simweb()


def main(argv: list[str] | None = None) -> int:
    try:
        result = app(args=argv, prog_name="kommunprogram", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        typer.echo("kommunprogram: aborted", err=True)
        return 130
    except typer.TyperException as exc:  # typer's own click: usage errors, bad option values
        # One line, like every other error; --help has the usage (click's show() prints four lines).
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = " ".join(message.split())
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "kommunprogram"
        typer.echo(f"kommunprogram: error: {message} (see `{command} --help`)", err=True)
        return int(getattr(exc, "exit_code", 2))
    except KommunprogramError as exc:
        typer.echo(f"kommunprogram: error: {redact.redact(str(exc))}", err=True)
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
