"""The simulated municipal web: seeded sites with ground truth, served on loopback (docs/simweb.md).

Modules: ``config`` (SimConfig), ``generate`` (write a web), ``serve`` (SimWeb server), ``routes``
(request -> response), ``faults`` (injected faults), ``sitemodel``/``programmes``/``wording``/``labels``
(what a site contains), ``documents`` (PDF/DOCX/HTML rendering), ``render`` (page HTML), ``urlstyle``
(CMS URL styles), ``linkwalk`` (a naive link walk for tests), ``cli`` (typer app).
"""
