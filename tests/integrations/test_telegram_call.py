"""One Bot API call with Telegram's error semantics: 429 waits retry_after and tries again, a few
times; a long flood wait goes back as transient at once; 403, 400 and network errors are mapped."""

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage

from integrations.telegram.errors import RejectedByTelegram, TransientSendError, UserBlockedBot
from integrations.telegram.renderer import MAX_FLOOD_RETRIES, NotModified, call

METHOD = SendMessage(chat_id=1, text="x")


def _failing(*errors: BaseException):
    calls = []

    async def request():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "sent"

    return request, calls


async def test_short_flood_waits_are_retried_then_the_call_succeeds():
    request, calls = _failing(*[TelegramRetryAfter(METHOD, "flood", 0)] * MAX_FLOOD_RETRIES)
    assert await call(request, what="sendMessage") == "sent"
    assert len(calls) == MAX_FLOOD_RETRIES + 1


async def test_flood_waits_past_the_retries_end_as_transient():
    request, calls = _failing(*[TelegramRetryAfter(METHOD, "flood", 0)] * (MAX_FLOOD_RETRIES + 1))
    with pytest.raises(TransientSendError, match="flood wait"):
        await call(request, what="sendMessage")
    assert len(calls) == MAX_FLOOD_RETRIES + 1


async def test_a_long_flood_wait_goes_back_at_once():
    request, calls = _failing(TelegramRetryAfter(METHOD, "flood", 120))
    with pytest.raises(TransientSendError, match="120"):
        await call(request, what="sendMessage")
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("error", "mapped"),
    [
        (TelegramForbiddenError(METHOD, "bot was blocked by the user"), UserBlockedBot),
        (TelegramBadRequest(METHOD, "chat not found"), RejectedByTelegram),
        (TelegramBadRequest(METHOD, "message is not modified"), NotModified),
        (TimeoutError(), TransientSendError),
    ],
)
async def test_errors_are_mapped_once_without_retrying(error, mapped):
    request, calls = _failing(error)
    with pytest.raises(mapped):
        await call(request, what="sendMessage")
    assert len(calls) == 1


async def test_a_call_without_429_builds_no_retry_state(monkeypatch):
    # tenacity's retry state cost ~75 µs on every Bot API call (2 % of an update's CPU): the first
    # try is a plain await, the retry machinery only after a 429.
    import integrations.telegram.renderer as renderer

    def no_retrying(*args, **kwargs):
        raise AssertionError("AsyncRetrying built for a call that needed no retry")

    monkeypatch.setattr(renderer, "AsyncRetrying", no_retrying)
    request, calls = _failing()
    assert await call(request, what="sendMessage") == "sent"
    assert len(calls) == 1
