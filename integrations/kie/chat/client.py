"""The chat client: one request per answer, streamed (SSE) or whole, every failure a KieError.

Kie answers chat errors the way it answers task errors — HTTP 200 with `{"code": 402, "msg": …}`,
also to a `stream: true` request (then there is no SSE at all) — and sometimes provider-style bodies
with a real status (`{"error": {"type", "message"}}`) or a Cloudflare page. All of them go through the
one code map of integrations/kie/errors.py. Nothing is retried here: whether a chat request may be
sent again (and paid again) is the turn runner's decision.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec

from integrations.kie.chat import anthropic, openai_chat, responses
from integrations.kie.chat.answer import Collected
from integrations.kie.chat.sse import read_events
from integrations.kie.chat.types import ChatAnswer, ChatRequest, TextDelta
from integrations.kie.client import USER_AGENT
from integrations.kie.errors import (
    KieError,
    KieTransportError,
    KieUnknownError,
    error_for_code,
    raise_for_body,
    redact,
)

log = logging.getLogger(__name__)

ADAPTERS: dict[str, ModuleType] = {
    "openai_chat": openai_chat,
    "anthropic_messages": anthropic,
    "openai_responses": responses,
}
CONNECT_TIMEOUT = 10.0
_encoder = msgspec.json.Encoder()
_json = msgspec.json.Decoder()


class ChatTimeout(KieTransportError):
    """No answer within the model's time, or a stream silent for longer than its idle limit."""

    def __init__(self, kie_message: str) -> None:
        super().__init__(kie_message, request_sent=True)


class ChatClient:
    def __init__(
        self,
        api_base: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        if not api_key:
            raise ValueError("the Kie API key is empty")
        self.api_base = api_base.rstrip("/")
        self.__api_key = api_key
        self._session = session
        self._own_session = session is None
        self._user_agent = user_agent

    def __repr__(self) -> str:
        return f"ChatClient(api_base={self.api_base!r})"

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    def _session_or_new(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def complete(self, request: ChatRequest, *, timeout: float) -> ChatAnswer:
        """One whole answer (`stream: false`)."""
        whole = msgspec.structs.replace(request, stream=False)
        async for item in self.stream(whole, timeout=timeout, idle_timeout=timeout):
            if isinstance(item, ChatAnswer):
                return item
        raise KieUnknownError("the answer ended without a result")  # pragma: no cover

    async def stream(
        self, request: ChatRequest, *, timeout: float, idle_timeout: float
    ) -> AsyncIterator[TextDelta | ChatAnswer]:
        """Text deltas as they arrive, then the ChatAnswer (always last). Closing the iterator early
        (a stop) closes the connection."""
        adapter = ADAPTERS[request.protocol]
        url = self.api_base + request.endpoint
        headers = {
            "Authorization": f"Bearer {self.__api_key}",
            "User-Agent": self._user_agent,
            "Content-Type": "application/json",
            "Accept": "text/event-stream, application/json",
        }
        if request.protocol == "anthropic_messages":
            headers["anthropic-version"] = "2023-06-01"
        limits = aiohttp.ClientTimeout(total=timeout, connect=CONNECT_TIMEOUT, sock_read=idle_timeout)
        collected = Collected()
        where = f"{urlsplit(url).netloc}{request.endpoint}"
        try:
            async with self._session_or_new().post(
                url, data=_encoder.encode(adapter.build_body(request)), headers=headers, timeout=limits
            ) as response:
                chunks = response.content.iter_any()
                head = await _first_chunk(chunks)
                if not head.lstrip().startswith((b"event:", b"data:", b":")):
                    # A whole JSON body: an error envelope, a provider error, or a non-streamed answer.
                    body = head + await response.read()
                    self._whole_body(adapter, collected, response.status, body)
                else:
                    if response.status >= 400:
                        raise_for_body(response.status, head, secrets=(self.__api_key,))
                    async for event in read_events(_lines(head, chunks)):
                        if event.data.strip() == "[DONE]":
                            break
                        data = self._event_data(adapter, event.data)
                        delta = adapter.on_chunk(collected, event.event, data)
                        if delta:
                            yield TextDelta(delta)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise KieTransportError(
                f"cannot connect to {where}: {type(exc).__name__}", request_sent=False
            ) from None
        except TimeoutError:
            raise ChatTimeout(
                f"{where}: no answer within {timeout:.0f} s (idle limit {idle_timeout:.0f} s)"
            ) from None
        except aiohttp.ClientError as exc:
            # Chained exceptions are dropped: aiohttp's carry the request headers (our key).
            raise KieTransportError(f"{where}: {type(exc).__name__}", request_sent=True) from None
        yield collected.answer()

    def _whole_body(self, adapter: ModuleType, collected: Collected, status: int, raw: bytes) -> None:
        try:
            body = _json.decode(raw)
        except msgspec.DecodeError:
            body = None
        if not isinstance(body, dict):
            raise_for_body(status, raw, secrets=(self.__api_key,))
            raise KieUnknownError("an answer that is not a JSON object", http_status=status)
        if adapter.has_payload(body) and status < 400:
            adapter.on_body(collected, body)
            return
        raise self._error(body, status)

    def _event_data(self, adapter: ModuleType, text: str) -> dict[str, Any]:
        try:
            data = _json.decode(text)
        except msgspec.DecodeError:
            raise KieUnknownError(f"unreadable stream event: {text[:100]}") from None
        if not isinstance(data, dict):
            raise KieUnknownError(f"unexpected stream event: {text[:100]}")
        code = data.get("code")
        if isinstance(code, int) and code != 200 and not adapter.has_payload(data):
            raise self._error(data, 200)  # an error envelope in the middle of a stream
        return data

    def _error(self, body: dict[str, Any], status: int) -> KieError:
        """The one mapping of a chat error body: Kie's envelope code, else Anthropic's error type, else
        the HTTP status."""
        secrets = (self.__api_key,)
        code, message = body.get("code"), body.get("msg") or body.get("message")
        if isinstance(code, int) and code != 200:
            return error_for_code(code, redact(str(message or ""), secrets), http_status=status)
        error = body.get("error")
        if isinstance(error, dict) and error.get("type") in anthropic.ERROR_CODES:
            mapped = anthropic.error_of(body)
            mapped.http_status = status
            return mapped
        text = redact(
            str((error or {}).get("message") if isinstance(error, dict) else message or body)[:300], secrets
        )
        if status >= 400:
            return error_for_code(status, text, http_status=status, from_body=False)
        return KieUnknownError(f"an answer without the expected content: {text}", http_status=status)


async def _first_chunk(chunks: AsyncIterator[bytes]) -> bytes:
    async for chunk in chunks:
        if chunk.strip():
            return chunk
    return b""


async def _lines(head: bytes, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Lines of any length (aiohttp's readline stops at 64 KiB; one JSON event can be longer)."""
    buffer = head
    while True:
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            yield line
        chunk = await anext(chunks, None)
        if chunk is None:
            break
        buffer += chunk
    if buffer:
        yield buffer
