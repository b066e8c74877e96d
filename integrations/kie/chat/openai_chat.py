"""OpenAI chat completions (`/gpt-5-2/v1/chat/completions`, `/gemini-*/v1/chat/completions`).

The path selects the model, so no `model` goes in the body. `stream` defaults to true on the Gemini
paths and is undocumented on GPT-5.2: it is always sent. Thinking text (`reasoning_content`) is never
shown; `usage` and `credits_consumed` may ride on the finish chunk or a later one (both are read).
"""

from __future__ import annotations

from typing import Any

from integrations.kie.chat.answer import Collected, dig, number
from integrations.kie.chat.types import ChatMessage, ChatRequest


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    if not message.image_urls:
        return message.text
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.text}] if message.text else []
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in message.image_urls]
    return parts


def build_body(request: ChatRequest) -> dict[str, Any]:
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages += [{"role": m.role, "content": _content(m)} for m in request.messages]
    body: dict[str, Any] = {"messages": messages, "stream": request.stream, "max_tokens": request.max_tokens}
    if request.send_model:
        body["model"] = request.model_id
    body.update(request.params)
    return body


def _usage(into: Collected, usage: Any) -> None:
    if isinstance(usage, dict):
        into.input_tokens = number(usage.get("prompt_tokens")) or into.input_tokens
        into.output_tokens = number(usage.get("completion_tokens")) or into.output_tokens
        into.cached_tokens = (
            number(dig(usage, "prompt_tokens_details", "cached_tokens")) or into.cached_tokens
        )


def on_chunk(into: Collected, event: str | None, data: dict[str, Any]) -> str | None:
    into.note_credits(data)
    _usage(into, data.get("usage"))
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    if choice.get("finish_reason"):
        into.finish_reason = str(choice["finish_reason"])
    return into.add_text(dig(choice, "delta", "content"))


def on_body(into: Collected, body: dict[str, Any]) -> None:
    into.note_credits(body)
    _usage(into, body.get("usage"))
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    into.finish_reason = choice.get("finish_reason")
    into.add_text(dig(choice, "message", "content"))


def has_payload(body: dict[str, Any]) -> bool:
    return isinstance(body.get("choices"), list)
