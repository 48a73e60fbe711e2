"""Passwords out of every message and log line.

Database and Redis URLs carry credentials (``postgresql+psycopg://user:password@host/db``,
``redis://:password@host``). Messages name the URL so an operator knows which store failed; these
functions keep the user and host and replace the password with ``***``. ``RedactingFilter`` does the same
for log records, whoever wrote them (SQLAlchemy, Scrapy, our own modules).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, urlsplit

MASK = "***"
# scheme://user:password@ -- any URL with a password in its user info, wherever it stands in a text.
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)@")


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def redact_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    return _CREDENTIALS.sub(lambda m: f"{m['head']}{MASK}@", url)


def redact(text: str, *urls: str) -> str:
    """``text`` without the password of any URL in it, nor the passwords of ``urls`` wherever they appear
    (a driver may quote the password alone, percent-decoded or not)."""
    text = redact_url(text)
    for url in urls:
        password = _password(url)
        if password and len(password) >= 3:  # shorter ones would mask ordinary letters all over the text
            for form in {password, unquote(password)}:
                text = text.replace(form, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter: the formatted message of every record goes out without passwords."""

    def __init__(self, *urls: str) -> None:
        super().__init__()
        self.urls = urls

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, *self.urls)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # A traceback repeats the exception's text: format it now, redacted, instead of later as it is.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), *self.urls)
            record.exc_info = None
        return True


def install(*urls: str) -> None:
    """Add a ``RedactingFilter`` to every handler of the root logger (call after logging is configured)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(*urls))
