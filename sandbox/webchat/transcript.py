"""The web chat's transcript on disk, so a second `trt demo` shows the chats where the first one left
them (the bot's own state is in its database, which the demo keeps too).

Saved when the demo stops, loaded when it starts: the messages of every chat as the page showed them,
the message id counters (so the bot's stored message ids keep pointing at the same messages), the
unpaid invoices, and the files, each in its own blob next to `chat.json`.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from sandbox.webchat.emulator import LiveTelegram, _Invoice

log = logging.getLogger(__name__)

VERSION = 1


def save(tg: LiveTelegram, folder: Path) -> None:
    blobs = folder / "files"
    if blobs.exists():
        shutil.rmtree(blobs)
    blobs.mkdir(parents=True)
    files = []
    for number, stored in enumerate(tg.files.values()):
        blob = f"{number:06d}.bin"
        (blobs / blob).write_bytes(stored.data)
        files.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_path": stored.file_path,
                "file_size": stored.file_size,
                "blob": blob,
            }
        )
    state = {
        "version": VERSION,
        "messages": {str(chat): list(messages.values()) for chat, messages in tg.messages.items()},
        "next_message_id": {str(chat): value for chat, value in tg._next_message_id.items()},
        "invoices": [
            [chat, message_id, vars(invoice)] for (chat, message_id), invoice in tg.invoices.items()
        ],
        "files": files,
    }
    target = folder / "chat.json"
    partial = folder / "chat.json.partial"
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    partial.replace(target)  # a demo killed mid-save keeps the previous transcript


def load(tg: LiveTelegram, folder: Path) -> int:
    """Restore a saved transcript into a fresh emulator; returns how many messages came back."""
    target = folder / "chat.json"
    if not target.exists():
        return 0
    try:
        state = json.loads(target.read_text(encoding="utf-8"))
        if state.get("version") != VERSION:
            raise ValueError(f"transcript version {state.get('version')}")
        for entry in state["files"]:
            data = (folder / "files" / entry["blob"]).read_bytes()
            tg.add_file(
                entry["file_id"],
                data,
                entry["file_path"],
                file_unique_id=entry["file_unique_id"],
                file_size=entry["file_size"],
            )
        count = 0
        for chat, messages in state["messages"].items():
            for message in messages:
                tg.messages.setdefault(_chat_key(chat), {})[message["message_id"]] = message
                count += 1
        for chat, value in state["next_message_id"].items():
            tg._next_message_id[_chat_key(chat)] = value
        for chat, message_id, invoice in state["invoices"]:
            tg.invoices[(chat, message_id)] = _Invoice(**invoice)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning(
            "the saved chat transcript in %s could not be read (%s); starting with empty chats", folder, exc
        )
        tg.reset()
        tg.invoices.clear()
        return 0
    return count


def _chat_key(chat: str) -> int | str:
    return int(chat) if chat.lstrip("-").isdigit() else chat
