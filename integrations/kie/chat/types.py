"""What goes to a chat endpoint and what comes back, independent of the wire protocol."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from flows.catalog.text import ChatProtocol
from flows.chat.pricing import TurnUsage


class ChatMessage(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: Literal["user", "assistant"]
    text: str
    # Public URLs (Kie's file upload), never Telegram's: those carry the bot token.
    image_urls: tuple[str, ...] = ()


class ChatRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    model_id: str
    protocol: ChatProtocol
    endpoint: str
    send_model: bool
    system: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int
    # The model's dialog parameters (reasoning_effort, include_thoughts, thinkingFlag…), sent as given.
    params: dict[str, Any] = {}
    stream: bool = True


class TextDelta(msgspec.Struct, frozen=True):
    """A piece of the answer's visible text, as it streams."""

    text: str


class ChatAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """The finished answer: always the last item of a stream."""

    text: str
    usage: TurnUsage
    finish_reason: str | None = None  # stop / length / max_tokens / end_turn …

    @property
    def cut_short(self) -> bool:
        return self.finish_reason in ("length", "max_tokens", "max_output_tokens", "incomplete")
