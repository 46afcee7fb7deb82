"""Secrets that travel in URLs — donor-link tokens, address-confirmation codes — never
reach a log: uvicorn's access log goes through a filter, and our own log lines use
`redact_path`."""

from __future__ import annotations

import logging
import re

_SECRETS = (
    (re.compile(r"(/donor/)[^/?#\s\"]+"), r"\1[redacted]"),
    (re.compile(r"([?&](?:confirm|token|code)=)[^&#\s\"]+"), r"\1[redacted]"),
)


def redact_path(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites the path in uvicorn's access-log records (and any record's message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Attach the filter to uvicorn's loggers (idempotent; every web process calls it)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
