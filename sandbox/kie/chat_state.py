"""The state of the fake Kie's chat endpoints (``KieChatState``: knobs and records, with ``ChatFault``
and ``ChatCall``), their constants (key, error messages, prices, models), pricing, the turn being
answered, and the request and stream handling every protocol shares (``_Common``).
"""

from __future__ import annotations

import asyncio
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


def _envelope(code: int, message: str | None = None) -> web.Response:
    body = {"code": code, "msg": message or MESSAGES.get(code, "error"), "data": None}
    return web.json_response(body, status=200)


def _credits(model: str, prompt: int, completion: int) -> float:
    price_in, price_out = PRICES.get(model, (100, 700))
    return max(0.01, round((prompt * price_in + completion * price_out) / 1e6, 2))


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


class _Common:
    """What every protocol handler of ``_FakeChat`` shares: checks, faults, settling and streaming."""

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
