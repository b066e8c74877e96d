"""Collecting one answer from stream events or a whole body: text, usage, Kie's bill, finish reason.

Kie puts `credits_consumed` wherever it likes (the top of a body, the last chunk, beside `response`
in a Responses event), and usage keys vary by protocol and even by answer, so every reader is lenient:
missing or null fields count as absent, never as an error.
"""

from __future__ import annotations

from typing import Any

from flows.chat.pricing import TurnUsage
from integrations.kie.chat.types import ChatAnswer


def number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def dig(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


class Collected:
    """Mutable while one answer arrives; `answer()` freezes it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.input_tokens = 0
        self.cached_tokens = 0
        self.output_tokens = 0
        self.credits: float | None = None
        self.finish_reason: str | None = None

    def add_text(self, text: Any) -> str | None:
        if isinstance(text, str) and text:
            self.parts.append(text)
            return text
        return None

    def note_credits(self, obj: Any) -> None:
        for candidate in (dig(obj, "credits_consumed"), dig(obj, "response", "credits_consumed")):
            if isinstance(candidate, int | float) and not isinstance(candidate, bool):
                self.credits = float(candidate)

    def answer(self) -> ChatAnswer:
        usage = TurnUsage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cached_input_tokens=self.cached_tokens,
            credits=self.credits,
        )
        return ChatAnswer(text="".join(self.parts), usage=usage, finish_reason=self.finish_reason)
