"""The Bot API's objects as Telegram sends them: users, chats, media, command entities and messages
(``_user``, ``_chat``, ``_message``, ``command_entities``) and ``make_message_update``.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.telegram.formatting import _utf16_len
from sandbox.telegram.wire import (
    _COMMAND_RE,
    _FILE_ID_PREFIX,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
)

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
