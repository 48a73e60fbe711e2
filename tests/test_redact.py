"""base.redact: passwords out of every message and log line (issue 16 item 6)."""

from __future__ import annotations

import logging

import pytest

from base.redact import RedactingFilter, redact, redact_url


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql+psycopg://kp:hunter22@db.example:5432/k", "postgresql+psycopg://kp:***@db.example:5432/k"),
    ("redis://:hunter22@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("postgresql://kp@db.example/k", "postgresql://kp@db.example/k"),
    ("outputs/kommunprogram.sqlite", "outputs/kommunprogram.sqlite"),
])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_finds_the_password_anywhere_in_a_text() -> None:
    url = "postgresql+psycopg://kp:p%40ss%3Aw0rd@db/k"
    text = f"could not open {url}: server said: password 'p@ss:w0rd' rejected, p%40ss%3Aw0rd"
    out = redact(text, url)
    assert "p@ss:w0rd" not in out and "p%40ss%3Aw0rd" not in out and "kp:***@db/k" in out


def test_the_filter_redacts_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test_redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test_redact"):
        log.info("opening %s", "postgresql://kp:hunter22@db/k")
        try:
            raise RuntimeError("cannot reach redis://:hunter22@127.0.0.1:1/0")
        except RuntimeError:
            log.exception("queue failed")
    assert "hunter22" not in caplog.text
    assert "postgresql://kp:***@db/k" in caplog.text and "redis://:***@127.0.0.1:1/0" in caplog.text
