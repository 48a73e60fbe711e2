"""The simulated municipal web: seeded sites with ground truth, served on loopback (docs/simweb.md).

An optional part: its dependencies come with the ``simweb`` extra (``pip install 'kommunprogram[simweb]'``;
``make setup`` installs it), and nothing outside ``simweb/``, the tests and the benchmarks needs it.

Modules: ``config`` (SimConfig), ``generate`` (write a web), ``serve`` (SimWeb server), ``routes``
(request -> handler), ``sitepages`` (a site's pages rendered on request), ``responses``, ``faults`` (injected
faults); what a site contains: ``sitemodel`` (the builder and page tree), ``scenarios`` (placement scenarios),
``placement``, ``decoys``, ``robots``, ``truth``, ``programmes``, ``wording`` (sentence templates),
``page_titles`` (menu and page titles), with their text and tables in ``data/*.toml`` (``datafiles``);
``realtext``/``realweb`` (a web of real corpus texts), ``documents`` (PDF/DOCX/HTML rendering), ``render``
(page HTML), ``urlstyle`` (CMS URL styles), ``linkwalk`` (a naive link walk for tests), ``pool`` (served webs
shared by tests), ``cli`` (typer app).
"""

from __future__ import annotations

import importlib

from base.errors import UsageError

# the modules of the [simweb] extra in pyproject.toml (reportlab: PDFs with a text layer); Pillow, for the
# scans, is a core dependency (OCR needs it)
EXTRA_MODULES = ("reportlab",)


def require_extra() -> None:
    """Raise ``UsageError`` naming the extra when its dependencies are not installed."""
    missing = []
    for name in EXTRA_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise UsageError(
            f"the simulated web is an optional part and {', '.join(missing)} is not installed: "
            "pip install 'kommunprogram[simweb]' (make setup installs the simweb extra)"
        )
