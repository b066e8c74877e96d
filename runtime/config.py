"""The environment contract: read, validate and type every setting once, at startup.

Validation checks every key before failing, so one deploy attempt tells the operator everything that
is wrong. No message ever contains a value (not even part of one): a misplaced token in the wrong
variable would otherwise be printed to the deploy log. See docs/env.md for the contract.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec

# Re-exported: the .env reader lives in runtime/dotenv.py.
from runtime.dotenv import DotenvError as DotenvError
from runtime.dotenv import environment_with_dotenv as environment_with_dotenv
from runtime.dotenv import read_dotenv as read_dotenv
from runtime.secrets import (
    database_password_forms,
    kie_callback_secret,
    token_secret_part,
    webhook_header_secret,
    webhook_path_secret,
)

DOCS_POINTER = "See docs/env.md for the format of every variable."

REQUIRED_KEYS: tuple[str, ...] = (
    "ADMIN_ID",
    "BOT_MODE",
    "DATABASE_URL",
    "DB_MAXCONN",
    "KIE_API_KEY",
    "PAYMENT_BANK",
    "PAYMENT_CARD_HOLDER",
    "PAYMENT_PHONE",
    "PORT",
    "SUPPORT_TELEGRAM",
    "SUPPORT_TEXT",
    "TELEGRAM_BOT_TOKEN",
    "WEBHOOK_BASE_URL",
)

OPTIONAL_KEYS: tuple[str, ...] = (
    "TELEGRAM_API_BASE",
    "KIE_API_BASE",
    "KIE_UPLOAD_BASE",
    "WEBHOOK_HEADER_FALLBACK",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "KIE_WEBHOOK_HMAC_KEY",
    "INBOX_PARKED_RETENTION_DAYS",
)

_TOKEN_RE = re.compile(r"[0-9]+:[A-Za-z0-9_-]{30,}")
_UINT_RE = re.compile(r"[0-9]+")
_SUPPORT_HANDLE_RE = re.compile(r"@[A-Za-z0-9_]{5,32}")
_SUPPORT_LINK_RE = re.compile(r"https://t\.me/[A-Za-z0-9_+/?=&%.-]+")
_PHONE_RE = re.compile(r"\+?[0-9 ()-]+")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
_BOOL_WORDS = {
    **dict.fromkeys(("on", "true", "1", "yes"), True),
    **dict.fromkeys(("off", "false", "0", "no"), False),
}


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Typed settings; built only by load_settings, which has already validated every value."""

    admin_ids: Annotated[tuple[Annotated[int, msgspec.Meta(gt=0)], ...], msgspec.Meta(min_length=1)]
    bot_mode: Literal["webhook", "polling"]
    database_url: str
    db_maxconn: Annotated[int, msgspec.Meta(ge=1, le=100)]
    kie_api_key: str
    payment_bank: str
    payment_card_holder: str
    payment_phone: str
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)]
    support_telegram: str
    support_text: str
    telegram_bot_token: str
    webhook_base_url: str
    telegram_api_base: str = "https://api.telegram.org"
    kie_api_base: str = "https://api.kie.ai"
    kie_upload_base: str = "https://kieai.redpandaai.co"
    webhook_header_fallback: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    kie_webhook_hmac_key: str | None = None
    # Parked updates (failed for good) keep their payload this long for the operator, then go.
    inbox_parked_retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30

    def __repr__(self) -> str:
        # The default repr lists every field, so an innocent debug log of the settings object would
        # carry the token, the Kie key and the database password.
        return f"Settings(bot_mode={self.bot_mode!r}, port={self.port}, webhook_base_url=<set>, secrets=<hidden>)"

    __str__ = __repr__

    def secret_values(self) -> tuple[str, ...]:
        """Every value that must never appear in a log line (register them with runtime.logs)."""
        token = self.telegram_bot_token
        candidates = [
            token,
            token_secret_part(token),
            self.kie_api_key,
            *database_password_forms(self.database_url),
            webhook_path_secret(token),
            webhook_header_secret(token),
            kie_callback_secret(token),
            self.kie_webhook_hmac_key or "",
        ]
        return tuple(dict.fromkeys(value for value in candidates if value))

    @property
    def webhook_url(self) -> str:
        return f"{self.webhook_base_url}/tg/{webhook_path_secret(self.telegram_bot_token)}"

    @property
    def kie_callback_url(self) -> str:
        return f"{self.webhook_base_url}/kie/{kie_callback_secret(self.telegram_bot_token)}"

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids


class ConfigError(Exception):
    """Raised once, listing every missing or invalid key (never a value)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = [f"Invalid configuration: {len(self.problems)} problem(s)."]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append(DOCS_POINTER)
        super().__init__("\n".join(lines))


class _Invalid(Exception):
    """A value failed its check. Deliberately carries no text: messages come from the key's spec."""


# --- parsers: each takes the stripped, non-empty value and returns the typed value or raises _Invalid.


def _uint_in(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not _UINT_RE.fullmatch(value):
            raise _Invalid
        number = int(value)
        if not low <= number <= high:
            raise _Invalid
        return number

    return parse


def _admin_ids(value: str) -> tuple[int, ...]:
    ids: list[int] = []
    for item in value.split(","):
        item = item.strip()
        if not _UINT_RE.fullmatch(item) or int(item) == 0:
            raise _Invalid
        ids.append(int(item))
    return tuple(dict.fromkeys(ids))


def _choice(*options: str, fold: Callable[[str], str] = str.lower) -> Callable[[str], str]:
    def parse(value: str) -> str:
        folded = fold(value)
        if folded not in options:
            raise _Invalid
        return folded

    return parse


def _database_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise _Invalid from exc
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        raise _Invalid
    return value


def _token(value: str) -> str:
    if not _TOKEN_RE.fullmatch(value):
        raise _Invalid
    return value


def _split_url(value: str) -> tuple[str, str]:
    """(scheme, host) of an absolute URL without query or fragment; raises _Invalid otherwise."""
    if any(char.isspace() for char in value):
        raise _Invalid
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise _Invalid from exc
    if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
        raise _Invalid
    return parts.scheme, parts.hostname


def _webhook_base_url(value: str) -> str:
    scheme, host = _split_url(value)
    # Telegram only delivers webhooks over https; plain http is for a local tunnel or tests.
    if scheme != "https" and not (scheme == "http" and host in _LOCAL_HOSTS):
        raise _Invalid
    return value.rstrip("/")


def _http_url(value: str) -> str:
    scheme, _host = _split_url(value)
    if scheme not in ("http", "https"):
        raise _Invalid
    return value.rstrip("/")


def _support_telegram(value: str) -> str:
    if not (_SUPPORT_HANDLE_RE.fullmatch(value) or _SUPPORT_LINK_RE.fullmatch(value)):
        raise _Invalid
    return value


def _phone(value: str) -> str:
    if not _PHONE_RE.fullmatch(value):
        raise _Invalid
    digits = sum(char.isdigit() for char in value)
    if not 10 <= digits <= 15:
        raise _Invalid
    return value


def _text(value: str) -> str:
    return value


def _bool(value: str) -> bool:
    try:
        return _BOOL_WORDS[value.lower()]
    except KeyError as exc:
        raise _Invalid from exc


@dataclass(frozen=True)
class _Spec:
    key: str
    field: str
    expected: str
    parse: Callable[[str], Any]
    default: Any = None  # only for optional keys; None also means "leave unset"


_REQUIRED_SPECS: tuple[_Spec, ...] = (
    _Spec(
        "ADMIN_ID",
        "admin_ids",
        "one or more positive integer Telegram user ids, comma-separated (e.g. 123456789,987654321)",
        _admin_ids,
    ),
    _Spec("BOT_MODE", "bot_mode", "'webhook' or 'polling'", _choice("webhook", "polling")),
    _Spec(
        "DATABASE_URL",
        "database_url",
        "a postgres:// or postgresql:// URL with a host (e.g. postgresql://user:pass@host:5432/db)",
        _database_url,
    ),
    _Spec("DB_MAXCONN", "db_maxconn", "an integer from 1 to 100", _uint_in(1, 100)),
    _Spec("KIE_API_KEY", "kie_api_key", "a non-empty Kie AI API key", _text),
    _Spec("PAYMENT_BANK", "payment_bank", "non-empty text (the bank name shown to users)", _text),
    _Spec("PAYMENT_CARD_HOLDER", "payment_card_holder", "non-empty text (the card holder's name)", _text),
    _Spec(
        "PAYMENT_PHONE",
        "payment_phone",
        "a phone number: optional +, then 10-15 digits; spaces, dashes and parentheses allowed",
        _phone,
    ),
    _Spec("PORT", "port", "an integer from 1 to 65535", _uint_in(1, 65535)),
    _Spec(
        "SUPPORT_TELEGRAM",
        "support_telegram",
        "@username (5-32 characters of A-Z, a-z, 0-9, _) or a https://t.me/... link",
        _support_telegram,
    ),
    _Spec("SUPPORT_TEXT", "support_text", "non-empty text (shown on the support screen)", _text),
    _Spec(
        "TELEGRAM_BOT_TOKEN",
        "telegram_bot_token",
        "<digits>:<secret> as issued by @BotFather (secret: 30+ characters of A-Z, a-z, 0-9, _, -)",
        _token,
    ),
    _Spec(
        "WEBHOOK_BASE_URL",
        "webhook_base_url",
        "an https:// URL (http:// only for localhost or 127.0.0.1), no query or fragment",
        _webhook_base_url,
    ),
)

_HTTP_URL = "an http:// or https:// URL without query or fragment"
_OPTIONAL_SPECS: tuple[_Spec, ...] = (
    _Spec("TELEGRAM_API_BASE", "telegram_api_base", _HTTP_URL, _http_url, "https://api.telegram.org"),
    _Spec("KIE_API_BASE", "kie_api_base", _HTTP_URL, _http_url, "https://api.kie.ai"),
    _Spec("KIE_UPLOAD_BASE", "kie_upload_base", _HTTP_URL, _http_url, "https://kieai.redpandaai.co"),
    _Spec(
        "WEBHOOK_HEADER_FALLBACK",
        "webhook_header_fallback",
        "on/off, true/false, 1/0 or yes/no",
        _bool,
        False,
    ),
    _Spec(
        "LOG_LEVEL",
        "log_level",
        "DEBUG, INFO, WARNING or ERROR",
        _choice("DEBUG", "INFO", "WARNING", "ERROR", fold=str.upper),
        "INFO",
    ),
    _Spec("LOG_FORMAT", "log_format", "'text' or 'json'", _choice("text", "json"), "text"),
    _Spec("KIE_WEBHOOK_HMAC_KEY", "kie_webhook_hmac_key", "non-empty text when set", _text, None),
    _Spec(
        "INBOX_PARKED_RETENTION_DAYS",
        "inbox_parked_retention_days",
        "an integer from 1 to 3650 (days)",
        _uint_in(1, 3650),
        30,
    ),
)


def _parse_into(
    spec: _Spec, raw: str, fields: dict[str, Any], checks: list[str], problems: list[str]
) -> None:
    try:
        fields[spec.field] = spec.parse(raw)
    except _Invalid:
        problems.append(f"{spec.key} is invalid; expected {spec.expected}")
        return
    checks.append(f"{spec.key} format")


def load_settings(environ: Mapping[str, str]) -> tuple[Settings, list[str]]:
    """Validate every key, then return the settings and the names of the checks that passed.

    Raises ConfigError listing every missing or invalid key when anything is wrong.
    """
    fields: dict[str, Any] = {}
    checks: list[str] = []
    problems: list[str] = []

    for spec in _REQUIRED_SPECS:
        raw = (environ.get(spec.key) or "").strip()
        if not raw:
            problems.append(f"{spec.key} is missing; expected {spec.expected}")
            continue
        _parse_into(spec, raw, fields, checks, problems)

    for spec in _OPTIONAL_SPECS:
        raw = (environ.get(spec.key) or "").strip()
        if not raw:
            # Blank counts as unset, like for required keys, so `KEY=` in a .env means "default".
            checks.append(f"{spec.key} default")
            continue
        _parse_into(spec, raw, fields, checks, problems)

    if problems:
        raise ConfigError(problems)
    try:
        # A second, typed gate: the Struct's own constraints catch a parser that let something through.
        settings = msgspec.convert(fields, Settings)
    except msgspec.ValidationError as exc:  # pragma: no cover - the parsers above are stricter
        # msgspec names the path and the rule, never the value.
        raise ConfigError([f"internal settings check failed: {exc}"]) from None
    return settings, checks


def log_config_checks(logger: logging.Logger, checks: list[str]) -> None:
    """One INFO line per passed check, so the deploy log shows what was verified (never values)."""
    for name in checks:
        logger.info("config check OK: %s", name)
