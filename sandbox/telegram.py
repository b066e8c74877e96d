"""A faithful in-process fake of the Telegram Bot API.

It speaks the real wire format (JSON, form-urlencoded and multipart requests; ``{"ok": ...}`` envelopes
with the real error codes and descriptions), so aiogram's ``Bot`` pointed at ``base_url`` and raw HTTP
clients behave as they would against api.telegram.org. It keeps the state a bot can observe (messages
per chat with their current text and keyboard, files, webhook, pending updates) and records every call
for assertions.

Deliberately free of aiogram imports: importing aiogram costs seconds and this module sits in hot test
setup paths.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import msgspec
from aiohttp import ClientSession, ClientTimeout, web

__all__ = [
    "BLOCKED",
    "SUBSCRIPTION_PERIOD",
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_TOKEN",
    "Call",
    "FakeTelegram",
    "NOT_MODIFIED",
    "Upload",
    "command_entities",
    "make_callback_update",
    "make_channel_post_update",
    "make_edited_message_update",
    "make_inline_query_update",
    "make_message_update",
    "make_my_chat_member_update",
    "make_pre_checkout_update",
    "make_stopped_generation_update",
    "make_successful_payment_update",
    "parse_html",
]

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


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------------------
# HTML parse_mode: the subset Telegram accepts, with its error messages.

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}


class _TelegramHtml(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self._offset = 0  # UTF-16 code units emitted so far
        self._stack: list[tuple[str, int, dict[str, Any]]] = []
        self.error: str | None = None

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        index = self._line_starts[line - 1] + col
        return len(self._source[:index].encode())

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self._offset += _utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        attributes = dict(attrs)
        if kind is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
            return
        extra: dict[str, Any] = {}
        if tag == "a":
            href = attributes.get("href")
            if not href:
                kind = ""  # a link without href is plain text, as on Telegram
            else:
                extra["url"] = href
        elif tag == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        elif tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id")
            if not emoji_id:
                self._fail(
                    f"Custom emoji entity must contain a tg://emoji URL at byte offset {self._byte_offset()}"
                )
                return
            extra["custom_emoji_id"] = emoji_id
        elif tag == "code" and self._stack and self._stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self._stack[-1][2]["language"] = language
        self._stack.append((tag, self._offset, {"type": kind, **extra}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
            return
        open_tag, start, entity = self._stack[-1]
        if open_tag != tag:
            self._fail(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</{open_tag}>", '
                f'found "</{tag}>"'
            )
            return
        self._stack.pop()
        if entity["type"] and self._offset > start:
            if entity["type"] == "code" and self._stack and self._stack[-1][0] == "pre":
                return  # <pre><code class="language-x"> is one pre entity
            self.entities.append({**entity, "offset": start, "length": self._offset - start})

    def finish(self) -> None:
        self.close()
        if self._stack and self.error is None:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self._stack[-1][0]}"')


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse_mode: returns (plain text, entities) or raises a 400 "can't parse entities"."""
    parser = _TelegramHtml(source)
    parser.feed(source)
    parser.finish()
    if parser.error is not None:
        raise _bad(f"can't parse entities: {parser.error}")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _format_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    text = "" if text is None else str(text)
    if parse_mode in (None, ""):
        plain, found = text, list(entities or [])
    elif parse_mode == "HTML":
        plain, found = parse_html(text)
    elif parse_mode in ("MarkdownV2", "Markdown"):
        # Entities are not reconstructed; escapes are removed so the visible text is close to real.
        plain, found = re.sub(r"\\(.)", r"\1", text), []
    else:
        raise _bad(f"unsupported parse_mode {parse_mode!r}")
    # Telegram trims surrounding whitespace from message text and captions.
    stripped = plain.strip()
    if stripped != plain:
        shift = _utf16_len(plain) - _utf16_len(plain.lstrip())
        limit = _utf16_len(stripped)
        adjusted = []
        for entity in found:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] + entity["length"] - shift, limit)
            if end > start:
                adjusted.append({**entity, "offset": start, "length": end - start})
        plain, found = stripped, adjusted
    return plain, found


# --------------------------------------------------------------------------------------------------------
# Request decoding


def _coerce(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if key in _JSON_FIELDS and value[:1] in ("{", "["):
            try:
                return msgspec.json.decode(value)
            except msgspec.DecodeError:
                label = "reply keyboard markup" if key == "reply_markup" else key.replace("_", " ")
                raise _bad(f"can't parse {label} JSON object") from None
        if key in _INT_FIELDS and _CHAT_ID_RE.fullmatch(value):
            return int(value)
        if value in ("true", "false") and (key in _BOOL_FIELDS or key.startswith(_BOOL_PREFIXES)):
            return value == "true"
    return value


def _resolve_attachments(value: Any, uploads: dict[str, Upload]) -> Any:
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        if name not in uploads:
            raise _bad(f"file of field {name} not found in the request")
        return uploads[name]
    if isinstance(value, dict):
        return {k: _resolve_attachments(v, uploads) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_attachments(v, uploads) for v in value]
    return value


# --------------------------------------------------------------------------------------------------------
# Update factory: realistic update JSON, as Telegram sends it.


def _user(user_id: int, username: str | None, language_code: str | None, first_name: str = "Test") -> dict:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def _bot_user(bot_id: int = DEFAULT_BOT_ID, username: str = DEFAULT_BOT_USERNAME) -> dict:
    return {"id": bot_id, "is_bot": True, "first_name": DEFAULT_BOT_NAME, "username": username}


def _chat(
    chat_id: int, chat_type: str | None = None, *, username: str | None = None, title: str | None = None
) -> dict:
    if chat_type is None:
        chat_type = (
            "private" if chat_id > 0 else ("supergroup" if str(chat_id).startswith("-100") else "group")
        )
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = "Test"
        if username:
            chat["username"] = username
    else:
        chat["title"] = title or ("Channel" if chat_type == "channel" else "Group")
    return chat


def command_entities(text: str | None) -> list[dict[str, Any]]:
    """``bot_command`` entities like the ones Telegram attaches to ``/start``, ``/help@bot`` …"""
    if not text:
        return []
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: m.start()]),
            "length": _utf16_len(m.group()),
        }
        for m in _COMMAND_RE.finditer(text)
    ]


def _media_spec(value: Any, default: dict[str, Any], kind: str, seq: int) -> dict[str, Any]:
    spec = dict(default)
    spec["file_id"] = f"{_FILE_ID_PREFIX[kind]}{seq:06d}user{kind}"
    spec["file_unique_id"] = f"AgAD{seq:06d}{kind[:2]}"
    if isinstance(value, str):
        spec["file_id"] = value
    elif isinstance(value, dict):
        spec.update(value)
    return spec


def _photo_sizes(file_id: str, unique: str, file_size: int = 123_456) -> list[dict[str, Any]]:
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{unique}-s",
            "file_size": 1_500,
            "width": 90,
            "height": 51,
        },
        {
            "file_id": f"{file_id}-m",
            "file_unique_id": f"{unique}-m",
            "file_size": 21_000,
            "width": 320,
            "height": 180,
        },
        {"file_id": file_id, "file_unique_id": unique, "file_size": file_size, "width": 1280, "height": 720},
    ]


def make_message_update(
    update_id: int,
    chat_id: int,
    text: str | None = None,
    *,
    user_id: int | None = None,
    username: str | None = None,
    first_name: str = "Test",
    language_code: str | None = "ru",
    message_id: int | None = None,
    date: int | None = None,
    photo: str | dict | bool | None = None,
    document: str | dict | bool | None = None,
    video: str | dict | bool | None = None,
    audio: str | dict | bool | None = None,
    voice: str | dict | bool | None = None,
    animation: str | dict | bool | None = None,
    sticker: bool | str = False,
    location: bool | tuple[float, float] = False,
    contact: bool | str = False,
    media_group_id: str | None = None,
    caption: str | None = None,
    chat_type: str = "private",
    reply_to_message: dict | None = None,
) -> dict[str, Any]:
    """A ``message`` update. Media arguments take ``True`` (a generated file), a file_id or a dict of fields.

    Commands in ``text`` (``/start m-flux``) get ``bot_command`` entities, like the real API.
    """
    return {"update_id": update_id, "message": _message(**locals())}


def _message(
    update_id: int,
    chat_id: int,
    text: str | None = None,
    *,
    user_id: int | None = None,
    username: str | None = None,
    first_name: str = "Test",
    language_code: str | None = "ru",
    message_id: int | None = None,
    date: int | None = None,
    photo: Any = None,
    document: Any = None,
    video: Any = None,
    audio: Any = None,
    voice: Any = None,
    animation: Any = None,
    sticker: Any = False,
    location: Any = False,
    contact: Any = False,
    media_group_id: str | None = None,
    caption: str | None = None,
    chat_type: str = "private",
    reply_to_message: dict | None = None,
) -> dict[str, Any]:
    if user_id is None:
        user_id = chat_id if chat_type == "private" else 1_000_001
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else update_id,
        "from": _user(user_id, username, language_code, first_name),
        "chat": _chat(chat_id, chat_type, username=username),
        "date": date if date is not None else int(time.time()),
    }
    if text is not None:
        message["text"] = text
        if entities := command_entities(text):
            message["entities"] = entities
    seq = update_id
    if photo:
        spec = _media_spec(photo, {"file_size": 123_456}, "photo", seq)
        message["photo"] = _photo_sizes(spec["file_id"], spec["file_unique_id"], spec["file_size"])
    if document:
        default = {"file_name": "input.pdf", "mime_type": "application/pdf", "file_size": 45_678}
        message["document"] = _media_spec(document, default, "document", seq)
    if video:
        default = {
            "width": 1280,
            "height": 720,
            "duration": 5,
            "mime_type": "video/mp4",
            "file_size": 987_654,
        }
        message["video"] = _media_spec(video, default, "video", seq)
    if audio:
        default = {"duration": 30, "mime_type": "audio/mpeg", "file_size": 456_789, "file_name": "track.mp3"}
        message["audio"] = _media_spec(audio, default, "audio", seq)
    if voice:
        message["voice"] = _media_spec(
            voice, {"duration": 3, "mime_type": "audio/ogg", "file_size": 12_345}, "voice", seq
        )
    if animation:
        default = {"width": 320, "height": 240, "duration": 2, "mime_type": "video/mp4", "file_size": 54_321}
        message["animation"] = _media_spec(animation, default, "animation", seq)
        message["document"] = dict(message["animation"])
    if sticker:
        default = {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
        message["sticker"] = _media_spec(
            sticker if isinstance(sticker, str) else None, default, "sticker", seq
        )
    if location:
        lat, lon = location if isinstance(location, tuple) else (55.751244, 37.618423)
        message["location"] = {"latitude": lat, "longitude": lon}
    if contact:
        phone = contact if isinstance(contact, str) else "+79990000000"
        message["contact"] = {"phone_number": phone, "first_name": first_name, "user_id": user_id}
    if caption is not None:
        message["caption"] = caption
        if entities := command_entities(caption):
            message["caption_entities"] = entities
    if media_group_id is not None:
        message["media_group_id"] = media_group_id
    if reply_to_message is not None:
        message["reply_to_message"] = reply_to_message
    return message


def make_edited_message_update(
    update_id: int,
    chat_id: int,
    message_id: int,
    text: str | None = None,
    *,
    edit_date: int | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """An ``edited_message`` update: the user edited their earlier message ``message_id``."""
    message = _message(update_id, chat_id, text, message_id=message_id, **kwargs)
    message["date"] = message["date"] - 60
    message["edit_date"] = edit_date if edit_date is not None else int(time.time())
    return {"update_id": update_id, "edited_message": message}


def make_callback_update(
    update_id: int,
    chat_id: int,
    data: str,
    message_id: int,
    *,
    user_id: int | None = None,
    username: str | None = None,
    language_code: str | None = "ru",
    message_text: str = "…",
    reply_markup: dict | None = None,
    message: dict | None = None,
    callback_id: str | None = None,
    bot_id: int = DEFAULT_BOT_ID,
) -> dict[str, Any]:
    """A ``callback_query`` update for a button under the bot's message ``message_id``.

    ``message`` (a stored Message dict, e.g. ``FakeTelegram.last_message``) overrides the generated one.
    """
    if user_id is None:
        user_id = chat_id if chat_id > 0 else 1_000_001
    if message is None:
        message = {
            "message_id": message_id,
            "from": _bot_user(bot_id),
            "chat": _chat(chat_id, username=username),
            "date": int(time.time()) - 5,
            "text": message_text,
        }
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
    return {
        "update_id": update_id,
        "callback_query": {
            "id": callback_id or f"{4_000_000_000_000_000_000 + update_id}",
            "from": _user(user_id, username, language_code),
            "message": message,
            "chat_instance": f"-{abs(chat_id) * 7919 % 10**18}",
            "data": data,
        },
    }


def make_stopped_generation_update(update_id: int, chat_id: int, draft_id: int) -> dict[str, Any]:
    """A ``stopped_message_generation`` update: the user pressed stop on a streamed draft
    (sendMessageDraft with ``can_stop``). It names the chat and the draft, not the user."""
    return {
        "update_id": update_id,
        "stopped_message_generation": {"chat": _chat(chat_id), "draft_id": draft_id},
    }


def make_my_chat_member_update(
    update_id: int,
    chat_id: int,
    *,
    user_id: int | None = None,
    username: str | None = None,
    status: str = "kicked",
    old_status: str = "member",
    bot_id: int = DEFAULT_BOT_ID,
    date: int | None = None,
) -> dict[str, Any]:
    """A ``my_chat_member`` update: the user blocked (``kicked``) or unblocked (``member``) the bot."""
    if user_id is None:
        user_id = chat_id if chat_id > 0 else 1_000_001

    def member(member_status: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"user": _bot_user(bot_id), "status": member_status}
        if member_status == "kicked":
            entry["until_date"] = 0
        return entry

    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": _chat(chat_id, username=username),
            "from": _user(user_id, username, "ru"),
            "date": date if date is not None else int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(status),
        },
    }


def make_pre_checkout_update(
    update_id: int,
    user_id: int,
    *,
    payload: str,
    total_amount: int,
    currency: str = "XTR",
    query_id: str | None = None,
    username: str | None = None,
    language_code: str | None = "ru",
) -> dict[str, Any]:
    """A ``pre_checkout_query`` update (Stars by default); answer it with ``answerPreCheckoutQuery``."""
    return {
        "update_id": update_id,
        "pre_checkout_query": {
            "id": query_id or f"{5_000_000_000_000_000_000 + update_id}",
            "from": _user(user_id, username, language_code),
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
        },
    }


def make_successful_payment_update(
    update_id: int,
    chat_id: int,
    *,
    payload: str,
    total_amount: int,
    currency: str = "XTR",
    telegram_payment_charge_id: str | None = None,
    provider_payment_charge_id: str = "",
    user_id: int | None = None,
    message_id: int | None = None,
    username: str | None = None,
    subscription_expiration_date: int | None = None,
    is_recurring: bool = False,
    is_first_recurring: bool = False,
) -> dict[str, Any]:
    """A ``message`` update carrying ``successful_payment``; the charge id is the idempotency key.

    A Stars subscription's payment (an invoice link made with ``subscription_period``) carries
    ``subscription_expiration_date`` (Unix time the paid period ends) and ``is_recurring``; the first
    one also ``is_first_recurring``. Each renewal is such an update with a new charge id and the same
    payload; Telegram sends nothing when a renewal fails or the user cancels.
    """
    message = _message(update_id, chat_id, user_id=user_id, message_id=message_id, username=username)
    paid: dict[str, Any] = {
        "currency": currency,
        "total_amount": total_amount,
        "invoice_payload": payload,
        "telegram_payment_charge_id": telegram_payment_charge_id or f"stxFakeCharge{update_id:010d}",
        "provider_payment_charge_id": provider_payment_charge_id,
    }
    if subscription_expiration_date is not None:
        paid["subscription_expiration_date"] = subscription_expiration_date
        paid["is_recurring"] = is_recurring
        if is_first_recurring:
            paid["is_first_recurring"] = True
    message["successful_payment"] = paid
    return {"update_id": update_id, "message": message}


def make_channel_post_update(
    update_id: int,
    chat_id: int,
    text: str | None = "post",
    *,
    message_id: int | None = None,
    title: str = "Channel",
) -> dict[str, Any]:
    """A ``channel_post`` update (no ``from``; ``sender_chat`` is the channel itself)."""
    chat = _chat(chat_id, "channel", title=title)
    post: dict[str, Any] = {
        "message_id": message_id if message_id is not None else update_id,
        "sender_chat": chat,
        "chat": chat,
        "date": int(time.time()),
    }
    if text is not None:
        post["text"] = text
    return {"update_id": update_id, "channel_post": post}


def make_inline_query_update(
    update_id: int,
    user_id: int,
    query: str,
    *,
    offset: str = "",
    username: str | None = None,
    language_code: str | None = "ru",
    chat_type: str | None = "private",
    query_id: str | None = None,
) -> dict[str, Any]:
    """An ``inline_query`` update: the user typed ``@bot <query>`` in some chat (``chat_type``: the
    kind of chat it was typed in, as Telegram reports it; None when unknown)."""
    inline: dict[str, Any] = {
        "id": query_id or f"{5_000_000_000_000_000_000 + update_id}",
        "from": _user(user_id, username, language_code),
        "query": query,
        "offset": offset,
    }
    if chat_type is not None:
        inline["chat_type"] = chat_type
    return {"update_id": update_id, "inline_query": inline}


# --------------------------------------------------------------------------------------------------------
# The server


def _update_type(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


# Update types Telegram leaves out unless asked for explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class FakeTelegram:
    """The Bot API on 127.0.0.1:<random port>. Use as ``async with FakeTelegram() as tg:``.

    State a test may read: ``messages[chat_id][message_id]`` (current Message dicts), ``webhook_url``,
    ``webhook_secret``, ``allowed_updates``, ``conflicts``, ``files``. Knobs: ``latency`` (seconds per
    call), ``fail_next``, ``block_chat``, ``throttle``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = DEFAULT_BOT_NAME,
        latency: float = 0.0,
        require_https_webhook: bool = False,
    ) -> None:
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]{30,}", token):
            raise ValueError("token must look like a real bot token: <digits>:<35 chars of [A-Za-z0-9_-]>")
        self._token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.latency = latency
        self.require_https_webhook = require_https_webhook
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._client: ClientSession | None = None
        self._handlers: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}
        for name in dir(self):
            if name.startswith("_api_"):
                method = name.removeprefix("_api_")
                self._handlers[method.lower()] = (method, getattr(self, name))
        self.reset()

    # ---- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._active_poll is not None and not self._active_poll.done():
            self._active_poll.set_result("closing")
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    def api_url(self, method: str, token: str | None = None) -> str:
        return f"{self.base_url}/bot{token or self._token}/{method}"

    def file_url(self, file_path: str) -> str:
        return f"{self.base_url}/file/bot{self._token}/{file_path}"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def reset(self) -> None:
        """Forget everything but the token and the port: calls, chats, files, webhook, updates, faults."""
        self.call_log: list[Call] = []
        self._calls_by_method: dict[str, list[Call]] = {}
        self.messages: dict[int | str, dict[int, dict[str, Any]]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._deleted: set[tuple[int | str, int]] = set()
        self.files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self.blocked_chats: set[int | str] = set()
        # Flood control (`throttle`): off until a test sets it.
        self._flood: tuple[int, int, frozenset[str]] | None = None
        self._flood_window: deque[float] = deque()
        self._flood_until = 0.0
        self.early_sends = 0  # sends that came back before the retry_after they were told to wait
        self.drafts: dict[int | str, dict[str, Any]] = {}  # the latest sendMessageDraft per chat
        self.invoice_links: dict[str, dict[str, Any]] = {}  # createInvoiceLink: link -> its parameters
        # editUserStarSubscription(is_canceled=true): (user id, charge id) whose renewals are stopped.
        self.canceled_subscriptions: set[tuple[int, str]] = set()
        self._answered_inline: set[str] = set()  # inline query ids answered (each only once)
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.allowed_updates: list[str] | None = None
        self.webhook_max_connections = 40
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.conflicts = 0
        self._updates: deque[dict[str, Any]] = deque()
        self._update_seq = itertools.count(1)
        self._poll_allowed: frozenset[str] | None = None
        self._pollers: list[asyncio.Future[None]] = []
        self._active_poll: asyncio.Future[str] | None = None
        self._waiters: list[_Waiter] = []
        self._closing = False
        self._seq = itertools.count(1)
        self._media_group_seq = itertools.count(13_000_000_000_000_000)

    # ---- test-side controls ----------------------------------------------------------------------------

    def add_file(
        self,
        file_id: str,
        data: bytes = b"",
        file_path: str | None = None,
        *,
        file_unique_id: str | None = None,
        file_size: int | None = None,
    ) -> str:
        """Make ``file_id`` known to ``getFile`` and downloadable; returns its ``file_path``.

        ``file_size`` overrides ``len(data)`` so "file is too big" can be tested without 20 MB of bytes.
        """
        seq = next(self._seq)
        stored = _StoredFile(
            file_id=file_id,
            file_unique_id=file_unique_id or f"AQAD{seq:08d}",
            file_path=file_path or f"documents/file_{seq}.bin",
            data=data,
            file_size=len(data) if file_size is None else file_size,
        )
        self.files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored.file_path

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates`` (``update_id`` is assigned when missing) and wake pollers."""
        if "update_id" not in update:
            update = {"update_id": self.next_update_id(), **update}
        self._updates.append(update)
        self._wake_pollers()
        return update

    def next_update_id(self) -> int:
        last = self._updates[-1]["update_id"] if self._updates else 0
        return max(next(self._update_seq), last + 1)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"``: any method; optionally only for ``chat_id``) fail.

        E.g. ``fail_next("sendMessage", error_code=429, retry_after=3)`` answers like a flood limit,
        with ``parameters.retry_after``.
        """
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                retry_after = retry_after or 1
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Bad Request")
        self._failures.setdefault(method.lower(), deque()).append(
            _Failure(error_code, description, retry_after, times, chat_id)
        )

    def throttle(
        self,
        per_second: int,
        retry_after: int = 1,
        methods: tuple[str, ...] = ("sendMessage", "sendPhoto"),
    ) -> None:
        """Flood control like Telegram's: after ``per_second`` messages within one second, sends answer
        429 with ``parameters.retry_after``; a send before that wait is over is refused again and
        counted in ``early_sends``. ``per_second=0`` turns it off."""
        self._flood = (per_second, retry_after, frozenset(methods)) if per_second > 0 else None
        self._flood_window.clear()
        self._flood_until = 0.0

    def _check_flood(self, method: str) -> None:
        if self._flood is None:
            return
        per_second, retry_after, methods = self._flood
        if method not in methods:
            return
        now = time.monotonic()
        refusal = _ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )
        if now < self._flood_until:
            self.early_sends += 1
            raise refusal
        window = self._flood_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= per_second:
            self._flood_until = now + retry_after
            raise refusal
        window.append(now)

    def block_chat(self, chat_id: int | str) -> None:
        """The user blocked the bot: every call addressed to this chat answers 403."""
        self.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        self.blocked_chats.discard(chat_id)

    def seed_message(
        self,
        chat_id: int,
        message_id: int,
        text: str = "…",
        *,
        reply_markup: dict | None = None,
    ) -> dict[str, Any]:
        """Pretend the bot sent ``message_id`` earlier (e.g. before a restart) so edits of it succeed."""
        message = self._new_message(chat_id, message_id=message_id)
        message["text"] = text
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
        self._store(chat_id, message)
        return message

    # ---- assertions --------------------------------------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: int | str | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally of one method and/or one chat."""
        if method is None:
            found = self.call_log
        else:
            canonical = self._handlers.get(method.lower(), (method, None))[0]
            found = self._calls_by_method.get(canonical, [])
        if chat_id is not None:
            found = [call for call in found if call.chat_id == chat_id]
        return list(found)

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """What the user saw, in order: texts and captions of successful sends and edits, as rendered
        (HTML tags removed, entities unescaped)."""
        texts = []
        for call in self.calls(chat_id=chat_id):
            if not call.ok or not call.method.startswith(("send", "edit")):
                continue
            results = call.result if isinstance(call.result, list) else [call.result]
            for result in results:
                if isinstance(result, dict):
                    text = result.get("text", result.get("caption"))
                    if text is not None:
                        texts.append(text)
        return texts

    def last_message(self, chat_id: int | str) -> dict[str, Any] | None:
        """The newest message the bot has in this chat, as it is now (after edits), or None."""
        chat = self.messages.get(chat_id)
        if not chat:
            return None
        return chat[next(reversed(chat))]

    def buttons(self, message: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Inline buttons of a stored message, flattened row by row."""
        if not message or "reply_markup" not in message:
            return []
        return [button for row in message["reply_markup"].get("inline_keyboard", []) for button in row]

    def press(
        self,
        chat_id: int,
        label: str,
        *,
        update_id: int | None = None,
        message_id: int | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A callback_query update for the button whose text starts with ``label`` under the message
        ``message_id`` (default: the last one). Raises LookupError when no such button exists."""
        message = self.messages.get(chat_id, {}).get(message_id) if message_id else self.last_message(chat_id)
        for button in self.buttons(message):
            if button["text"].startswith(label) and "callback_data" in button:
                assert message is not None
                return make_callback_update(
                    update_id if update_id is not None else self.next_update_id(),
                    chat_id,
                    button["callback_data"],
                    message["message_id"],
                    user_id=user_id,
                    message=message,
                    bot_id=self.bot_id,
                )
        labels = [button["text"] for button in self.buttons(message)]
        raise LookupError(f"no callback button starting with {label!r}; buttons: {labels}")

    def mark(self) -> int:
        """A position in the call log, to pass as ``wait_for(..., since=...)``."""
        return len(self.call_log)

    async def wait_for(
        self,
        match: str | Callable[[Call], bool] | None = None,
        *,
        chat_id: int | str | None = None,
        timeout: float = 5.0,
        since: int = 0,
        count: int = 1,
    ) -> Call:
        """Wait for the ``count``-th call (from position ``since``) matching a method name or a predicate.

        Calls already recorded count, so there is no race between triggering and waiting.
        """
        matches = self._matcher(match, chat_id)
        remaining = count
        for call in itertools.islice(self.call_log, since, None):
            if matches(call):
                remaining -= 1
                if remaining == 0:
                    return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(matches, remaining, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = [f"{c.method}({c.chat_id})" for c in self.call_log[since:]][-20:]
            raise TimeoutError(
                f"no call matching {match!r} (chat {chat_id}) within {timeout}s; recent calls: {seen}"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _matcher(
        self, match: str | Callable[[Call], bool] | None, chat_id: int | str | None
    ) -> Callable[[Call], bool]:
        if isinstance(match, str):
            wanted = self._handlers.get(match.lower(), (match, None))[0]

            def by_method(call: Call) -> bool:
                return call.method == wanted

            base = by_method
        elif match is None:

            def anything(call: Call) -> bool:
                return True

            base = anything
        else:
            base = match
        if chat_id is None:
            return base
        return lambda call: call.chat_id == chat_id and base(call)

    async def deliver_webhook(
        self,
        update: dict[str, Any],
        *,
        url: str | None = None,
        secret: str | None = None,
        timeout: float = 10.0,
    ) -> int:
        """POST an update to the webhook like Telegram does (with the secret header); returns the status."""
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("no webhook is set")
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=timeout))
        headers = {"Content-Type": "application/json"}
        token = secret if secret is not None else self.webhook_secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with self._client.post(target, data=msgspec.json.encode(update), headers=headers) as response:
            await response.read()
            return response.status

    # ---- HTTP plumbing -----------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        at = time.time()
        raw_method = request.match_info["method"]
        method, handler = self._handlers.get(raw_method.lower(), (raw_method, None))
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self._token:
                raise _ApiError(401, "Unauthorized")
            if handler is None:
                raise _ApiError(404, "Not Found")
            params = await self._read_params(request)
            if self.latency:
                await asyncio.sleep(self.latency)
            self._inject_faults(method, params)
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            status, payload = 200, {"ok": True, "result": result}
        except _ApiError as error:
            status = error.code
            payload = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                payload["parameters"] = error.parameters
        self._record(Call(method, params, at, status, payload))
        return web.Response(body=msgspec.json.encode(payload), status=status, content_type="application/json")

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                body = await request.read()
                if body:
                    try:
                        decoded = msgspec.json.decode(body)
                    except msgspec.DecodeError:
                        raise _bad("can't parse JSON request body") from None
                    if not isinstance(decoded, dict):
                        raise _bad("JSON object expected")
                    raw.update(decoded)
            elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        data = value.file.read()
                        if len(data) > MAX_UPLOAD_SIZE:
                            raise _ApiError(413, "Request Entity Too Large")
                        uploads[key] = Upload(value.filename, value.content_type, data)
                    else:
                        raw[key] = value
        params = {key: _coerce(key, value) for key, value in raw.items()}
        for key, upload in uploads.items():
            # A file sent directly in its own field (photo=@file) rather than via attach://.
            if key not in params:
                params[key] = upload
        if uploads:
            params = {key: _resolve_attachments(value, uploads) for key, value in params.items()}
        return params

    def _inject_faults(self, method: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        for key in (method.lower(), "*"):
            queue = self._failures.get(key)
            if not queue:
                continue
            for failure in queue:
                if failure.chat_id is not None and failure.chat_id != chat_id:
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    queue.remove(failure)
                parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                raise _ApiError(failure.error_code, failure.description, parameters)
        self._check_flood(method)
        if chat_id is not None and chat_id in self.blocked_chats:
            raise _ApiError(403, BLOCKED)

    def _record(self, call: Call) -> None:
        self.call_log.append(call)
        self._calls_by_method.setdefault(call.method, []).append(call)
        if not self._waiters:
            return
        for waiter in list(self._waiters):
            if waiter.future.done() or not waiter.matches(call):
                continue
            waiter.remaining -= 1
            if waiter.remaining == 0:
                waiter.future.set_result(call)
                self._waiters.remove(waiter)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self._token or stored is None:
            body = msgspec.json.encode({"ok": False, "error_code": 404, "description": "Not Found"})
            return web.Response(body=body, status=404, content_type="application/json")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # ---- message state -----------------------------------------------------------------------------------

    def _chat_id(self, params: dict[str, Any]) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            raise _bad("chat not found")
        return chat_id

    def _new_message(self, chat_id: int | str, message_id: int | None = None) -> dict[str, Any]:
        if message_id is None:
            message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), message_id + 1)
        numeric_chat = chat_id if isinstance(chat_id, int) else -1_001_000_000_000
        chat = _chat(numeric_chat)
        if isinstance(chat_id, str):
            chat = {"id": numeric_chat, "type": "channel", "title": "Channel", "username": chat_id[1:]}
        return {"message_id": message_id, "from": self.bot_user, "chat": chat, "date": int(time.time())}

    def _store(self, chat_id: int | str, message: dict[str, Any]) -> None:
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message

    def _find(self, params: dict[str, Any], action: str = "edit") -> tuple[int | str, dict[str, Any]]:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad(
                "message identifier is not specified" if message_id is None else "message_id is invalid"
            )
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad(f"message to {action} not found")
        return chat_id, message

    def _check_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return None  # reply keyboards and removals are not echoed in Message.reply_markup
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise _bad("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of Arrays")
        if sum(len(row) for row in keyboard) > 100:
            raise _bad("reply markup is too long")
        actions = (
            "callback_data",
            "url",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        )
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad("can't parse inline keyboard button: Text must be non-empty")
                if not any(key in button for key in actions):
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad("BUTTON_DATA_INVALID")
        return {"inline_keyboard": [[dict(button) for button in row] for row in keyboard]}

    def _apply_text(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        text, entities = _format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        message["text"] = text
        if entities:
            message["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = params["link_preview_options"]

    def _apply_caption(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        message.pop("caption", None)
        message.pop("caption_entities", None)
        if params.get("caption") in (None, ""):
            return
        caption, entities = _format_text(
            params["caption"], params.get("parse_mode"), params.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if params.get("show_caption_above_media"):
            message["show_caption_above_media"] = True

    def _file(
        self, kind: str, source: Any, *, filename: str | None = None
    ) -> tuple[str, str, int, str | None]:
        """(file_id, file_unique_id, file_size, file_name) for a sent file given as upload, URL or file_id."""
        if source is None or source == "":
            raise _bad(f"there is no {kind} in the request")
        seq = next(self._seq)
        file_id = f"{_FILE_ID_PREFIX.get(kind, 'BQACAgIAAxkBAAI')}{seq:08d}fake{kind}"
        unique = f"AQAD{seq:08d}"
        if isinstance(source, Upload):
            limit = MAX_PHOTO_UPLOAD_SIZE if kind == "photo" else MAX_UPLOAD_SIZE
            if source.size > limit:
                raise _ApiError(413, "Request Entity Too Large")
            if source.size == 0:
                raise _bad("file must be non-empty")
            extension = source.filename.rsplit(".", 1)[-1] if "." in source.filename else "bin"
            self.add_file(file_id, source.data, f"{kind}s/file_{seq}.{extension}", file_unique_id=unique)
            return file_id, unique, source.size, filename or source.filename
        source = str(source)
        if source.startswith(("http://", "https://")):
            name = source.rsplit("/", 1)[-1].split("?", 1)[0] or None
            data = b"fake content downloaded from " + source.encode()
            self.add_file(file_id, data, f"{kind}s/file_{seq}.bin", file_unique_id=unique)
            return file_id, unique, len(data), filename or name
        if source.startswith("attach://"):
            raise _bad(f"file of field {source.removeprefix('attach://')} not found in the request")
        known = self.files.get(source)
        if known is not None:
            return known.file_id, known.file_unique_id, known.file_size, filename
        if len(source) < 8 or " " in source:
            raise _bad("wrong file identifier/HTTP URL specified")
        return source, f"AQAD{zlib.crc32(source.encode()):010d}", 100_000, filename

    def _media_object(
        self, kind: str, source: Any, params: dict[str, Any]
    ) -> dict[str, Any] | list[dict[str, Any]]:
        file_id, unique, size, name = self._file(kind, source, filename=None)
        if kind == "photo":
            return _photo_sizes(file_id, unique, size)
        obj: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique}
        if kind in ("video", "animation", "video_note"):
            side = params.get("length", 240)
            obj["width"] = params.get("width", side if kind == "video_note" else 1280)
            obj["height"] = params.get("height", side if kind == "video_note" else 720)
            obj["duration"] = params.get("duration", 5)
        if kind in ("audio", "voice"):
            obj["duration"] = params.get("duration", 30 if kind == "audio" else 3)
        if kind == "audio":
            for key in ("performer", "title"):
                if params.get(key):
                    obj[key] = params[key]
        if kind == "sticker":
            obj.update(
                {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
            )
        if name and kind in ("video", "animation", "audio", "document"):
            obj["file_name"] = name
        mime = {
            "video": "video/mp4",
            "animation": "video/mp4",
            "audio": "audio/mpeg",
            "voice": "audio/ogg",
            "document": _guess_mime(name),
        }.get(kind)
        if mime:
            obj["mime_type"] = mime
        obj["file_size"] = size
        return obj

    def _send(self, params: dict[str, Any], build: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        markup = self._check_markup(params)
        message = self._new_message(chat_id)
        build(message)
        if markup is not None:
            message["reply_markup"] = markup
        if isinstance(params.get("reply_parameters"), dict):
            replied = self.messages.get(chat_id, {}).get(params["reply_parameters"].get("message_id"))
            if replied is not None:
                message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if params.get("has_spoiler"):
            message["has_media_spoiler"] = True
        self._store(chat_id, message)
        return message

    def _send_media(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        def build(message: dict[str, Any]) -> None:
            self._apply_caption(message, params)
            message[kind] = self._media_object(kind, params.get(kind), params)
            if kind == "animation":
                message["document"] = dict(message["animation"])

        return self._send(params, build)

    def _edit(
        self, params: dict[str, Any], change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            self._check_markup(params)
            return True
        chat_id, current = self._find(params)
        updated = {k: v for k, v in current.items() if k not in ("reply_markup", "edit_date")}
        change(updated)
        markup = self._check_markup(params)
        if markup is not None:
            updated["reply_markup"] = markup
        if all(updated.get(key) == current.get(key) for key in _CONTENT_FIELDS):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        updated["edit_date"] = int(time.time())
        self._store(chat_id, updated)
        return updated

    def _wake_pollers(self) -> None:
        pollers, self._pollers = self._pollers, []
        for future in pollers:
            if not future.done():
                future.set_result(None)

    # ---- Bot API methods (``_api_<methodName>``) ----------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send(params, lambda message: self._apply_text(message, params))

    def _api_sendMessageDraft(self, params: dict[str, Any]) -> bool:
        # A streamed preview (private chats): empty text shows "Thinking…"; nothing is stored as a message.
        chat_id = self._chat_id(params)
        if not isinstance(params.get("draft_id"), int) or params["draft_id"] == 0:
            raise _bad("draft_id must be a non-zero integer")
        text, entities = _format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        self.drafts[chat_id] = {"draft_id": params["draft_id"], "text": text, "entities": entities}
        return True

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("photo", params)

    def _api_sendVideo(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("video", params)

    def _api_sendAudio(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("audio", params)

    def _api_sendAnimation(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("animation", params)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("document", params)

    def _api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("voice", params)

    def _api_sendVideoNote(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("video_note", params)

    def _api_sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("sticker", params)

    def _api_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._chat_id(params)
        media = params.get("media")
        if not isinstance(media, list):
            raise _bad("can't parse media JSON object")
        if len(media) < 2:
            raise _bad("MEDIA_GROUP_INVALID: too few media in the album")
        if len(media) > 10:
            raise _bad("too many messages to send as an album")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if len(kinds & {"audio", "document"}) and len(kinds) > 1:
            raise _bad("MEDIA_GROUP_INVALID: audio and documents can't be mixed with other media types")
        group_id = str(next(self._media_group_seq))
        messages = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "audio", "document"):
                raise _bad("MEDIA_INVALID")
            message = self._new_message(chat_id)
            message["media_group_id"] = group_id
            self._apply_caption(message, item)
            message[kind] = self._media_object(kind, item.get("media"), item)
            if item.get("has_spoiler"):
                message["has_media_spoiler"] = True
            messages.append(message)
        for message in messages:
            self._store(chat_id, message)
        return messages

    def _api_sendInvoice(self, params: dict[str, Any]) -> dict[str, Any]:
        for key in ("title", "description", "currency"):
            if not params.get(key):
                raise _bad(f"parameter {key!r} is required")
        payload = str(params.get("payload") or "")
        if not 1 <= len(payload.encode()) <= 128:
            raise _bad("INVOICE_PAYLOAD_INVALID")
        prices = params.get("prices")
        if not isinstance(prices, list) or not prices:
            raise _bad("can't parse prices JSON object")
        if params["currency"] == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise _bad("STARS_INVOICE_INVALID")
        total = sum(int(price.get("amount", 0)) for price in prices)
        if total <= 0:
            raise _bad("CURRENCY_TOTAL_AMOUNT_INVALID")

        def build(message: dict[str, Any]) -> None:
            message["invoice"] = {
                "title": params["title"],
                "description": params["description"],
                "start_parameter": params.get("start_parameter", ""),
                "currency": params["currency"],
                "total_amount": total,
            }

        return self._send(params, build)

    def _api_createInvoiceLink(self, params: dict[str, Any]) -> str:
        payload = str(params.get("payload") or "")
        if not 1 <= len(payload.encode()) <= 128:
            raise _bad("INVOICE_PAYLOAD_INVALID")
        prices = params.get("prices")
        if not isinstance(prices, list) or not prices:
            raise _bad("can't parse prices JSON object")
        total = sum(int(price.get("amount", 0)) for price in prices)
        if params.get("currency") == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise _bad("STARS_INVOICE_INVALID")
        period = params.get("subscription_period")
        if period is not None:
            # Subscriptions: Stars only, exactly 30 days, at most 10000 Stars a period.
            if period != SUBSCRIPTION_PERIOD or params.get("currency") != "XTR":
                raise _bad("SUBSCRIPTION_PERIOD_INVALID")
            if total > 10_000:
                raise _bad("SUBSCRIPTION_PRICE_INVALID")
        link = f"https://t.me/$FakeInvoice{next(self._seq):08d}"
        self.invoice_links[link] = {**params, "total_amount": total}
        return link

    def _api_editUserStarSubscription(self, params: dict[str, Any]) -> bool:
        if not isinstance(params.get("user_id"), int) or not params.get("telegram_payment_charge_id"):
            raise _bad("CHARGE_ID_INVALID")
        if not isinstance(params.get("is_canceled"), bool):
            raise _bad("parameter 'is_canceled' is required")
        key = (params["user_id"], params["telegram_payment_charge_id"])
        if params["is_canceled"]:
            self.canceled_subscriptions.add(key)
        else:
            self.canceled_subscriptions.discard(key)
        return True

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        def change(message: dict[str, Any]) -> None:
            if "text" not in message:
                raise _bad("there is no text in the message to edit")
            message.pop("entities", None)
            message.pop("link_preview_options", None)
            self._apply_text(message, params)

        return self._edit(params, change)

    def _api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        def change(message: dict[str, Any]) -> None:
            if "text" in message:
                raise _bad("there is no caption in the message to edit")
            self._apply_caption(message, params)

        return self._edit(params, change)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(params, lambda message: None)

    def _api_editMessageMedia(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in (
            "photo",
            "video",
            "audio",
            "document",
            "animation",
        ):
            raise _bad("can't parse InputMedia JSON object")

        def change(message: dict[str, Any]) -> None:
            if "text" in message:
                raise _bad("there is no media in the message to edit")
            for key in _MEDIA_FIELDS:
                message.pop(key, None)
            kind = media["type"]
            self._apply_caption(message, media)
            message[kind] = self._media_object(kind, media.get("media"), media)

        return self._edit(params, change)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if (chat_id, message_id) in self._deleted:
            raise _bad("message to delete not found")
        self._deleted.add((chat_id, message_id))
        # Messages the fake never saw (the user's own) are deletable too, as in a private chat.
        self.messages.get(chat_id, {}).pop(message_id, None)
        return True

    def _api_deleteMessages(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        for message_id in params.get("message_ids") or []:
            self._deleted.add((chat_id, message_id))
            self.messages.get(chat_id, {}).pop(message_id, None)
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise _bad("QUERY_ID_INVALID")
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        return True

    # ---- inline mode ----

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        """Checks what Telegram checks of an answer; the results stay readable in the call log."""
        query_id = str(params.get("inline_query_id") or "")
        if not query_id:
            raise _bad("QUERY_ID_INVALID")
        answered = self._answered_inline
        if query_id in answered:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or result.get("type") != "article":
                raise _bad("RESULT_TYPE_INVALID")  # only articles are emulated
            result_id = str(result.get("id") or "")
            if not 1 <= len(result_id.encode()) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if not result.get("title"):
                raise _bad("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if not isinstance(content, dict) or "message_text" not in content:
                raise _bad("MESSAGE_EMPTY")
            text, _ = _format_text(
                content["message_text"], content.get("parse_mode"), content.get("entities")
            )
            if not text:
                raise _bad("MESSAGE_EMPTY")
            if _utf16_len(text) > MAX_TEXT_LENGTH:
                raise _bad("MESSAGE_TOO_LONG")
            markup = self._check_markup({"reply_markup": result.get("reply_markup")})
            for row in (markup or {}).get("inline_keyboard", []):
                for button in row:
                    url = button.get("url")
                    if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                        raise _bad("BUTTON_URL_INVALID")
        answered.add(query_id)
        return True

    def _api_answerPreCheckoutQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("pre_checkout_query_id"):
            raise _bad("QUERY_ID_INVALID")
        if params.get("ok") is False and not params.get("error_message"):
            raise _bad("error_message is required when ok is false")
        return True

    def _api_refundStarPayment(self, params: dict[str, Any]) -> bool:
        if not isinstance(params.get("user_id"), int) or not params.get("telegram_payment_charge_id"):
            raise _bad("CHARGE_ID_INVALID")
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat_id(params)
        if not params.get("action"):
            raise _bad("wrong parameter action in request")
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if (
                not re.fullmatch(r"[a-z0-9_]{1,32}", name)
                or not 1 <= len(command.get("description", "")) <= 256
            ):
                raise _bad("BOT_COMMAND_INVALID")
        scope = params.get("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}"
        self.commands[key] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = params.get("scope") or {"type": "default"}
        return self.commands.get(
            f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}", []
        )

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(
            f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}", None
        )
        return True

    def _ok(self, params: dict[str, Any]) -> bool:
        return True

    _api_setMyDescription = _api_setMyShortDescription = _api_setMyName = _ok
    _api_setChatMenuButton = _api_pinChatMessage = _api_unpinChatMessage = _ok
    _api_answerInlineQuery = _api_logOut = _api_close = _ok

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        if isinstance(chat_id, str):
            return {
                "id": -1_001_000_000_000,
                "type": "channel",
                "title": "Channel",
                "accent_color_id": 0,
                "max_reaction_count": 11,
            }
        return {**_chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11}

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and self.require_https_webhook and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if url and not url.startswith(("https://", "http://")):
            raise _bad("bad webhook: Failed to resolve host: Name or service not known")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad("bad webhook: secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed updates JSON object")
            self.allowed_updates = list(allowed)
        self.webhook_url = url
        self.webhook_secret = str(secret) if secret is not None and url else None
        self.webhook_max_connections = max_connections
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if url and self._active_poll is not None and not self._active_poll.done():
            self._active_poll.set_result("webhook")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0 if self.webhook_url else len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            info["ip_address"] = "127.0.0.1"
        if self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        return info

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(409, WEBHOOK_CONFLICT)
        if self._active_poll is not None and not self._active_poll.done():
            # Telegram answers the older request with 409 and serves the newer one.
            self._active_poll.set_result("terminated")
            self.conflicts += 1
        terminated: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._active_poll = terminated
        try:
            offset = params.get("offset")
            limit = params.get("limit", 100)
            timeout = params.get("timeout", 0)
            if not isinstance(limit, int) or not 1 <= limit <= 100:
                limit = 100
            if not isinstance(timeout, int) or timeout < 0:
                timeout = 0
            if isinstance(params.get("allowed_updates"), list):
                self._poll_allowed = frozenset(params["allowed_updates"])
            deadline = time.monotonic() + timeout
            while True:
                ready = self._take_updates(offset if isinstance(offset, int) else None, limit)
                if ready or self._closing:
                    return ready
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                arrived: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._pollers.append(arrived)
                await asyncio.wait(
                    {arrived, terminated}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                if terminated.done():
                    reason = terminated.result()
                    if reason == "terminated":
                        raise _ApiError(409, POLL_CONFLICT)
                    if reason == "webhook":
                        raise _ApiError(409, WEBHOOK_CONFLICT)
                    return []
        finally:
            if self._active_poll is terminated:
                self._active_poll = None

    def _take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        updates = self._updates
        if offset is not None:
            if offset < 0:
                while len(updates) > -offset:
                    updates.popleft()
            else:
                while updates and updates[0]["update_id"] < offset:
                    updates.popleft()
        allowed = self._poll_allowed
        if allowed:
            kept = [u for u in updates if _update_type(u) in allowed]
        else:
            kept = [u for u in updates if _update_type(u) not in _OPT_IN_UPDATES]
        if len(kept) != len(updates):
            # Telegram never stores updates of types the bot did not ask for.
            updates.clear()
            updates.extend(kept)
        return kept[:limit]


def _guess_mime(name: str | None) -> str:
    extension = (name or "").rsplit(".", 1)[-1].lower()
    return {
        "pdf": "application/pdf",
        "zip": "application/zip",
        "gif": "image/gif",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "webp": "image/webp",
        "mp4": "video/mp4",
        "mp3": "audio/mpeg",
        "wav": "audio/x-wav",
        "txt": "text/plain",
        "json": "application/json",
    }.get(extension, "application/octet-stream")
