"""Anthropic messages (`/claude/v1/messages`): the model in the body, the system prompt at the top,
`max_tokens` (Kie's default 4096) and `stream` (default true) always sent.

Stream events: message_start (input and cache tokens), content_block_delta (text_delta is shown,
thinking and signature deltas are not), message_delta (stop reason, output tokens), message_stop,
error. Claude streams are often batched by Kie: minutes of silence, then everything at once.
"""

from __future__ import annotations

from typing import Any

from integrations.kie.chat.answer import Collected, dig, number
from integrations.kie.chat.types import ChatMessage, ChatRequest
from integrations.kie.errors import KieError, error_for_code

# Anthropic's error types, as the Kie code they mean (one map: integrations/kie/errors.py).
ERROR_CODES = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    if not message.image_urls:
        return message.text
    parts: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "url", "url": url}} for url in message.image_urls
    ]
    return parts + ([{"type": "text", "text": message.text}] if message.text else [])


def build_body(request: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model_id,
        "messages": [{"role": m.role, "content": _content(m)} for m in request.messages],
        "max_tokens": request.max_tokens,
        "stream": request.stream,
    }
    if request.system:
        body["system"] = request.system
    body.update(request.params)
    return body


def _usage(into: Collected, usage: Any) -> None:
    if not isinstance(usage, dict):
        return
    cached = number(usage.get("cache_read_input_tokens"))
    fresh = number(usage.get("input_tokens"))
    if fresh or cached:
        into.input_tokens, into.cached_tokens = fresh + cached, cached
    into.output_tokens = number(usage.get("output_tokens")) or into.output_tokens


def error_of(data: dict[str, Any]) -> KieError:
    kind = str(dig(data, "error", "type") or "api_error")
    message = str(dig(data, "error", "message") or kind)
    return error_for_code(ERROR_CODES.get(kind, 500), message)


def on_chunk(into: Collected, event: str | None, data: dict[str, Any]) -> str | None:
    into.note_credits(data)
    kind = data.get("type") or event
    if kind == "error":
        raise error_of(data)
    if kind == "message_start":
        _usage(into, dig(data, "message", "usage"))
    elif kind == "message_delta":
        _usage(into, data.get("usage"))
        into.finish_reason = dig(data, "delta", "stop_reason") or into.finish_reason
    elif kind == "content_block_delta" and dig(data, "delta", "type") == "text_delta":
        return into.add_text(dig(data, "delta", "text"))
    return None


def on_body(into: Collected, body: dict[str, Any]) -> None:
    into.note_credits(body)
    _usage(into, body.get("usage"))
    into.finish_reason = body.get("stop_reason")
    for block in body.get("content") or ():
        if isinstance(block, dict) and block.get("type") == "text":
            into.add_text(block.get("text"))


def has_payload(body: dict[str, Any]) -> bool:
    return body.get("type") == "message" or isinstance(body.get("content"), list)
