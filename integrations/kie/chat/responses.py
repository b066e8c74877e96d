"""OpenAI responses (`/codex/v1/responses`, `/api/v1/responses`, …): the model in the body, `input` as
role/parts items, `stream` (default true) always sent, the system prompt as our own system item
(without one, /codex answers as Kie's injected "Codex" coding agent).

Stream events: response.output_text.delta (shown), response.completed (usage beside a top-level
`credits_consumed`), response.failed / error, then `data: [DONE]`; unknown events are ignored.
"""

from __future__ import annotations

from typing import Any

from integrations.kie.chat.answer import Collected, dig, number
from integrations.kie.chat.types import ChatMessage, ChatRequest
from integrations.kie.errors import KieError, error_for_code


def _item(message: ChatMessage) -> dict[str, Any]:
    if message.role == "assistant":
        return {"role": "assistant", "content": [{"type": "output_text", "text": message.text}]}
    parts: list[dict[str, Any]] = [{"type": "input_text", "text": message.text}] if message.text else []
    parts += [{"type": "input_image", "image_url": url} for url in message.image_urls]
    return {"role": "user", "content": parts}


def build_body(request: ChatRequest) -> dict[str, Any]:
    items = (
        [{"role": "system", "content": [{"type": "input_text", "text": request.system}]}]
        if request.system
        else []
    )
    items += [_item(m) for m in request.messages]
    body: dict[str, Any] = {
        "model": request.model_id,
        "input": items,
        "stream": request.stream,
        "max_output_tokens": request.max_tokens,
    }
    params = dict(request.params)
    effort = params.pop("reasoning_effort", None)
    if effort is not None:
        body["reasoning"] = {"effort": effort}
    body.update(params)
    return body


def _usage(into: Collected, usage: Any) -> None:
    if isinstance(usage, dict):
        into.input_tokens = number(usage.get("input_tokens")) or into.input_tokens
        into.output_tokens = number(usage.get("output_tokens")) or into.output_tokens
        into.cached_tokens = number(dig(usage, "input_tokens_details", "cached_tokens")) or into.cached_tokens


def _error(data: dict[str, Any]) -> KieError:
    message = (
        dig(data, "response", "error", "message") or dig(data, "error", "message") or data.get("message")
    )
    code = dig(data, "response", "error", "code") or data.get("code")
    return error_for_code(code if isinstance(code, int) else 500, str(message or "response failed"))


def on_chunk(into: Collected, event: str | None, data: dict[str, Any]) -> str | None:
    into.note_credits(data)
    kind = data.get("type") or event
    if kind == "response.output_text.delta":
        return into.add_text(data.get("delta"))
    if kind in ("response.completed", "response.incomplete"):
        _usage(into, dig(data, "response", "usage"))
        reason = dig(data, "response", "incomplete_details", "reason")
        into.finish_reason = (
            str(reason) if reason else ("incomplete" if kind == "response.incomplete" else "stop")
        )
    elif kind in ("response.failed", "error"):
        raise _error(data)
    return None


def on_body(into: Collected, body: dict[str, Any]) -> None:
    into.note_credits(body)
    _usage(into, body.get("usage"))
    into.finish_reason = "stop" if body.get("status") == "completed" else body.get("status")
    for item in body.get("output") or ():
        if isinstance(item, dict) and item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, dict) and part.get("type") == "output_text":
                    into.add_text(part.get("text"))


def has_payload(body: dict[str, Any]) -> bool:
    return isinstance(body.get("output"), list)
