"""A fake of Kie's synchronous chat endpoints, following ../shared/kie/chat.md §10 (vendored here).

Mountable anywhere: `add_chat_routes(app, state)` mounts the routes on any aiohttp app (the fake Kie
mounts them on its own server — `FakeKie.chat` is their state — so the bot meets one emulator on
KIE_API_BASE, as it meets one Kie; a bench server), `start_chat_server(state)` runs them alone. Like
the fake Kie it does not import integrations/kie: a fake reusing the code under test cannot catch its
mistakes.

Wire behaviour (chat.md §2–§8):
- Routes: `POST /{gpt-5-2|gemini-*}/v1/chat/completions` (OpenAI chat, the path selects the model),
  `POST /claude/v1/messages` and `/anthropic/v1/messages` (Anthropic), `GET /anthropic/v1/models`,
  `POST /codex/v1/responses`, `/api/v1/responses`, `/grok/v1/responses`, `/openai/v1/responses`
  (OpenAI responses), `POST /gemini/v1/models/{id}:streamGenerateContent`, `GET /api/v1/chat/credit`.
- Errors are HTTP 200 with `{"code": N, "msg": …}`, also for `stream: true` (no SSE then): a missing
  or wrong Bearer → 401; unknown path → 404 "The page does not exist"; unknown Claude/Responses model
  → 422 "The model is not supported"; balance at or below zero → 402.
- `stream` omitted means a stream, except on gpt-5-2 (a JSON body). Streams end like the real ones:
  OpenAI chat `data:` chunks then `data: [DONE]`; Anthropic named events; Responses `response.*`
  events, `response.completed` with a top-level `credits_consumed`, then `data: [DONE]`.
- Every success carries `credits_consumed` = round2(in·in_cr/1e6 + out·out_cr/1e6), at least 0.01,
  debited from `state.balance`. Tokens: the prompt is len(text)//4 + 1 per message (plus 80 hidden
  tokens on gpt-5-2, as Kie injects a prompt there); each streamed word of the answer is one token.
- `max_tokens` / `max_output_tokens` cut the answer (finish `length` / `max_tokens` / `incomplete`).

Knobs on `KieChatState`: `queue_answer(text)`, `answer_for` (a function of the user's text),
`fail_next(code=…, mode=…)` with modes `envelope` (HTTP 200 + code), `provider` (a real HTTP status
and `{"error": …}`), `html` (a gateway page), `hang` (no answer at all), `drop` (the stream breaks
after `after` words), `empty` (a success without text), `no_credits` (no credits_consumed);
`first_token_delay`, `token_delay`, `batched` (Claude style: silence, then every word at once),
`bill` (a fixed credits_consumed).
Records: `calls` (path, model, body, auth ok), `closed_early` (streams the client hung up on).

This module holds the routes, the standalone server and the handlers of each protocol (`_FakeChat`);
the state, constants, turns and the handling they share are in chat_state.py.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from aiohttp import web

from sandbox.kie.chat_state import (
    AUTH_MESSAGE,
    CLAUDE,
    CODEX_PATHS,
    PRICES,
    KieChatState,
    _Common,
    _envelope,
    _Turn,
)


def add_chat_routes(app: web.Application, state: KieChatState) -> None:
    fake = _FakeChat(state)
    app.router.add_post("/claude/v1/messages", fake.anthropic)
    app.router.add_post("/anthropic/v1/messages", fake.anthropic)
    app.router.add_get("/anthropic/v1/models", fake.anthropic_models)
    for prefix in ("codex", "api", "grok", "openai", "xai"):
        app.router.add_post(f"/{prefix}/v1/responses", fake.responses)
    app.router.add_post("/gemini/v1/models/{spec}", fake.gemini_native)
    app.router.add_post("/{model}/v1/chat/completions", fake.openai_chat)
    if state.credit_route:
        app.router.add_get("/api/v1/chat/credit", fake.credit)


async def start_chat_server(state: KieChatState, host: str = "127.0.0.1") -> tuple[web.AppRunner, str]:
    app = web.Application()
    add_chat_routes(app, state)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://{host}:{port}"


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class _FakeChat(_Common):
    def __init__(self, state: KieChatState) -> None:
        self.state = state
        self._ids = itertools.count(1)

    # --- OpenAI chat completions ----------------------------------------------------------------

    async def openai_chat(self, request: web.Request) -> web.StreamResponse:
        model = request.match_info["model"]
        if model not in PRICES or model in CLAUDE:
            return _envelope(404)
        begun = await self._begin(request, model)
        if isinstance(begun, web.StreamResponse):
            return begun
        body, fault = begun
        messages = [_text_of(m.get("content")) for m in body.get("messages", []) if isinstance(m, dict)]
        turn = _Turn(self.state, model, messages, body.get("max_tokens"), 80 if model == "gpt-5-2" else 0)
        stream = body.get("stream", model != "gpt-5-2")
        chat_id = f"chatcmpl-{next(self._ids)}"
        finish = "length" if turn.cut else "stop"
        usage = {
            "prompt_tokens": turn.prompt_tokens,
            "completion_tokens": len(turn.words),
            "total_tokens": turn.prompt_tokens + len(turn.words),
        }
        if not stream:
            text = "" if fault is not None and fault.mode == "empty" else turn.text
            message = {"role": "assistant", "content": text}
            answer = {
                "id": chat_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            }
            credits = self._settle(turn, fault)
            if credits is not None:
                answer["credits_consumed"] = credits
            return web.json_response(answer)

        def events(kind: str, payload: Any) -> list[bytes]:
            base = {"id": chat_id, "object": "chat.completion.chunk", "created": 1768283309, "model": model}
            if kind == "start":
                return [
                    _data(
                        {
                            **base,
                            "choices": [
                                {
                                    "index": 0,
                                    "delta": {"role": "assistant", "content": ""},
                                    "finish_reason": None,
                                }
                            ],
                        }
                    )
                ]
            if kind == "word":
                return [
                    _data(
                        {
                            **base,
                            "choices": [{"index": 0, "delta": {"content": payload}, "finish_reason": None}],
                        }
                    )
                ]
            last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": usage}
            if payload is not None:
                last["credits_consumed"] = payload
            return [_data(last), b"data: [DONE]\n\n"]

        return await self._stream(request, turn, fault, events)

    # --- Anthropic messages ---------------------------------------------------------------------

    async def anthropic_models(self, request: web.Request) -> web.Response:
        data = [
            {
                "type": "model",
                "id": m,
                "display_name": m,
                "created_at": "1970-01-01T00:00:00Z",
                "max_input_tokens": 200000 if "haiku" in m else 1000000,
                "max_tokens": 64000 if "haiku" in m else 128000,
            }
            for m in sorted(CLAUDE)
        ]
        return web.json_response(
            {"data": data, "first_id": data[0]["id"], "has_more": False, "last_id": data[-1]["id"]}
        )

    async def anthropic(self, request: web.Request) -> web.StreamResponse:
        begun = await self._begin(request, None)
        if isinstance(begun, web.StreamResponse):
            return begun
        body, fault = begun
        model = str(body["model"])
        if model not in CLAUDE:
            return _envelope(422)
        messages = [_text_of(m.get("content")) for m in body.get("messages", [])]
        if body.get("system"):
            messages.insert(0, _text_of(body["system"]))
        turn = _Turn(self.state, model, messages, body.get("max_tokens", 4096), 0)
        msg_id = f"msg_{next(self._ids):08x}"
        stop = "max_tokens" if turn.cut else "end_turn"
        if not body.get("stream", True):
            text = "" if fault is not None and fault.mode == "empty" else turn.text
            answer = {
                "role": "assistant",
                "type": "message",
                "id": msg_id,
                "model": model,
                "stop_reason": stop,
                "usage": {"input_tokens": turn.prompt_tokens, "output_tokens": len(turn.words)},
                "content": [{"type": "text", "text": text}],
            }
            credits = self._settle(turn, fault)
            if credits is not None:
                answer["credits_consumed"] = credits
            return web.json_response(answer)

        def events(kind: str, payload: Any) -> list[bytes]:
            if kind == "start":
                start = {
                    "type": "message_start",
                    "message": {
                        "id": msg_id,
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "usage": {
                            "input_tokens": turn.prompt_tokens,
                            "cache_read_input_tokens": 0,
                            "output_tokens": 1,
                        },
                    },
                }
                block = {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                }
                return [
                    _event("message_start", start),
                    _event("ping", {"type": "ping"}),
                    _event("content_block_start", block),
                ]
            if kind == "word":
                return [
                    _event(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": 0,
                            "delta": {"type": "text_delta", "text": payload},
                        },
                    )
                ]
            delta = {
                "type": "message_delta",
                "delta": {"stop_reason": stop},
                "usage": {"output_tokens": len(turn.words)},
            }
            if payload is not None:
                delta["credits_consumed"] = payload
            return [
                _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
                _event("message_delta", delta),
                _event("message_stop", {"type": "message_stop"}),
            ]

        return await self._stream(request, turn, fault, events)

    # --- OpenAI responses -----------------------------------------------------------------------

    async def responses(self, request: web.Request) -> web.StreamResponse:
        begun = await self._begin(request, None)
        if isinstance(begun, web.StreamResponse):
            return begun
        body, fault = begun
        model = str(body["model"])
        allowed = CODEX_PATHS.get(request.path)
        if model in CLAUDE or (allowed is not None and model not in allowed):
            return _envelope(422)
        items = body.get("input")
        messages = (
            [items]
            if isinstance(items, str)
            else [_text_of(i.get("content")) for i in items or [] if isinstance(i, dict)]
        )
        turn = _Turn(self.state, model, messages, body.get("max_output_tokens"), 0)
        usage = {
            "input_tokens": turn.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": len(turn.words),
            "total_tokens": turn.prompt_tokens + len(turn.words),
        }
        status = "incomplete" if turn.cut else "completed"
        if not body.get("stream", True):
            text = "" if fault is not None and fault.mode == "empty" else turn.text
            answer = {
                "object": "response",
                "model": model,
                "status": status,
                "usage": usage,
                "output": [
                    {"type": "reasoning", "id": "rs_1", "summary": []},
                    {
                        "type": "message",
                        "role": "assistant",
                        "id": "msg_1",
                        "status": status,
                        "content": [{"type": "output_text", "text": text}],
                    },
                ],
            }
            credits = self._settle(turn, fault)
            if credits is not None:
                answer["credits_consumed"] = credits
            return web.json_response(answer)
        sequence = itertools.count(1)

        def events(kind: str, payload: Any) -> list[bytes]:
            if kind == "start":
                return [
                    _event(
                        "response.created",
                        {
                            "type": "response.created",
                            "sequence_number": next(sequence),
                            "response": {"status": "in_progress"},
                        },
                    )
                ]
            if kind == "word":
                return [
                    _event(
                        "response.output_text.delta",
                        {
                            "content_index": 0,
                            "delta": payload,
                            "item_id": "msg_1",
                            "output_index": 1,
                            "sequence_number": next(sequence),
                            "type": "response.output_text.delta",
                        },
                    )
                ]
            response: dict[str, Any] = {"status": status, "usage": usage}
            if turn.cut:
                response["incomplete_details"] = {"reason": "max_output_tokens"}
            kind_name = "response.incomplete" if turn.cut else "response.completed"
            done: dict[str, Any] = {"response": response, "type": kind_name}
            if payload is not None:
                done["credits_consumed"] = payload
            return [_event(kind_name, done), b"data: [DONE]\n\n"]

        return await self._stream(request, turn, fault, events)

    # --- Gemini native (not used by TRT; here because §10 lists it) ------------------------------

    async def gemini_native(self, request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["spec"].partition(":")
        if method != "streamGenerateContent" or model not in PRICES:
            return _envelope(404)
        begun = await self._begin(request, model)
        if isinstance(begun, web.StreamResponse):
            return begun
        body, fault = begun
        texts = [
            " ".join(str(p.get("text", "")) for p in c.get("parts", [])) for c in body.get("contents", [])
        ]
        turn = _Turn(self.state, model, texts, None, 0)
        candidate = {
            "finishReason": "STOP",
            "index": 0,
            "content": {"role": "model", "parts": [{"text": turn.text}]},
        }
        answer = {
            "candidates": [candidate],
            "credits_consumed": self._settle(turn, fault),
            "usageMetadata": {
                "candidatesTokenCount": len(turn.words),
                "promptTokenCount": turn.prompt_tokens,
            },
        }
        if body.get("stream", True):
            return web.Response(body=_data(answer), content_type="text/event-stream")
        return web.json_response(answer)

    async def credit(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.state.api_key}":
            return _envelope(401, AUTH_MESSAGE)
        return web.json_response({"code": 200, "msg": "success", "data": round(self.state.balance, 2)})


def _data(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


def _event(name: str, obj: Any) -> bytes:
    return f"event: {name}\n".encode() + _data(obj)
