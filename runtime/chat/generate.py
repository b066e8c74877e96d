"""Streaming Kie's answer into the Telegram preview while watching the stop flag.

The model's stream and the stop watcher run side by side: a Claude stream can stay silent for minutes
(Kie batches it), and `❌ Остановить` must still work then. A stop cancels the stream, which closes the
connection to Kie (no more tokens generated).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import msgspec

from flows.catalog.text import TextModel
from integrations.kie.chat import ChatAnswer, ChatRequest, TextDelta
from integrations.telegram.streaming import AnswerStream
from persistence import chat_runs
from runtime.chat.services import ChatServices


class Generated(msgspec.Struct):
    text: str
    answer: ChatAnswer | None  # None when stopped before the end
    stopped: bool


async def generate(
    services: ChatServices,
    key: str,
    request: ChatRequest,
    model: TextModel,
    out: AnswerStream,
    heartbeat: Callable[[], Awaitable[None]] | None = None,
) -> Generated:
    """The answer, or `stopped` with what was generated so far; KieError when Kie failed."""
    parts: list[str] = []
    answer: ChatAnswer | None = None

    async def consume() -> None:
        nonlocal answer
        cap = services.timings.timeout_cap_seconds
        timeout, idle = float(model.timeout_seconds), float(model.idle_timeout_seconds)
        if cap is not None:
            timeout, idle = min(timeout, cap), min(idle, cap)
        stream = services.chat.stream(request, timeout=timeout, idle_timeout=idle)
        try:
            async for item in stream:
                if isinstance(item, TextDelta):
                    parts.append(item.text)
                    out.show("".join(parts))
                else:
                    answer = item
        finally:
            await stream.aclose()

    async def watch() -> None:
        while not await chat_runs.stop_requested(services.pool, key):
            if heartbeat is not None:
                await heartbeat()
            await asyncio.sleep(services.timings.stop_poll_seconds)

    consumer = asyncio.create_task(consume(), name=f"chat-stream-{key}")
    watcher = asyncio.create_task(watch(), name=f"chat-stop-{key}")
    try:
        done, _ = await asyncio.wait({consumer, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (consumer, watcher):
            if not task.done():
                task.cancel()
        for task in (consumer, watcher):
            with contextlib.suppress(asyncio.CancelledError):
                await task
    stopped = consumer not in done
    if not stopped:
        consumer.result()  # re-raises Kie's error
    return Generated(text="".join(parts), answer=None if stopped else answer, stopped=stopped)
