"""Secrets derived from the bot token.

Every instance and every restart must agree on the webhook path and header secret, so they are derived
deterministically from the token (an HMAC), never from per-instance values such as PORT. Re-registering
the webhook with the same values is then idempotent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


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
