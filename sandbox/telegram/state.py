"""The messages ``FakeTelegram`` keeps per chat: storing, finding, checking markup, applying text and
captions, files and media objects, sending and editing; and ``_guess_mime``.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any

from sandbox.telegram.formatting import _format_text
from sandbox.telegram.objects import _chat, _photo_sizes
from sandbox.telegram.wire import (
    _CONTENT_FIELDS,
    _FILE_ID_PREFIX,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_PHOTO_UPLOAD_SIZE,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_SIZE,
    NOT_MODIFIED,
    Upload,
    _ApiError,
    _bad,
)


class _MessageState:
    """Message state of ``FakeTelegram``."""

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
