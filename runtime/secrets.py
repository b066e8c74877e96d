"""Secrets derived from the bot token.

Every instance and every restart must agree on the webhook path and header secret, so they are derived
deterministically from the token (an HMAC), never from per-instance values such as PORT. Re-registering
the webhook with the same values is then idempotent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit


def _derive(token: str, purpose: str, length: int) -> str:
    digest = hmac.new(token.encode(), f"trt:{purpose}".encode(), hashlib.sha256).digest()
    # urlsafe base64 without padding gives exactly Telegram's allowed alphabet.
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:length]


def webhook_path_secret(token: str) -> str:
    """The secret path segment of the Telegram webhook: /tg/<this>."""
    return _derive(token, "telegram-webhook-path", 32)


def webhook_header_secret(token: str) -> str:
    """The value Telegram sends in X-Telegram-Bot-Api-Secret-Token."""
    return _derive(token, "telegram-webhook-header", 40)


def kie_callback_secret(token: str) -> str:
    """The secret path segment of Kie callbacks: /kie/<this>."""
    return _derive(token, "kie-callback-path", 32)


def token_secret_part(token: str) -> str:
    """The part after the colon of a bot token (the part that must never leak)."""
    return token.split(":", 1)[1] if ":" in token else token


def constant_time_equals(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


# --- secrets in the environment, for log redaction -----------------------------------------------


def raw_secret_values(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets as the environment holds them, before (and whether or not) validation passes, so a
    crash while starting can never print them."""
    values = [
        environ.get(key, "").strip() for key in ("TELEGRAM_BOT_TOKEN", "KIE_API_KEY", "KIE_WEBHOOK_HMAC_KEY")
    ]
    token = values[0]
    if ":" in token:
        values.append(token_secret_part(token))
    values += database_password_forms(environ.get("DATABASE_URL", "").strip())
    return tuple(v for v in values if v)


def database_password_forms(url: str) -> list[str]:
    """The password in the URL's user part and in a `password=` query parameter (libpq accepts both)."""
    try:
        parts = urlsplit(url)
        passwords = [parts.password or ""]
    except ValueError:
        return []
    passwords += [value for key, value in parse_qsl(parts.query, keep_blank_values=True) if key == "password"]
    passwords += [m.group(1) for m in re.finditer(r"(?:^|&)password=([^&]*)", parts.query)]
    # Logs may show either the URL form (percent-encoded) or the decoded one (driver errors).
    return [form for p in passwords if p for form in (p, unquote(p))]
