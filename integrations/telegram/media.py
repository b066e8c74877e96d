"""Sending generated results to Telegram: native media by URL or by upload, albums, long texts.

Telegram's file limits decide the route of each result (see ../shared/telegram.md):
  by URL (Telegram downloads it)   photos ≤ 5 MB, other files ≤ 20 MB
  upload (we download, then post)  photos ≤ 10 MB (bigger photos go as documents), other ≤ 50 MB
  anything bigger                  a link (the caller tells the user it expires)
The size comes from one GET whose body is read only when we upload it: that single request also
proves the URL is alive (an expired Kie link answers 404) and works where HEAD is refused.

When Telegram rejects a URL (it could not fetch it, wrong type…) the result is uploaded instead, then
sent as a document, and only then linked: a result is never silently dropped.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
import msgspec
from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

from integrations.net import Origins, get_public
from integrations.telegram.errors import RejectedByTelegram
from integrations.telegram.renderer import NotModified, call

log = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_TEXT = 4096
MAX_ALBUM = 10

TelegramKind = Literal["photo", "video", "audio", "animation", "document"]
ResultKind = Literal["image", "video", "audio", "text"]
ChatAction = Literal["upload_photo", "upload_video", "upload_voice", "upload_document", "typing"]

_KIND_FOR_RESULT: dict[str, TelegramKind] = {"image": "photo", "video": "video", "audio": "audio"}
ACTION_FOR_RESULT: dict[str, ChatAction] = {
    "image": "upload_photo",
    "video": "upload_video",
    "audio": "upload_voice",
    "text": "typing",
}
# Kinds that may share one album (Telegram: audio only with audio, documents only with documents).
_ALBUM_FAMILY: dict[str, str] = {
    "photo": "visual",
    "video": "visual",
    "audio": "audio",
    "document": "document",
}
_DEFAULT_NAME = {
    "photo": "image.jpg",
    "video": "video.mp4",
    "audio": "audio.mp3",
    "animation": "animation.gif",
}

DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=300, connect=10, sock_read=60)


class Limits(msgspec.Struct, frozen=True):
    photo_by_url: int = 5 * MB
    other_by_url: int = 20 * MB
    photo_upload: int = 10 * MB
    other_upload: int = 50 * MB

    def by_url(self, kind: str) -> int:
        return self.photo_by_url if kind == "photo" else self.other_by_url

    def upload(self, kind: str) -> int:
        return self.photo_upload if kind == "photo" else self.other_upload


class SentMedia(msgspec.Struct):
    """What reached the user: Telegram file_ids and message ids, plus the results that could only be
    linked (too big) or not fetched at all (expired, unreachable)."""

    file_ids: list[str] = msgspec.field(default_factory=list)
    message_ids: list[int] = msgspec.field(default_factory=list)
    too_big: list[str] = msgspec.field(default_factory=list)
    unreachable: list[str] = msgspec.field(default_factory=list)


class _Item(msgspec.Struct):
    url: str
    kind: TelegramKind
    # "url": Telegram fetches it; "upload": we post `data`.
    route: Literal["url", "upload"]
    data: bytes | None = None
    name: str = "file"


class _Unreachable(Exception):
    pass


class _TooBig(Exception):
    pass


# --- text ------------------------------------------------------------------------------------------


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split plain text into HTML-escaped messages of at most `limit` visible characters.

    Cuts at a paragraph break, else a line break, else a space, else hard; escaping each piece after
    cutting means no cut can fall inside an entity such as `&amp;`. Telegram counts UTF-16 units.
    """
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if _utf16(rest) <= limit:
            chunks.append(rest)
            break
        window = _prefix_within(rest, limit)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator)
            if position > len(window) // 4:
                cut = position
                break
        if cut <= 0:
            cut = len(window)
        piece = rest[:cut].rstrip()
        if piece:
            chunks.append(piece)
        rest = rest[cut:].lstrip()
    return [html.escape(chunk, quote=False) for chunk in chunks]


def _prefix_within(text: str, limit: int) -> str:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


# --- media ------------------------------------------------------------------------------------------


def telegram_kind(result_kind: str, url: str, content_type: str | None = None) -> TelegramKind:
    path = urlsplit(url).path.lower()
    if path.endswith(".gif") or (content_type or "").startswith("image/gif"):
        return "animation"
    return _KIND_FOR_RESULT.get(result_kind, "document")


def file_id_of(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id
    for media in (message.video, message.animation, message.audio, message.voice, message.document):
        if media is not None:
            return media.file_id
    return None


class MediaSender:
    def __init__(
        self,
        bot: Bot,
        http: aiohttp.ClientSession,
        *,
        limits: Limits | None = None,
        download_timeout: aiohttp.ClientTimeout = DOWNLOAD_TIMEOUT,
        trusted_origins: Origins = frozenset(),
    ) -> None:
        self.bot = bot
        # Results are fetched through `http`, which must be a public_session(): its resolver refuses
        # private addresses, and get_public checks every redirect hop.
        self.http = http
        self.trusted = trusted_origins
        self.limits = limits or Limits()
        self.download_timeout = download_timeout

    # --- public ------------------------------------------------------------------------------------

    async def send_text(self, chat_id: int, text: str) -> list[int]:
        ids = []
        for chunk in split_text(text):
            message = await call(lambda c=chunk: self.bot.send_message(chat_id, c), what="sendMessage")
            ids.append(message.message_id)
        return ids

    async def send_results(self, chat_id: int, result_kind: str, urls: Sequence[str]) -> SentMedia:
        sent = SentMedia()
        items: list[_Item] = []
        for url in urls:
            try:
                items.append(await self._plan(url, result_kind))
            except _TooBig:
                sent.too_big.append(url)
            except _Unreachable as exc:
                log.warning("result %s unreachable: %s", _host(url), exc)
                sent.unreachable.append(url)
        for group in _albums(items, self.limits):
            if len(group) == 1:
                await self._send_one(chat_id, group[0], sent)
            else:
                await self._send_album(chat_id, group, sent)
        return sent

    async def chat_action(self, chat_id: int, action: ChatAction) -> None:
        await call(lambda: self.bot.send_chat_action(chat_id, action), what="sendChatAction")

    async def delete(self, chat_id: int, message_id: int) -> None:
        await call(lambda: self.bot.delete_message(chat_id, message_id), what="deleteMessage")

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await call(
                lambda: self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id),
                what="editMessageText",
            )
        except NotModified:
            pass

    # --- planning ----------------------------------------------------------------------------------

    async def _plan(self, url: str, result_kind: str) -> _Item:
        try:
            async with get_public(
                self.http, url, trusted=self.trusted, timeout=self.download_timeout
            ) as response:
                if response.status != 200:
                    raise _Unreachable(f"HTTP {response.status}")
                content_type = response.headers.get("Content-Type")
                kind = telegram_kind(result_kind, url, content_type)
                size = response.content_length
                name = _file_name(url, kind)
                if size is not None and size <= self.limits.by_url(kind) and kind != "document":
                    # Telegram fetches it itself; our connection closes without reading the body.
                    return _Item(url, kind, "url", name=name)
                cap = self.limits.upload("document" if kind == "photo" else kind)
                if size is not None and size > cap:
                    raise _TooBig
                data = await _read_capped(response, cap)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Unreachable(type(exc).__name__) from None
        if data is None:
            raise _TooBig
        if kind == "photo" and len(data) > self.limits.photo_upload:
            kind = "document"
        return _Item(url, kind, "upload", data=data, name=name)

    async def _download(self, item: _Item) -> _Item:
        """The bytes of an item Telegram could not fetch by URL (for a second try by upload)."""
        try:
            async with get_public(
                self.http, item.url, trusted=self.trusted, timeout=self.download_timeout
            ) as response:
                if response.status != 200:
                    raise _Unreachable(f"HTTP {response.status}")
                data = await _read_capped(response, self.limits.other_upload)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Unreachable(type(exc).__name__) from None
        if data is None:
            raise _TooBig
        kind = item.kind
        if kind == "photo" and len(data) > self.limits.photo_upload:
            kind = "document"
        return _Item(item.url, kind, "upload", data=data, name=item.name)

    # --- sending -----------------------------------------------------------------------------------

    async def _send_album(self, chat_id: int, group: list[_Item], sent: SentMedia) -> None:
        media = [_input_media(item) for item in group]
        try:
            messages = await call(
                lambda: self.bot.send_media_group(chat_id, media=media), what="sendMediaGroup"
            )
        except RejectedByTelegram as exc:
            log.info("album of %d refused (%s); sending one by one", len(group), exc)
            for item in group:
                await self._send_one(chat_id, item, sent)
            return
        for message in messages:
            _record(sent, message)

    async def _send_one(self, chat_id: int, item: _Item, sent: SentMedia) -> None:
        attempts: list[_Item] = [item]
        while attempts:
            current = attempts.pop(0)
            try:
                message = await self._send_single(chat_id, current)
            except RejectedByTelegram as exc:
                log.info("%s by %s refused: %s", current.kind, current.route, exc)
                fallback = await self._fallback(current, sent)
                if fallback is not None:
                    attempts.append(fallback)
                continue
            _record(sent, message)
            return

    async def _fallback(self, item: _Item, sent: SentMedia) -> _Item | None:
        if item.route == "url":
            try:
                return await self._download(item)
            except _TooBig:
                sent.too_big.append(item.url)
            except _Unreachable:
                sent.unreachable.append(item.url)
            return None
        if item.kind != "document" and item.data is not None and len(item.data) <= self.limits.other_upload:
            return _Item(item.url, "document", "upload", data=item.data, name=item.name)
        sent.too_big.append(item.url)
        return None

    async def _send_single(self, chat_id: int, item: _Item) -> Message:
        source: Any = item.url if item.route == "url" else BufferedInputFile(item.data or b"", item.name)
        senders: dict[str, Callable[[], Awaitable[Message]]] = {
            "photo": lambda: self.bot.send_photo(chat_id, source),
            "video": lambda: self.bot.send_video(chat_id, source),
            "audio": lambda: self.bot.send_audio(chat_id, source),
            "animation": lambda: self.bot.send_animation(chat_id, source),
            "document": lambda: self.bot.send_document(chat_id, source),
        }
        return await call(senders[item.kind], what=f"send{item.kind.capitalize()}")


def _record(sent: SentMedia, message: Message) -> None:
    sent.message_ids.append(message.message_id)
    file_id = file_id_of(message)
    if file_id:
        sent.file_ids.append(file_id)


def _albums(items: list[_Item], limits: Limits) -> list[list[_Item]]:
    """Consecutive items of one album family in groups of at most 10; animations always alone."""
    groups: list[list[_Item]] = []
    current: list[_Item] = []
    family = None
    for item in items:
        item_family = _ALBUM_FAMILY.get(item.kind)
        if item_family is None or item_family != family or len(current) == MAX_ALBUM:
            if current:
                groups.append(current)
            current = []
            family = item_family
        current.append(item)
        if item_family is None:
            groups.append(current)
            current = []
            family = None
    if current:
        groups.append(current)
    return groups


def _input_media(item: _Item) -> Any:
    source: Any = item.url if item.route == "url" else BufferedInputFile(item.data or b"", item.name)
    types = {
        "photo": InputMediaPhoto,
        "video": InputMediaVideo,
        "audio": InputMediaAudio,
        "document": InputMediaDocument,
    }
    return types[item.kind](media=source)


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes | None:
    """The body, or None as soon as it grows past `cap` (the server's Content-Length may be absent)."""
    parts: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_chunked(256 * 1024):
        total += len(chunk)
        if total > cap:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _file_name(url: str, kind: str) -> str:
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    if not name or "." not in name:
        return _DEFAULT_NAME.get(kind, "result.bin")
    return name[-64:]


def _host(url: str) -> str:
    return urlsplit(url).netloc or "?"
