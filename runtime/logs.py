"""The one logging setup, with secret redaction on the final formatted text.

Redaction runs on what a formatter produced, not on record.msg, because secrets also arrive through
%-args, exception messages inside tracebacks, stack info and third-party loggers (aiohttp's access log
prints the secret webhook path). Any handler that must be safe gets `redacting_formatter()`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote

MASK = "***"

# Shorter secrets are still masked, but only where they stand alone (between characters that cannot be
# part of a word): masking every "admin" or "bot" inside ordinary words would make the logs unreadable.
MIN_SECRET_LENGTH = 6

# Loggers that carry request paths, update payloads or client errors; they must reach our handler.
COVERED_LOGGERS = (
    "trt",
    "runtime",
    "aiohttp.access",
    "aiohttp.server",
    "aiogram",
    "aiogram.event",
    "asyncio",
)

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Each pattern masks its group "s" only, so the surrounding context ("Bearer", "/file/bot") stays
# readable. Character classes stop at quotes and backslashes so JSON output stays valid JSON.
_SHAPE_PATTERNS = (
    # Anything shaped like a bot token, registered or not (another bot's token, a test token).
    re.compile(r"(?P<s>\d{5,}:[A-Za-z0-9_-]{30,})"),
    re.compile(r"\bBearer\s+(?P<s>[^\s\"'\\]+)", re.IGNORECASE),
    # Telegram file URLs and Bot API method URLs embed the token, whatever its shape.
    re.compile(r"/file/bot(?P<s>[^/\s\"'\\]+)/"),
    re.compile(r"/bot(?P<s>\d+:[^/\s\"'\\?#]+)"),
)

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()
_secrets_by_length: tuple[str, ...] = ()
_short_secrets: re.Pattern[str] | None = None


def _variants(value: str) -> set[str]:
    # The same secret is spelled differently in JSON output, in a repr() and in a URL.
    inner_repr = repr(value)[1:-1]
    return {value, json.dumps(value)[1:-1], inner_repr, quote(value, safe="")}


def add_secrets(values: Iterable[str]) -> None:
    """Register values that must be masked in every log line from now on (whole, whatever their length)."""
    global _secrets, _secrets_by_length, _short_secrets
    if isinstance(values, str):
        # A bare string would otherwise be iterated character by character and silently ignored.
        values = (values,)
    fresh: set[str] = set()
    for value in values:
        if value:
            fresh |= {v for v in _variants(value) if v}
    if not fresh - _secrets:
        return
    with _lock:
        _secrets = _secrets | fresh
        _secrets_by_length = tuple(
            sorted((s for s in _secrets if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)
        )
        short = sorted((s for s in _secrets if len(s) < MIN_SECRET_LENGTH), key=len, reverse=True)
        _short_secrets = (
            re.compile(r"(?<![\w.-])(?P<s>" + "|".join(re.escape(s) for s in short) + r")(?![\w-])")
            if short
            else None
        )


def redact(text: str) -> str:
    """Mask every registered secret and every secret-shaped substring. Idempotent."""
    spans: list[tuple[int, int]] = []
    for secret in _secrets_by_length:
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    for pattern in _SHAPE_PATTERNS:
        spans.extend(match.span("s") for match in pattern.finditer(text))
    if _short_secrets is not None:
        spans.extend(match.span("s") for match in _short_secrets.finditer(text))
    if not spans:
        return text
    # Masking the union of all spans means overlapping secrets cannot leave a fragment behind.
    spans.sort()
    pieces: list[str] = []
    position = 0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start <= current_end:
            current_end = max(current_end, end)
            continue
        pieces += [text[position:current_start], MASK]
        position = current_end
        current_start, current_end = start, end
    pieces += [text[position:current_start], MASK, text[current_end:]]
    return "".join(pieces)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, and exc / stack when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        # Deliberately no `extra` fields: aiohttp.access puts the raw request line there.
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Wraps any formatter and redacts its final output."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def redacting_formatter(fmt: str = "text", inner: logging.Formatter | None = None) -> RedactingFormatter:
    """The formatter every handler must use: text or JSON lines (or a given inner one), redacted."""
    if inner is None:
        inner = JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT_FORMAT)
    return RedactingFormatter(inner)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at emit time (test capture, a replaced stream)."""

    _trt_root_handler = True

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass

    def handleError(self, record: logging.LogRecord) -> None:
        # The stdlib version prints the raw msg and args to stderr, bypassing redaction; a bad
        # format string with the token as an argument would leak it.
        if not logging.raiseExceptions:
            return
        try:
            report = (
                "--- Logging error ---\n"
                f"{traceback.format_exc()}"
                f"Logger {record.name!r}, message {record.msg!r}, arguments {record.args!r}\n"
            )
            sys.stderr.write(redact(report))
        except Exception:  # logging must never take the app down
            pass


def install_excepthooks() -> None:
    """Uncaught exceptions (the main thread, other threads) go through logging, hence redaction,
    instead of Python's own printer, which writes the raw traceback to stderr."""
    logger = logging.getLogger("trt")

    def main_hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        logger.critical("uncaught %s; the process stops", kind.__name__, exc_info=(kind, value, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
        logger.critical("uncaught exception in thread %s", name, exc_info=exc_info)  # type: ignore[arg-type]

    sys.excepthook = main_hook
    threading.excepthook = thread_hook


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Install the single root handler (stderr, redacted). Calling it again replaces it."""
    add_secrets(secrets)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_trt_root_handler", False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(redacting_formatter(fmt))
    root.addHandler(handler)
    root.setLevel(level.upper())

    for name in COVERED_LOGGERS:
        logger = logging.getLogger(name)
        # dictConfig(disable_existing_loggers=True) or a library could cut them off from our handler.
        logger.disabled = False
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    # One line per HTTP request is noise in production; DEBUG turns it back on (still redacted).
    if level.upper() != "DEBUG":
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # warnings.warn text can quote URLs with tokens; route it through the redacted handler.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").propagate = True
