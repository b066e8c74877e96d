"""A faithful in-process fake of the Telegram Bot API.

It speaks the real wire format (JSON, form-urlencoded and multipart requests; ``{"ok": ...}`` envelopes
with the real error codes and descriptions), so aiogram's ``Bot`` pointed at ``base_url`` and raw HTTP
clients behave as they would against api.telegram.org. It keeps the state a bot can observe (messages
per chat with their current text and keyboard, files, webhook, pending updates) and records every call
for assertions.

Deliberately free of aiogram imports: importing aiogram costs seconds and this module sits in hot test
setup paths.

The package, by module:

- ``wire``: the wire's constants, limits and error descriptions, ``_ApiError``/``_bad``, ``Upload``, ``Call``
  and the server's private records.
- ``formatting``: ``parse_mode=HTML`` into text and entities (``_TelegramHtml``, ``parse_html``,
  ``_format_text``), form-field coercion (``_coerce``) and ``attach://`` uploads.
- ``objects``: users, chats, media, ``command_entities``, ``_message`` and ``make_message_update``.
- ``updates``: the other ``make_*_update`` builders and update types.
- ``server``: ``FakeTelegram`` itself (constructor, lifecycle, reset, the aiohttp app and HTTP plumbing),
  combining the mixins ``controls`` (test-side controls and assertions), ``state`` (per-chat message
  state), ``api_messages`` (sends, edits, deletes, invoices, callback answers) and ``api_bot`` (inline,
  pre-checkout, refunds, commands, webhook, getFile, getUpdates).
"""

from __future__ import annotations

from sandbox.telegram.formatting import parse_html
from sandbox.telegram.objects import command_entities, make_message_update
from sandbox.telegram.server import FakeTelegram
from sandbox.telegram.updates import (
    make_callback_update,
    make_channel_post_update,
    make_edited_message_update,
    make_inline_query_update,
    make_my_chat_member_update,
    make_pre_checkout_update,
    make_stopped_generation_update,
    make_successful_payment_update,
)
from sandbox.telegram.wire import (
    BLOCKED,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_PHOTO_UPLOAD_SIZE,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_SIZE,
    NOT_MODIFIED,
    POLL_CONFLICT,
    SUBSCRIPTION_PERIOD,
    WEBHOOK_CONFLICT,
    Call,
    Upload,
)
from sandbox.telegram.wire import _bad as _bad  # tests build the API's errors with it

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
    "DEFAULT_BOT_NAME",
    "MAX_TEXT_LENGTH",
    "MAX_CAPTION_LENGTH",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CALLBACK_ANSWER_LENGTH",
    "MAX_DOWNLOAD_SIZE",
    "MAX_UPLOAD_SIZE",
    "MAX_PHOTO_UPLOAD_SIZE",
    "WEBHOOK_CONFLICT",
    "POLL_CONFLICT",
]
