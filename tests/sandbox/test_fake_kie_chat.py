"""The fake Kie chat server's own wire behaviour (chat.md §10), checked with a bare HTTP client."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox.kie.chat import start_chat_server
from sandbox.kie.chat_state import DEFAULT_CHAT_KEY, KieChatState

AUTH = {"Authorization": f"Bearer {DEFAULT_CHAT_KEY}"}


@pytest.fixture
async def fake():
    state = KieChatState()
    runner, base = await start_chat_server(state)
    async with aiohttp.ClientSession() as http:
        yield state, base, http
    await runner.cleanup()


async def test_stream_defaults_differ_per_endpoint(fake):
    state, base, http = fake
    body = {"messages": [{"role": "user", "content": "hi"}]}
    async with http.post(f"{base}/gpt-5-2/v1/chat/completions", json=body, headers=AUTH) as r:
        assert (await r.json())["choices"][0]["message"]["content"]  # gpt-5-2: JSON without "stream"
    async with http.post(f"{base}/gemini-3-flash/v1/chat/completions", json=body, headers=AUTH) as r:
        text = await r.text()
    assert r.headers["Content-Type"].startswith("text/event-stream") and text.endswith("data: [DONE]\n\n")


async def test_errors_are_http_200_envelopes(fake):
    state, base, http = fake
    body = {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with http.post(f"{base}/claude/v1/messages", json=body) as r:
        assert r.status == 200 and (await r.json())["code"] == 401
    state.balance = 0
    async with http.post(f"{base}/claude/v1/messages", json=body, headers=AUTH) as r:
        assert (await r.json()) == {"code": 402, "msg": "Credits insufficient", "data": None}
    async with http.post(f"{base}/nope/v1/chat/completions", json=body, headers=AUTH) as r:
        assert (await r.json())["code"] == 404


async def test_every_success_is_billed_and_the_balance_is_readable(fake):
    state, base, http = fake
    body = {"model": "gpt-5-4", "input": "hello", "stream": False}
    async with http.post(f"{base}/codex/v1/responses", json=body, headers=AUTH) as r:
        answer = await r.json()
    assert answer["credits_consumed"] == 0.01 and answer["status"] == "completed"
    async with http.get(f"{base}/api/v1/chat/credit", headers=AUTH) as r:
        assert (await r.json())["data"] == 9999.99
    async with http.post(f"{base}/api/v1/responses", json=body, headers=AUTH) as r:
        assert (await r.json())["code"] == 422  # /api takes only the dotted codex ids
    async with http.get(f"{base}/anthropic/v1/models", headers=AUTH) as r:
        models = await r.json()
    haiku = next(m for m in models["data"] if m["id"] == "claude-haiku-4-5")
    assert (haiku["max_input_tokens"], haiku["max_tokens"]) == (200000, 64000)
