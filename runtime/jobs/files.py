"""User files for Kie: "tgfile:<file_id>" values → getFile → download from Telegram → Kie upload → URL.

The download URL holds the bot token, so it exists only inside `_download`: it is never logged, never
put in an exception (aiohttp's errors carry the URL, so they are replaced, not chained) and never sent
to Kie — Kie receives the bytes and gives back its own URL.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiogram import Bot

from flows.files import FileRef, telegram_file_id
from integrations.telegram.errors import RejectedByTelegram, TransientSendError
from integrations.telegram.renderer import call
from runtime.jobs.errors import InputFileTransient, InputFileUnavailable

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=300, connect=10, sock_read=60)
_KIND_MIME = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg"}

Upload = Callable[[bytes, str, str], Awaitable[str]]


class TelegramFiles:
    def __init__(self, bot: Bot, http: aiohttp.ClientSession, api_base: str, token: str) -> None:
        self.bot = bot
        self.http = http
        self._api_base = api_base.rstrip("/")
        self.__token = token

    async def fetch(self, file_id: str) -> tuple[bytes, str]:
        """The file's bytes and its Telegram file_path (for the extension)."""
        try:
            file = await call(lambda: self.bot.get_file(file_id), what="getFile")
        except RejectedByTelegram as exc:
            # "file is too big" (over 20 MB) or "invalid file_id": only another file helps.
            raise InputFileUnavailable(f"getFile refused: {_reason(exc)}") from None
        except TransientSendError as exc:
            raise InputFileTransient(f"getFile failed: {exc}") from None
        if not file.file_path:
            raise InputFileUnavailable("getFile gave no file_path")
        if file.file_size is not None and file.file_size > MAX_DOWNLOAD:
            raise InputFileUnavailable(f"file of {file.file_size} bytes is over the Bot API download limit")
        return await self._download(file.file_path), file.file_path

    async def _download(self, file_path: str) -> bytes:
        url = f"{self._api_base}/file/bot{self.__token}/{file_path}"
        try:
            async with self.http.get(url, timeout=DOWNLOAD_TIMEOUT) as response:
                if response.status in (400, 404):
                    raise InputFileUnavailable(f"Telegram file download answered {response.status}")
                if response.status != 200:
                    raise InputFileTransient(f"Telegram file download answered {response.status}")
                parts: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_chunked(256 * 1024):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD:
                        raise InputFileUnavailable("file is over the Bot API download limit")
                    parts.append(chunk)
                data = b"".join(parts)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise InputFileTransient(f"Telegram file download failed: {type(exc).__name__}") from None
        return data


def _reason(exc: Exception) -> str:
    return str(exc).split(": ", 1)[-1]


def fetch_once(
    fetch: Callable[[str], Awaitable[tuple[bytes, str]]],
) -> Callable[[str], Awaitable[tuple[bytes, str]]]:
    """`fetch` that downloads each file once per submit step: the length check and the upload share
    the bytes."""
    kept: dict[str, tuple[bytes, str]] = {}

    async def fetch_kept(file_id: str) -> tuple[bytes, str]:
        if file_id not in kept:
            kept[file_id] = await fetch(file_id)
        return kept[file_id]

    return fetch_kept


def has_telegram_files(value: Any) -> bool:
    if isinstance(value, dict):
        return any(has_telegram_files(v) for v in value.values())
    if isinstance(value, list):
        return any(has_telegram_files(v) for v in value)
    return telegram_file_id(value) is not None


async def resolve_files(
    value: Any,
    files: dict[str, FileRef],
    fetch: Callable[[str], Awaitable[tuple[bytes, str]]],
    upload: Upload,
    name_prefix: str,
) -> Any:
    """`value` with every "tgfile:<id>" replaced by the URL of its copy on Kie (same id: one upload)."""
    uploaded: dict[str, str] = {}

    async def resolve(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: await resolve(v) for key, v in item.items()}
        if isinstance(item, list):
            return [await resolve(v) for v in item]
        file_id = telegram_file_id(item)
        if file_id is None:
            return item
        if file_id not in uploaded:
            data, file_path = await fetch(file_id)
            ref = files.get(file_id)
            mime = (
                (ref.mime_type if ref is not None else None)
                or mimetypes.guess_type(file_path)[0]
                or _KIND_MIME.get(ref.kind if ref is not None else "", "application/octet-stream")
            )
            extension = file_path.rsplit(".", 1)[-1] if "." in file_path.rsplit("/", 1)[-1] else "bin"
            name = f"{name_prefix}-{len(uploaded) + 1}.{extension}"
            uploaded[file_id] = await upload(data, name, mime)
            log.info("%s: input file %d uploaded to Kie (%d bytes)", name_prefix, len(uploaded), len(data))
        return uploaded[file_id]

    return await resolve(value)
