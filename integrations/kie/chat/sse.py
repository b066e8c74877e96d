"""Server-sent events from a byte stream: `event:` and `data:` lines, a blank line ends an event.

Lenient the way Kie needs: CRLF or LF, comment lines (`:`), several `data:` lines joined by newlines,
and a last event without its blank line when the server simply closes the stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec


class SseEvent(msgspec.Struct, frozen=True):
    event: str | None
    data: str


async def read_events(lines: AsyncIterator[bytes]) -> AsyncIterator[SseEvent]:
    event: str | None = None
    data: list[str] = []
    async for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if data:
                yield SseEvent(event, "\n".join(data))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield SseEvent(event, "\n".join(data))
