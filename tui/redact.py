"""Secrets out of every message: a process-wide redactor and a logging filter.

Every HTTP client registers its credentials here; error messages, log records and crash
logs pass through :data:`REDACTOR` before anyone sees them. Stdlib only (cheap to import).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any


class Redactor:
    """Replaces every registered secret (and its Basic-auth encodings) with ``***``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret) >= 4:
                self._secrets.add(secret)

    def add_basic(self, user: str, password: str) -> None:
        self.add(password)
        self.add(base64.b64encode(f"{user}:{password}".encode()).decode())

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "***")
        return text


REDACTOR = Redactor()
"""Process-wide: every client registers its secrets here; the log filter uses it."""


class RedactingFilter(logging.Filter):
    """Scrubs secrets from log records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = REDACTOR(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = REDACTOR(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class _RedactingRecordFactory:
    """Redacts roomscope's records as they are made. A logger's filters see only the
    records of that very logger, not those its children (``roomscope.http``) propagate to
    it, and a handler added later has no filter: redacting at creation covers both."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord]) -> None:
        self.wrapped = wrapped
        self.filter = RedactingFilter()

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.wrapped(*args, **kwargs)
        if record.name == "roomscope" or record.name.startswith("roomscope."):
            self.filter.filter(record)
        return record


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    target = logger or logging.getLogger("roomscope")
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(_RedactingRecordFactory(factory))
