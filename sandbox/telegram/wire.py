"""The wire's constants, limits and error descriptions, the API error, and the records the server keeps
(``Upload``, ``Call`` and the private failure, stored-file and waiter records).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Real tokens are <bot id>:<35 characters>; code under test may validate the shape.
DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
DEFAULT_BOT_ID = 123456789
DEFAULT_BOT_USERNAME = "trt_test_bot"
DEFAULT_BOT_NAME = "TRT Test Bot"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
MAX_PHOTO_UPLOAD_SIZE = 10 * 1024 * 1024

# Bot API error descriptions, verbatim: code under test matches on them.
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
# A Stars subscription period: the only one Telegram accepts in createInvoiceLink (30 days).
SUBSCRIPTION_PERIOD = 2_592_000
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: POLL_CONFLICT,
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Parameters that arrive as JSON-serialized strings in form data.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "media",
        "allowed_updates",
        "commands",
        "entities",
        "caption_entities",
        "explanation_entities",
        "prices",
        "link_preview_options",
        "reply_parameters",
        "scope",
        "suggested_tip_amounts",
        "results",
        "options",
        "menu_button",
        "message_ids",
        "input_message_content",
        "photo_size",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "max_connections",
        "duration",
        "width",
        "height",
        "message_thread_id",
        "cache_time",
        "until_date",
        "subscription_period",
        "max_tip_amount",
    }
)
_BOOL_PREFIXES = (
    "is_",
    "need_",
    "send_",
    "disable_",
    "has_",
    "protect_",
    "allow_",
    "show_",
    "can_",
    "supports_",
    "drop_",
    "revoke_",
    "only_",
)
_BOOL_FIELDS = frozenset({"ok"})
_CHAT_ID_RE = re.compile(r"-?\d+")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

# file_id prefixes observed on real Telegram ids, so ids look like the real thing in logs and snapshots.
_FILE_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
}
_MEDIA_FIELDS = ("photo", "video", "audio", "animation", "document", "voice", "sticker", "video_note")
_CONTENT_FIELDS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    *_MEDIA_FIELDS,
    "reply_markup",
)


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file uploaded in a multipart request (``attach://`` references are resolved to these)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class Call:
    """One Bot API request as the fake received it, with its outcome."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def description(self) -> str | None:
        return None if self.response is None else self.response.get("description")


@dataclass(slots=True)
class _Failure:
    error_code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | str | None


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_size: int


@dataclass(slots=True)
class _Waiter:
    matches: Callable[[Call], bool]
    remaining: int
    future: asyncio.Future[Call]
