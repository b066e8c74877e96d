"""Telegram send errors, mapped once from aiogram's exceptions (see renderer.call)."""

from __future__ import annotations


class TelegramSendError(Exception):
    """Root of errors while sending to Telegram."""


class UserBlockedBot(TelegramSendError):
    """403: the user blocked the bot (or deleted the chat). Never retried."""


class TransientSendError(TelegramSendError):
    """Network trouble, Telegram 5xx, or a long flood wait: try again later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        # A flood wait Telegram named (429): nothing was sent, so trying again after it is safe.
        self.retry_after = retry_after


class RejectedByTelegram(TelegramSendError):
    """400 that retrying cannot fix (bad markup, too long…): logged and skipped."""
