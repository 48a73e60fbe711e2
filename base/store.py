"""The store: the single source of truth every stage reads from and writes to.

SQLAlchemy Core keeps one schema for SQLite (the default, one file) and PostgreSQL (shared store for
distributed runs). Every public method is its own transaction, so a crash loses nothing that was
committed and re-running a stage is idempotent (unique keys + "insert if absent").

Document bytes live in ``blobs`` keyed by sha256: the same programme found under two URLs or moved
between years is stored once and recognised by its content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from base.errors import StoreError
from base.municipalities import Municipality
from base.redact import redact, redact_url
from base.vocabulary import TAGS

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", sa.Text, nullable=False),
)
municipalities = sa.Table(
    "municipalities", metadata,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("county_code", sa.String(4), nullable=False),
    sa.Column("county", sa.Text, nullable=False),
    sa.Column("website", sa.Text, nullable=False),
    sa.Column("alt_hosts", sa.Text, nullable=False, default=""),
    # The business-promotion hosts given in the municipalities file: a distributed worker reads the
    # municipality from the store, so what the file said must be kept here (migration 4).
    sa.Column("business_hosts", sa.Text, nullable=False, default=""),
)
runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("input_digest", sa.String(64), nullable=False),
    sa.Column("options", sa.Text, nullable=False, default="{}"),
    sa.Column("started_at", sa.Text, nullable=False),
    sa.Column("finished_at", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),  # running | finished | failed
)
run_municipalities = sa.Table(
    "run_municipalities", metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # in_progress | finished
    sa.Column("status", sa.String(32)),  # crawl outcome: found | not_found_within_budget | ...
    sa.Column("reason", sa.Text),
    sa.Column("requests", sa.Integer),
    sa.Column("requests_to_first_hit", sa.Integer),
    sa.Column("found_via", sa.String(16)),
    sa.Column("bytes_downloaded", sa.BigInteger),
    sa.Column("robots_blocked", sa.Text),  # JSON list of URLs
    sa.Column("detail", sa.Text),  # JSON
    sa.Column("started_at", sa.Text),
    sa.Column("finished_at", sa.Text),
)
fetches = sa.Table(
    "fetches", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("code", sa.String(8), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("final_url", sa.Text),
    sa.Column("status", sa.Integer),
    sa.Column("content_type", sa.Text),
    sa.Column("size", sa.BigInteger, nullable=False, default=0),
    sa.Column("sha256", sa.String(64)),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("route", sa.String(16)),
    sa.Column("error", sa.Text),
    sa.Column("fetched_at", sa.Text, nullable=False),
)
url_validators = sa.Table(
    "url_validators", metadata,
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)
blobs = sa.Table(
    "blobs", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("first_seen", sa.Text, nullable=False),
)
candidates = sa.Table(
    "candidates", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("code", sa.String(8), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("final_url", sa.Text),
    sa.Column("content_type", sa.Text),
    sa.Column("filename", sa.Text),
    sa.Column("source_page", sa.Text),
    sa.Column("anchor_text", sa.Text),
    sa.Column("route", sa.String(16)),
    sa.Column("link_score", sa.Float),
    sa.Column("unchanged", sa.Boolean, nullable=False, default=False),
    sa.Column("found_at", sa.Text, nullable=False),
    sa.UniqueConstraint("run_id", "code", "sha256", "url", name="uq_candidate"),
)
documents = sa.Table(
    "documents", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("extractor_version", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16)),
    sa.Column("title", sa.Text),
    sa.Column("text", sa.Text),
    sa.Column("pages", sa.Text),  # JSON list of page texts
    sa.Column("meta", sa.Text),  # JSON: validity, adoption, diarienummer, draft, ...
    sa.Column("needs_ocr", sa.Boolean, nullable=False, default=False),
    sa.Column("error_code", sa.String(32)),
    sa.Column("error_message", sa.Text),
    sa.Column("extracted_at", sa.Text, nullable=False),
)
classifications = sa.Table(
    "classifications", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("model_version", sa.String(64), primary_key=True),
    sa.Column("extractor_version", sa.String(32), nullable=False),
    sa.Column("is_program", sa.Boolean, nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("prediction", sa.Text, nullable=False),  # JSON, the predict contract + evidence pages
    sa.Column("classified_at", sa.Text, nullable=False),
)
results = sa.Table(
    "results", metadata,
    sa.Column("run_id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("program_url", sa.Text),
    sa.Column("row", sa.Text, nullable=False),  # JSON: the inventory row (see inventory.pipeline)
    sa.Column("decisions", sa.Text, nullable=False),  # JSON: per-candidate decisions for documents.csv
    sa.Column("decided_at", sa.Text, nullable=False),
)

# Versioned migrations: (version, description, tables created). Later versions append here; a
# database is brought forward one version at a time and each step is recorded.
MIGRATIONS: tuple[tuple[int, str, tuple[sa.Table, ...]], ...] = (
    (1, "initial schema", (municipalities, runs, run_municipalities, fetches, url_validators, blobs,
                           candidates, documents, classifications, results)),
    (2, "inventory view: the results' rows with one column per field", ()),
    (3, "inventory view: needs_ocr_document", ()),
    (4, "municipalities.business_hosts", ()),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
# What to do about a damaged store (a lost table, a bad row): said in every such error.
RECOVER = ("restore the database from a backup, or give --db a new store (its first run crawls again); "
           "see docs/operations.md")

# The inventory as a flat view for people browsing the store (Datasette facets on status, type and tags):
# one column per field of the results' JSON rows (docs/outputs.md, inventory.csv), ``tags`` the true tags as
# a JSON array. Created by migration 2; a new field means a new migration that replaces the view.
INVENTORY_VIEW_FIELDS = (
    "name", "county_code", "county", "status", "program_title", "program_url", "program_type", "valid_from",
    "valid_to", "extended", "in_force", "regional_category", "rus_link", "intermunicipal_link", "action_plan",
    "sustainability", "business_collaboration", "annual_activities", "confidence", "needs_review",
    "review_reasons", "found_via", "requests", "adopted_by", "adopted_date", "crawl_status", "reason",
    "needs_ocr_document",
)  # fmt: skip


def inventory_view_sql(dialect: str) -> str:
    tags = ", ".join(f"'{t}'" for t in TAGS)
    if dialect == "postgresql":
        columns = ", ".join(f"(r.row::jsonb ->> '{f}') as {f}" for f in INVENTORY_VIEW_FIELDS)
        tag_array = (f"(select coalesce(json_agg(key order by key), '[]'::json)::text from jsonb_each(r.row::jsonb) "
                     f"where key in ({tags}) and value = 'true'::jsonb)")
        evidence = "(r.row::jsonb -> 'evidence')::text"
    else:
        columns = ", ".join(f"json_extract(r.row, '$.{f}') as {f}" for f in INVENTORY_VIEW_FIELDS)
        tag_array = (f"(select json_group_array(key) from json_each(r.row) "
                     f"where key in ({tags}) and type = 'true')")
        evidence = "json_extract(r.row, '$.evidence')"
    return (f"create view inventory as select r.run_id, r.year, r.code, {columns}, {tag_array} as tags, "
            f"r.sha256, {evidence} as evidence from results r")


# Views per migration version (SQL statements by dialect), run after the version's tables are created. A
# view with a new field is dropped and created again by a migration of its own.
VIEWS: dict[int, Any] = {
    2: lambda dialect: [inventory_view_sql(dialect)],
    3: lambda dialect: ["drop view if exists inventory", inventory_view_sql(dialect)],
}


# Columns a migration adds to a table that existed before it. A store created at or after that version has
# them already, from the table's definition in migration 1.
ADDED_COLUMNS: dict[int, tuple[tuple[str, str, str], ...]] = {
    4: (("municipalities", "business_hosts", "text not null default ''"),),
}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalise_db_url(url: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as SQLite)."""
    if "://" in url:
        return url
    return f"sqlite:///{Path(url).expanduser()}"


def absolute_db_url(url: str) -> str:
    """The URL with a SQLite file made absolute: what a child process in another folder must be given."""
    url = normalise_db_url(url)
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:") and not url[len(prefix):].startswith("/"):
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def check_db_url(url: str) -> sa.URL:
    """The parsed URL, once its dialect and driver are known to load; ``StoreError`` (one line, no password)
    for a URL that is none, an unknown database (``mysqlx://``) or a driver that is not installed."""
    shown = redact_url(url)
    try:
        parsed = make_url(normalise_db_url(url))
    except ArgumentError:
        raise StoreError(f"--db {shown!r} is neither a database URL nor a file path; use a SQLite file "
                         "path or postgresql+psycopg://user@host/db") from None
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise StoreError(f"cannot open database {shown}: unknown database driver {parsed.drivername!r}; "
                         "kommunprogram stores in SQLite (a file path) or PostgreSQL (postgresql+psycopg://)") from None
    except ImportError as exc:
        raise StoreError(f"cannot open database {shown}: the {parsed.drivername} driver is not installed "
                         f"({exc.name or exc}); install it, or use SQLite or postgresql+psycopg://") from None
    return parsed


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    sha256: str


class CrawlResult(NamedTuple):
    """What a municipality's crawl found, as far as it must not depend on how the crawl was run (one
    process or N workers, this order or another): compared by the determinism and distributed tests and
    the worker benchmarks. Documents (PDF, DOCX, ...) compare by sha256; HTML candidates by URL only,
    because CMSs (and the simulated web) put a fresh session id into every page served, so two fetches
    of one page never hash alike."""

    status: str
    document_sha256: frozenset[str]
    candidate_urls: frozenset[str]


class Store:
    """Transactional access to the inventory database. Open with ``Store.open(url)``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- opening and migrations ------------------------------------------------------------
    @classmethod
    def open(cls, url: str) -> Store:
        url = normalise_db_url(url)
        check_db_url(url)
        shown = redact_url(url)
        try:
            if url.startswith("sqlite:///"):
                path = Path(url.removeprefix("sqlite:///"))
                if str(path) not in ("", ":memory:"):
                    path.parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(url, connect_args={"timeout": 60})
                sa.event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = sa.create_engine(url, pool_pre_ping=True)
            store = cls(engine)
            try:
                store.migrate()
                store.check_schema(shown)
            except BaseException:
                engine.dispose()  # do not leak the pool's connections when the store cannot be used
                raise
        except SQLAlchemyError as exc:
            raise StoreError(redact(f"cannot open database {shown}: {exc.__class__.__name__}: {_short(exc)}", url)) \
                from None
        except OSError as exc:
            raise StoreError(redact(f"cannot open database {shown}: {exc}", url)) from None
        return store

    def migrate(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Workers of a distributed run open a fresh shared store at the same moment: serialise
                # the migration (released at commit), or concurrent CREATE TABLEs collide.
                conn.execute(sa.text("select pg_advisory_xact_lock(1802531431, 0)"))
            schema_migrations.create(conn, checkfirst=True)
            done = {r[0] for r in conn.execute(sa.select(schema_migrations.c.version))}
            newest = max(done, default=0)
            if newest > SCHEMA_VERSION:
                raise StoreError(
                    f"database schema version {newest} is newer than this program's {SCHEMA_VERSION}; "
                    "upgrade kommunprogram"
                )
            for version, description, tables in MIGRATIONS:
                if version in done:
                    continue
                for table in tables:
                    table.create(conn, checkfirst=True)
                for table_name, column, ddl in ADDED_COLUMNS.get(version, ()):
                    if column not in {c["name"] for c in sa.inspect(conn).get_columns(table_name)}:
                        conn.execute(sa.text(f"alter table {table_name} add column {column} {ddl}"))
                for statement in VIEWS.get(version, lambda _: [])(conn.dialect.name):
                    conn.execute(sa.text(statement))
                conn.execute(schema_migrations.insert().values(
                    version=version, description=description, applied_at=now()))

    def check_schema(self, shown: str = "the database") -> None:
        """Every table and column this program uses is there: a damaged store fails here, in one line,
        not in the middle of a stage with a traceback."""
        with self.reading() as conn:
            inspector = sa.inspect(conn)
            present = set(inspector.get_table_names())
            for table in metadata.sorted_tables:
                if table.name not in present:
                    raise StoreError(f"{shown} is damaged: table {table.name!r} is missing; {RECOVER}")
                columns = {c["name"] for c in inspector.get_columns(table.name)}
                lost = [c.name for c in table.columns if c.name not in columns]
                if lost:
                    raise StoreError(f"{shown} is damaged: table {table.name!r} lacks column(s) "
                                     f"{', '.join(lost)}; {RECOVER}")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads; a failing read is a ``StoreError`` (one line), like a failing write."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database read failed: {exc.__class__.__name__}: {_short(exc)}; {RECOVER}") from None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database write failed: {exc.__class__.__name__}: {_short(exc)}") from None

    # -- municipalities and runs -----------------------------------------------------------
    def upsert_municipalities(self, items: Sequence[Municipality]) -> None:
        with self.transaction() as conn:
            for m in items:
                values = dict(code=m.code, name=m.name, county_code=m.county_code, county=m.county,
                              website=m.website, alt_hosts=";".join(m.alt_hosts),
                              business_hosts=";".join(m.business_hosts))
                updated = conn.execute(
                    municipalities.update().where(municipalities.c.code == m.code).values(**values))
                if updated.rowcount == 0:
                    conn.execute(municipalities.insert().values(**values))

    def start_run(self, year: int, input_digest: str, options: dict[str, Any], *, resume: bool = True) -> int:
        """Return the unfinished run for the same year and input (resume), or a new run."""
        with self.transaction() as conn:
            if resume:
                row = conn.execute(
                    sa.select(runs.c.id).where(runs.c.year == year, runs.c.input_digest == input_digest,
                                               runs.c.status == "running").order_by(runs.c.id.desc())
                ).first()
                if row:
                    return int(row[0])
            result = conn.execute(runs.insert().values(
                year=year, input_digest=input_digest, options=json.dumps(options, sort_keys=True),
                started_at=now(), status="running"))
            key = result.inserted_primary_key
            assert key is not None  # an INSERT into a table with an integer primary key
            return int(key[0])

    def finish_run(self, run_id: int, status: str = "finished") -> None:
        with self.transaction() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(status=status, finished_at=now()))

    def run(self, run_id: int) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).mappings().first()
            return dict(row) if row else None

    def latest_run(self, year: int | None = None, *, before: int | None = None,
                   with_results: bool = False) -> int | None:
        query = sa.select(runs.c.id).order_by(runs.c.id.desc())
        if year is not None:
            query = query.where(runs.c.year == year)
        if before is not None:
            query = query.where(runs.c.id < before)
        if with_results:
            query = query.where(runs.c.id.in_(sa.select(results.c.run_id)))
        with self.reading() as conn:
            row = conn.execute(query).first()
            return int(row[0]) if row else None

    # -- the crawler's sink (see crawler.recorder) ----------------------------------------
    def municipality_finished(self, run_id: int, code: str) -> bool:
        with self.reading() as conn:
            state = conn.execute(sa.select(run_municipalities.c.state).where(
                run_municipalities.c.run_id == run_id, run_municipalities.c.code == code)).scalar()
        return state == "finished"

    def start_municipality(self, run_id: int, code: str) -> bool:
        """Begin, or begin again, one municipality's crawl in a run; True if a dead attempt was discarded.

        Only one crawler owns a municipality at a time (the run lock, or the distributed queue), so a row
        still ``in_progress`` here is an attempt that died (kill -9, OOM, a lost worker). Its fetches and
        candidates go, and so do the ETag/Last-Modified validators it stored: left in place, the new
        attempt would get 304s for pages seen minutes ago and, since a 304 carries no links, crawl another
        path than a fresh crawl. Validators older than the attempt stay; blobs stay (keyed by content).
        """
        where_run = (run_municipalities.c.run_id == run_id, run_municipalities.c.code == code)
        with self.transaction() as conn:
            row = conn.execute(sa.select(run_municipalities.c.state, run_municipalities.c.started_at)
                               .where(*where_run)).first()
            if row is None:
                conn.execute(run_municipalities.insert().values(
                    run_id=run_id, code=code, state="in_progress", started_at=now()))
                return False
            if row.state != "in_progress":
                return False
            if row.started_at:
                urls = sa.select(candidates.c.url).where(candidates.c.run_id == run_id, candidates.c.code == code)
                conn.execute(url_validators.delete().where(url_validators.c.url.in_(urls),
                                                           url_validators.c.updated_at >= row.started_at))
            conn.execute(fetches.delete().where(fetches.c.run_id == run_id, fetches.c.code == code))
            conn.execute(candidates.delete().where(candidates.c.run_id == run_id, candidates.c.code == code))
            conn.execute(run_municipalities.update().where(*where_run).values(started_at=now()))
            return True

    def url_validators(self, url: str) -> Validators | None:
        with self.reading() as conn:
            row = conn.execute(sa.select(url_validators).where(url_validators.c.url == url)).mappings().first()
        return Validators(row["etag"], row["last_modified"], row["sha256"]) if row else None

    def origin_validators(self, origin: str) -> dict[str, Validators]:
        """The validators of every URL under ``origin`` (``scheme://netloc``, as ``canonical_url`` writes it).

        One query per host instead of one per request (``crawler.recorder.Recorder`` caches the answer).
        ``substr`` equality, not LIKE or a range: exact on both databases, whatever PostgreSQL's collation
        and SQLite's case-insensitive LIKE would make of the prefix."""
        prefix = f"{origin}/"
        query = sa.select(url_validators).where(sa.func.substr(url_validators.c.url, 1, len(prefix)) == prefix)
        with self.reading() as conn:
            rows = conn.execute(query).mappings().all()
        return {r["url"]: Validators(r["etag"], r["last_modified"], r["sha256"]) for r in rows
                if r["url"].startswith(prefix)}

    def record_fetch(self, run_id: int, code: str, *, url: str, final_url: str, status: int | None,
                     content_type: str | None, size: int, sha256: str | None, etag: str | None,
                     last_modified: str | None, route: str, error: str | None) -> None:
        with self.transaction() as conn:
            conn.execute(fetches.insert().values(
                run_id=run_id, code=code, url=url, final_url=final_url, status=status,
                content_type=content_type, size=size, sha256=sha256, etag=etag,
                last_modified=last_modified, route=route, error=error, fetched_at=now()))

    def save_candidate(self, run_id: int, code: str, *, sha256: str, content: bytes | None, url: str,
                       final_url: str, content_type: str | None, filename: str | None,
                       source_page: str | None, anchor_text: str | None, route: str, link_score: float,
                       etag: str | None, last_modified: str | None) -> None:
        """Store a candidate document; ``content=None`` means unchanged (304): reuse the stored blob."""
        if content is not None and hashlib.sha256(content).hexdigest() != sha256:
            raise StoreError(f"sha256 does not match the content of {url}")
        with self.transaction() as conn:
            has_blob = conn.execute(_HAS_BLOB, {"sha256": sha256}).first()
            if content is None and not has_blob:
                raise StoreError(f"unchanged document {url} has no stored content {sha256[:12]}")
            if content is not None and not has_blob:
                conn.execute(blobs.insert().values(sha256=sha256, size=len(content), content=content,
                                                   first_seen=now()))
            stamp = now()
            row = dict(run_id=run_id, code=code, sha256=sha256, url=url, final_url=final_url,
                       content_type=content_type, filename=filename, source_page=source_page,
                       anchor_text=anchor_text, route=route, link_score=link_score,
                       unchanged=content is None, found_at=stamp)
            values = dict(etag=etag, last_modified=last_modified, sha256=sha256, updated_at=stamp)
            upserts = _candidate_upserts(conn.dialect.name)
            if upserts is None:  # neither SQLite nor PostgreSQL: check, then write
                key = (candidates.c.run_id == run_id, candidates.c.code == code,
                       candidates.c.sha256 == sha256, candidates.c.url == url)
                if not conn.execute(sa.select(candidates.c.id).where(*key)).first():
                    conn.execute(candidates.insert().values(**row))
                if conn.execute(url_validators.update().where(url_validators.c.url == url)
                                .values(**values)).rowcount == 0:
                    conn.execute(url_validators.insert().values(url=url, **values))
                return
            # One statement each instead of a look-up and a write (uq_candidate keeps a candidate once, the
            # primary key one validator row per URL); built once, so SQLAlchemy compiles them once.
            add_candidate, set_validators = upserts
            conn.execute(add_candidate, row)
            conn.execute(set_validators, {"url": url, **values})

    def finish_municipality(self, run_id: int, code: str, *, status: str, reason: str, requests: int,
                            requests_to_first_hit: int | None, found_via: str | None,
                            bytes_downloaded: int, robots_blocked: list[str], detail: dict[str, Any],
                            fetch_rows: Sequence[dict[str, Any]] = ()) -> None:
        """Commit a municipality's outcome, together with its fetch records (``fetch_rows``: the keyword
        arguments of ``record_fetch`` plus ``fetched_at``) when the crawler kept them until now.

        Both in one transaction: a crash before it leaves the municipality in progress with no fetch
        rows, and ``start_municipality`` would have discarded a dead attempt's rows anyway."""
        values = dict(state="finished", status=status, reason=reason, requests=requests,
                      requests_to_first_hit=requests_to_first_hit, found_via=found_via,
                      bytes_downloaded=bytes_downloaded, robots_blocked=json.dumps(robots_blocked),
                      detail=json.dumps(detail, sort_keys=True, default=str), finished_at=now())
        with self.transaction() as conn:
            if fetch_rows:  # one executemany, in the order the crawler recorded them (ids follow it)
                conn.execute(fetches.insert(), [{**row, "run_id": run_id, "code": code} for row in fetch_rows])
            key = (run_municipalities.c.run_id == run_id, run_municipalities.c.code == code)
            if conn.execute(run_municipalities.update().where(*key).values(**values)).rowcount == 0:
                conn.execute(run_municipalities.insert().values(run_id=run_id, code=code, started_at=now(),
                                                                **values))

    # -- reading crawl results -------------------------------------------------------------
    def crawl_outcomes(self, run_id: int) -> dict[str, dict[str, Any]]:
        with self.reading() as conn:
            rows = conn.execute(sa.select(run_municipalities).where(
                run_municipalities.c.run_id == run_id)).mappings().all()
        return {r["code"]: dict(r) for r in rows}

    def run_bytes(self, run_id: int) -> int:
        """Bytes downloaded by the run's finished municipalities."""
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(run_municipalities.c.bytes_downloaded), 0))
                                    .where(run_municipalities.c.run_id == run_id)).scalar() or 0)

    def crawl_results(self, run_id: int) -> dict[str, CrawlResult]:
        by_code: dict[str, list[dict[str, Any]]] = {}
        for c in self.candidates(run_id):
            by_code.setdefault(c["code"], []).append(c)
        return {code: CrawlResult(o["status"],
                                  frozenset(c["sha256"] for c in by_code.get(code, ())
                                            if "html" not in (c["content_type"] or "")),
                                  frozenset(c["url"] for c in by_code.get(code, ())))
                for code, o in self.crawl_outcomes(run_id).items()}

    def candidates(self, run_id: int, code: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(candidates).where(candidates.c.run_id == run_id).order_by(candidates.c.id)
        if code is not None:
            query = query.where(candidates.c.code == code)
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def blob(self, sha256: str) -> bytes:
        with self.reading() as conn:
            content = conn.execute(sa.select(blobs.c.content).where(blobs.c.sha256 == sha256)).scalar()
        if content is None:
            raise StoreError(f"no stored content for {sha256[:12]}")
        return bytes(content)

    def fetch_count(self, run_id: int) -> int:
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(fetches)
                                    .where(fetches.c.run_id == run_id)).scalar() or 0)

    # -- extraction and classification -----------------------------------------------------
    def extraction(self, sha256: str, extractor_version: str) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = conn.execute(sa.select(documents).where(
                documents.c.sha256 == sha256, documents.c.extractor_version == extractor_version)
            ).mappings().first()
        if not row:
            return None
        out = dict(row)
        where = f"documents row {sha256[:12]}"
        fix = (f"delete it (DELETE FROM documents WHERE sha256 = '{sha256}') and run `kommunprogram extract` "
               "to read the document again")
        out["pages"] = _loads(out["pages"] or "[]", where, fix)
        out["meta"] = _loads(out["meta"] or "{}", where, fix)
        return out

    def save_extraction(self, sha256: str, extractor_version: str, *, kind: str | None, title: str | None,
                        text: str, pages: list[str], meta: dict[str, Any], needs_ocr: bool,
                        error_code: str | None, error_message: str | None) -> None:
        with self.transaction() as conn:
            conn.execute(documents.delete().where(documents.c.sha256 == sha256,
                                                  documents.c.extractor_version == extractor_version))
            conn.execute(documents.insert().values(
                sha256=sha256, extractor_version=extractor_version, kind=kind, title=title, text=text,
                pages=json.dumps(pages, ensure_ascii=False), meta=json.dumps(meta, ensure_ascii=False),
                needs_ocr=needs_ocr, error_code=error_code, error_message=error_message,
                extracted_at=now()))

    def classification(self, sha256: str, model_version: str, extractor_version: str) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = conn.execute(sa.select(classifications).where(
                classifications.c.sha256 == sha256, classifications.c.model_version == model_version,
                classifications.c.extractor_version == extractor_version)).mappings().first()
        if not row:
            return None
        fix = f"delete it (DELETE FROM classifications WHERE sha256 = '{sha256}') and classify again"
        return _loads(row["prediction"], f"classifications row {sha256[:12]}", fix)

    def save_classification(self, sha256: str, model_version: str, extractor_version: str,
                            prediction: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(classifications.delete().where(classifications.c.sha256 == sha256,
                                                        classifications.c.model_version == model_version))
            conn.execute(classifications.insert().values(
                sha256=sha256, model_version=model_version, extractor_version=extractor_version,
                is_program=bool(prediction.get("is_program")),
                confidence=(prediction.get("confidence") or {}).get("is_program"),
                prediction=json.dumps(prediction, ensure_ascii=False), classified_at=now()))

    # -- per-run results -------------------------------------------------------------------
    def save_results(self, run_id: int, year: int, rows: Iterable[dict[str, Any]]) -> None:
        """Replace the run's results in one transaction (re-classifying is idempotent)."""
        with self.transaction() as conn:
            conn.execute(results.delete().where(results.c.run_id == run_id))
            for row in rows:
                conn.execute(results.insert().values(
                    run_id=run_id, code=row["code"], year=year, status=row["status"],
                    sha256=row.get("sha256"), program_url=row.get("program_url"),
                    row=json.dumps({k: v for k, v in row.items() if k != "decisions"},
                                   ensure_ascii=False, default=str),
                    decisions=json.dumps(row.get("decisions", []), ensure_ascii=False, default=str),
                    decided_at=now()))

    def results(self, run_id: int) -> list[dict[str, Any]]:
        with self.reading() as conn:
            rows = conn.execute(sa.select(results).where(results.c.run_id == run_id)
                                .order_by(results.c.code)).mappings().all()
        out = []
        for r in rows:
            where, fix = f"results row (run {run_id}, municipality {r['code']})", \
                f"run `kommunprogram classify --run {run_id}` to write the run's results again"
            row = _loads(r["row"], where, fix)
            row["decisions"] = _loads(r["decisions"], where, fix)
            out.append(row)
        return out

    def municipalities(self, codes: Sequence[str] | None = None) -> list[Municipality]:
        query = sa.select(municipalities).order_by(municipalities.c.code)
        if codes is not None:
            query = query.where(municipalities.c.code.in_(list(codes)))
        with self.reading() as conn:
            rows = conn.execute(query).mappings().all()
        return [Municipality(code=r["code"], name=r["name"], county_code=r["county_code"], county=r["county"],
                             website=r["website"], alt_hosts=tuple(h for h in r["alt_hosts"].split(";") if h),
                             business_hosts=tuple(h for h in (r["business_hosts"] or "").split(";") if h))
                for r in rows]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the crawler child write while the parent reads; NORMAL sync is still crash-safe in WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


_HAS_BLOB = sa.select(blobs.c.sha256).where(blobs.c.sha256 == sa.bindparam("sha256"))
_UPSERTS: dict[str, tuple[Any, Any]] = {}


def _candidate_upserts(dialect: str) -> tuple[Any, Any] | None:
    """INSERT ... ON CONFLICT for a candidate and its validators (SQLite and PostgreSQL), or None."""
    if dialect not in _UPSERTS:
        from sqlalchemy.dialects import postgresql, sqlite

        insert: Any = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
        if insert is None:
            return None
        validators = insert(url_validators)
        _UPSERTS[dialect] = (
            insert(candidates).on_conflict_do_nothing(index_elements=["run_id", "code", "sha256", "url"]),
            validators.on_conflict_do_update(index_elements=["url"], set_={
                name: validators.excluded[name] for name in ("etag", "last_modified", "sha256", "updated_at")}))
    return _UPSERTS[dialect]


def _loads(text: str, where: str, fix: str) -> Any:
    """JSON from a store column; a damaged value is a ``StoreError`` that names the row and the way out."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise StoreError(f"the store is damaged: {where} holds invalid JSON; {fix}") from None


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


__all__ = ["Store", "Validators", "normalise_db_url", "IntegrityError", "SCHEMA_VERSION"]
