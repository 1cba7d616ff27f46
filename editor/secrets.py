"""Keeping API keys out of everything the program writes: one list of the secrets this process has
seen, one `redact`, and one logging filter that applies it to every record.

Every `ApiKey` made anywhere registers its value here, so a key the server echoes back (in a
request id, an error message, a revised prompt) or that turns up in a traceback is blanked out
wherever it goes: the log, the terminal, `--json` output, sidecars, crash reports.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

REDACTED = "[key removed]"
MIN_SECRET_CHARS = 6  # shorter values would blank ordinary words
# Bearer tokens and the sk-… / rk-… / rq-… shapes providers use, wherever they appear.
_BEARER = re.compile(r"(?i)(bearer\s+)(?!\[key removed\])[^\s'\"]+")
_KEY_SHAPE = re.compile(r"\b(?:sk|rk|rq)-[A-Za-z0-9_\-]{6,}")

_lock = threading.Lock()
_known: set[str] = set()


def remember(secret: str) -> None:
    """Redact `secret` from now on, everywhere."""
    if len(secret) >= MIN_SECRET_CHARS:
        with _lock:
            _known.add(secret)


def known() -> frozenset[str]:
    with _lock:
        return frozenset(_known)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets, every secret remembered, or anything shaped like a key."""
    every = {s for s in secrets if s and len(s) >= MIN_SECRET_CHARS} | known()
    for secret in sorted(every, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _KEY_SHAPE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Blanks every secret out of a record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root by default): a handler's filters see
    every record that reaches it, from any logger."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
