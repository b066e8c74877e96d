"""The chat clients against the fake Kie chat server (chat.md §10): each protocol streamed and whole,
every error code Kie sends as HTTP 200, provider-style errors, timeouts, broken streams."""

from __future__ import annotations

import pytest

from integrations.kie import (
    KieAuthError,
    KieCreditsExhausted,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieMaintenance,
    KieNotFound,
    KieRateLimited,
    KieServerError,
    KieTransportError,
    KieUpstreamTimeout,
    KieValidationError,
)
from integrations.kie.chat import ChatAnswer, ChatClient, ChatMessage, ChatRequest, TextDelta
from integrations.kie.chat.client import ChatTimeout
from integrations.kie.chat.sse import read_events
from sandbox.kie.chat import start_chat_server
from sandbox.kie.chat_state import DEFAULT_CHAT_KEY, KieChatState

MODELS = {
    "openai_chat": ("gpt-5-2", "/gpt-5-2/v1/chat/completions", False),
    "anthropic_messages": ("claude-sonnet-4-6", "/claude/v1/messages", True),
    "openai_responses": ("gpt-5-4", "/codex/v1/responses", True),
}


@pytest.fixture
async def kie():
    state = KieChatState()
    runner, base = await start_chat_server(state)
    client = ChatClient(base, DEFAULT_CHAT_KEY)
    yield state, client
    await client.close()
    await runner.cleanup()


def request(protocol, text="Привет", *, images=(), max_tokens=512, history=()):
    model, endpoint, send_model = MODELS[protocol]
    return ChatRequest(
        model_id=model,
        protocol=protocol,
        endpoint=endpoint,
        send_model=send_model,
        system="Ты помощник.",
        messages=(*history, ChatMessage("user", text, image_urls=images)),
        max_tokens=max_tokens,
        params={"reasoning_effort": "low"} if protocol != "anthropic_messages" else {"thinkingFlag": False},
    )


async def collect(client, req, timeout=10.0, idle=10.0):
    deltas, answer = [], None
    async for item in client.stream(req, timeout=timeout, idle_timeout=idle):
        if isinstance(item, TextDelta):
            deltas.append(item.text)
        else:
            answer = item
    return deltas, answer


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_a_streamed_answer_arrives_word_by_word_with_usage_and_kies_bill(kie, protocol):
    state, client = kie
    state.queue_answer("Один два три четыре")
    deltas, answer = await collect(client, request(protocol))
    assert deltas == ["Один ", "два ", "три ", "четыре"]
    assert isinstance(answer, ChatAnswer) and answer.text == "Один два три четыре"
    assert answer.usage.output_tokens == 4 and answer.usage.input_tokens > 0
    assert answer.usage.credits == 0.01 and not answer.cut_short
    body = state.calls[-1].body
    assert body["stream"] is True  # always explicit: the default differs between endpoints
    assert ("model" in body) == MODELS[protocol][2]


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_a_whole_answer(kie, protocol):
    state, client = kie
    state.queue_answer("Целиком")
    answer = await client.complete(request(protocol), timeout=10)
    assert answer.text == "Целиком" and answer.usage.credits == 0.01
    assert state.calls[-1].body["stream"] is False


async def test_bodies_follow_each_protocol(kie):
    state, client = kie
    history = (ChatMessage("user", "Раньше"), ChatMessage("assistant", "Ответ"))
    await collect(client, request("openai_chat", images=("https://files.example/cat.jpg",), history=history))
    body = state.calls[-1].body
    assert body["messages"][0] == {"role": "system", "content": "Ты помощник."}
    assert body["messages"][-1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://files.example/cat.jpg"},
    }
    assert body["max_tokens"] == 512 and body["reasoning_effort"] == "low"
    await collect(client, request("anthropic_messages", history=history))
    body = state.calls[-1].body
    assert body["system"] == "Ты помощник." and [m["role"] for m in body["messages"]] == [
        "user",
        "assistant",
        "user",
    ]
    await collect(
        client, request("openai_responses", images=("https://files.example/cat.jpg",), history=history)
    )
    body = state.calls[-1].body
    assert body["reasoning"] == {"effort": "low"} and body["max_output_tokens"] == 512
    assert body["input"][2] == {"role": "assistant", "content": [{"type": "output_text", "text": "Ответ"}]}
    assert body["input"][-1]["content"][1] == {
        "type": "input_image",
        "image_url": "https://files.example/cat.jpg",
    }


ENVELOPE_ERRORS = [
    (402, KieCreditsExhausted),
    (408, KieUpstreamTimeout),
    (422, KieValidationError),
    (429, KieRateLimited),
    (455, KieMaintenance),
    (500, KieServerError),
    (501, KieGenerationFailed),
    (505, KieFeatureDisabled),
]


@pytest.mark.parametrize(("code", "error"), ENVELOPE_ERRORS)
@pytest.mark.parametrize("protocol", list(MODELS))
async def test_http_200_error_envelopes_map_through_the_one_error_map(kie, protocol, code, error):
    state, client = kie
    state.fail_next(code)
    with pytest.raises(error) as caught:
        await collect(client, request(protocol))
    assert caught.value.code == code


async def test_a_wrong_key_is_401_in_a_200(kie):
    state, _ = kie
    bad = ChatClient(state_base(kie), "wrong-key-123")
    with pytest.raises(KieAuthError) as caught:
        await collect(bad, request("openai_chat"))
    assert "wrong-key-123" not in str(caught.value)
    await bad.close()


def state_base(kie):
    return kie[1].api_base


async def test_unknown_model_and_path(kie):
    _, client = kie
    unknown = ChatRequest(
        model_id="claude-nine",
        protocol="anthropic_messages",
        endpoint="/claude/v1/messages",
        send_model=True,
        system="",
        messages=(ChatMessage("user", "x"),),
        max_tokens=10,
    )
    with pytest.raises(KieValidationError):
        await collect(client, unknown)
    missing = ChatRequest(
        model_id="gpt-9",
        protocol="openai_chat",
        endpoint="/gpt-9/v1/chat/completions",
        send_model=False,
        system="",
        messages=(ChatMessage("user", "x"),),
        max_tokens=10,
    )
    with pytest.raises(KieNotFound):
        await collect(client, missing)


async def test_provider_style_errors_and_gateway_pages(kie):
    state, client = kie
    state.fail_next(429, mode="provider")
    with pytest.raises(KieRateLimited):
        await collect(client, request("anthropic_messages"))
    state.fail_next(529, mode="provider", message="Overloaded")
    with pytest.raises(KieServerError):
        await collect(client, request("anthropic_messages"))
    state.fail_next(502, mode="html")
    with pytest.raises(KieServerError):
        await collect(client, request("openai_chat"))


async def test_a_hung_request_times_out(kie):
    state, client = kie
    state.fail_next(mode="hang")
    with pytest.raises(ChatTimeout) as caught:
        await collect(client, request("openai_chat"), timeout=0.3, idle=0.3)
    assert caught.value.request_sent


async def test_a_slow_first_token_within_the_idle_limit_is_fine_but_not_beyond(kie):
    state, client = kie
    state.first_token_delay = 0.3
    _, answer = await collect(client, request("openai_responses"), timeout=5, idle=2)
    assert answer.text
    with pytest.raises(ChatTimeout):
        await collect(client, request("openai_responses"), timeout=5, idle=0.1)


async def test_a_broken_stream_is_a_transport_error(kie):
    state, client = kie
    state.queue_answer("раз два три четыре пять")
    state.fail_next(mode="drop", after=2)
    with pytest.raises(KieTransportError) as caught:
        await collect(client, request("openai_chat"))
    assert caught.value.request_sent


async def test_empty_answer_no_bill_and_a_cut_answer(kie):
    state, client = kie
    state.fail_next(mode="empty")
    _, answer = await collect(client, request("anthropic_messages"))
    assert answer.text == ""
    state.fail_next(mode="no_credits")
    _, answer = await collect(client, request("openai_chat"))
    assert answer.usage.credits is None and answer.usage.output_tokens > 0
    for protocol in MODELS:
        state.queue_answer("a b c d e f")
        _, answer = await collect(client, request(protocol, max_tokens=3))
        assert answer.cut_short and answer.text == "a b c "


async def test_stopping_early_closes_the_connection(kie):
    state, client = kie
    state.queue_answer(" ".join(["слово"] * 50))
    state.token_delay = 0.01
    stream = client.stream(request("openai_chat"), timeout=10, idle_timeout=10)
    got = [await anext(stream) for _ in range(3)]
    await stream.aclose()
    assert all(isinstance(g, TextDelta) for g in got)


async def test_one_event_longer_than_aiohttps_line_limit(kie):
    state, client = kie
    state.queue_answer("я" * 200_000)
    _, answer = await collect(client, request("openai_chat"))
    assert len(answer.text) == 200_000


async def _lines(items):
    for item in items:
        yield item


async def test_sse_reader_is_lenient():
    raw = [b": comment\r\n", b"event: a\r\n", b"data: 1\r\n", b"data: 2\r\n", b"\r\n", b"data: last"]
    events = [e async for e in read_events(_lines(raw))]
    assert [(e.event, e.data) for e in events] == [("a", "1\n2"), (None, "last")]
