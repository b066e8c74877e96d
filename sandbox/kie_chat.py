"""A fake of Kie's synchronous chat endpoints, following ../shared/kie/chat.md §10 (vendored here).

Standalone on purpose: `add_chat_routes(app, state)` mounts the routes on any aiohttp app (the fake
Kie mounts them on its own server — `FakeKie.chat` is their state — so the bot meets one emulator on
KIE_API_BASE, as it meets one Kie; a bench server), `start_chat_server(state)` runs them alone. Like the fake Kie it does not import
integrations/kie: a fake reusing the code under test cannot catch its mistakes.

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
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_CHAT_KEY = "kie-test-key-0123456789abcdef"
AUTH_MESSAGE = (
    "Unauthorized – Authentication failed. Please check that your Authorization and Content-Type "
    "headers are correctly set."
)
MESSAGES = {
    402: "Credits insufficient",
    404: "The page does not exist",
    408: "Upstream is currently experiencing service issues. No result has been returned for over 10 minutes",
    422: "The model is not supported",
    429: "Rate limited, please try again later",
    455: "The server is currently being maintained, please try again later~",
    500: "Server exception, please try again later",
    501: "Generation failed",
    505: "The feature is disabled",
}
# Credits per million tokens (input, output), chat.md §8.1 (US$ × 200).
PRICES: dict[str, tuple[float, float]] = {
    "gpt-5-2": (88, 700),
    "gpt-5-4": (140, 1120),
    "gpt-5-5": (280, 1680),
    "gpt-5.1-codex": (100, 800),
    "gpt-5-6-luna": (11.2, 67.2),
    "claude-haiku-4-5": (55, 285),
    "claude-sonnet-4-5": (170, 855),
    "claude-sonnet-4-6": (170, 855),
    "claude-opus-4-7": (285, 1430),
    "claude-opus-4-8": (400, 2000),
    "claude-fable-5": (800, 4000),
    "gemini-2.5-flash": (18, 150),
    "gemini-2.5-pro": (76, 600),
    "gemini-3-flash": (30, 180),
    "gemini-3-pro": (100, 700),
    "gemini-3.1-pro": (100, 700),
    "gemini-3-5-flash-openai": (90, 540),
    "gemini-3-5-flash": (90, 540),
}
CLAUDE = {m for m in PRICES if m.startswith("claude-")}
CODEX_PATHS = {
    "/codex/v1/responses": {"gpt-5-4", "gpt-5-5", "gpt-5-6-luna"},
    "/api/v1/responses": {"gpt-5.1-codex"},
}
_WORD = re.compile(r"\S+\s*|\s+")


@dataclass
class ChatFault:
    code: int = 500
    mode: str = "envelope"  # envelope | provider | html | hang | drop | empty | no_credits
    message: str | None = None
    after: int = 3  # drop: words sent before the break
    model: str | None = None
    times: int = 1


@dataclass
class ChatCall:
    path: str
    model: str
    body: dict[str, Any]
    authorized: bool
    at: float


@dataclass
class KieChatState:
    api_key: str = DEFAULT_CHAT_KEY
    balance: float = 10_000.0
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    batched: bool = False
    bill: float | None = None  # a fixed credits_consumed for every answer (worked money examples)
    answer_for: Callable[[str, str], str] = lambda model, text: f"Ответ модели {model}: **{text}**"
    answers: list[str] = field(default_factory=list)
    faults: list[ChatFault] = field(default_factory=list)
    calls: list[ChatCall] = field(default_factory=list)
    closed_early: int = 0
    credit_route: bool = True

    def reset(self) -> None:
        """Back to a fresh state (knobs, records, faults), keeping the key and the routes it serves."""
        fresh = type(self)(api_key=self.api_key, credit_route=self.credit_route)
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def queue_answer(self, text: str) -> None:
        self.answers.append(text)

    def fail_next(self, code: int = 500, mode: str = "envelope", **kw: Any) -> None:
        self.faults.append(ChatFault(code=code, mode=mode, **kw))

    def _fault(self, model: str) -> ChatFault | None:
        for fault in self.faults:
            if fault.model in (None, model):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None


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


def _envelope(code: int, message: str | None = None) -> web.Response:
    body = {"code": code, "msg": message or MESSAGES.get(code, "error"), "data": None}
    return web.json_response(body, status=200)


def _credits(model: str, prompt: int, completion: int) -> float:
    price_in, price_out = PRICES.get(model, (100, 700))
    return max(0.01, round((prompt * price_in + completion * price_out) / 1e6, 2))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class _Turn:
    """One request being answered: who, what, how many tokens, the answer's words."""

    def __init__(
        self, state: KieChatState, model: str, messages: list[str], max_tokens: int | None, hidden: int
    ):
        self.model = model
        last = messages[-1] if messages else ""
        text = state.answers.pop(0) if state.answers else state.answer_for(model, last)
        words = _WORD.findall(text)
        self.cut = max_tokens is not None and len(words) > max_tokens
        self.words = words[:max_tokens] if max_tokens is not None else words
        self.prompt_tokens = sum(len(m) // 4 + 1 for m in messages) + hidden
        self.credits = (
            state.bill if state.bill is not None else _credits(model, self.prompt_tokens, len(self.words))
        )

    @property
    def text(self) -> str:
        return "".join(self.words)


class _FakeChat:
    def __init__(self, state: KieChatState) -> None:
        self.state = state
        self._ids = itertools.count(1)

    # --- common ---------------------------------------------------------------------------------

    async def _begin(
        self, request: web.Request, model: str | None
    ) -> tuple[dict[str, Any], ChatFault | None] | web.Response:
        state = self.state
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            return web.json_response(
                {"error": {"message": "Invalid request parameters", "type": "invalid_request_error"}},
                status=400,
            )
        model = model or str(body.get("model", ""))
        authorized = request.headers.get("Authorization") == f"Bearer {state.api_key}"
        state.calls.append(ChatCall(request.path, model, body, authorized, time.monotonic()))
        if not authorized:
            return _envelope(401, AUTH_MESSAGE)
        if model not in PRICES:
            return _envelope(422)
        if state.balance <= 0:
            return _envelope(402)
        fault = state._fault(model)
        if fault is not None:
            if fault.mode == "envelope":
                return _envelope(fault.code, fault.message)
            if fault.mode == "provider":
                kind = {
                    400: "invalid_request_error",
                    401: "authentication_error",
                    429: "rate_limit_error",
                    529: "overloaded_error",
                }
                error = {
                    "message": fault.message or "provider error",
                    "type": kind.get(fault.code, "api_error"),
                }
                return web.json_response({"type": "error", "error": error}, status=fault.code)
            if fault.mode == "html":
                return web.Response(
                    text="<html><body>502 Bad Gateway</body></html>",
                    status=fault.code,
                    content_type="text/html",
                )
            if fault.mode == "hang":
                # No answer, ever: the wait ends when the client gives up and closes the connection
                # (so a server that lets handlers finish after a disconnect still shuts down at once).
                while request.transport is not None and not request.transport.is_closing():
                    await asyncio.sleep(0.05)
                return _envelope(408)
        return body, fault

    def _settle(self, turn: _Turn, fault: ChatFault | None) -> float | None:
        self.state.balance -= turn.credits
        return None if fault is not None and fault.mode == "no_credits" else turn.credits

    async def _stream(
        self, request: web.Request, turn: _Turn, fault: ChatFault | None, events: Any
    ) -> web.StreamResponse:
        """Send SSE events: `events(kind, payload)` builds them; kinds start / word / end."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        words = [] if fault is not None and fault.mode == "empty" else turn.words
        try:
            for chunk in events("start", None):
                await response.write(chunk)
            await asyncio.sleep(self.state.first_token_delay)
            for index, word in enumerate(words):
                if fault is not None and fault.mode == "drop" and index == fault.after:
                    request.transport.close()  # type: ignore[union-attr]
                    return response
                if self.state.token_delay and not self.state.batched:
                    await asyncio.sleep(self.state.token_delay)
                for chunk in events("word", word):
                    await response.write(chunk)
            if self.state.batched:
                await asyncio.sleep(self.state.token_delay * len(words))
            for chunk in events("end", self._settle(turn, fault)):
                await response.write(chunk)
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            self.state.closed_early += 1
            raise
        return response

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
