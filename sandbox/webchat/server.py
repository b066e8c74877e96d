"""The web chat's HTTP surface: the page (plain HTML/CSS/JS, no build step, nothing from a CDN), a
JSON API for what people do, a Server-Sent Events stream of what they see, and the files in the chat.

  GET  /  and  /admin            the page (the user's chat with the operator's pane; the operator alone)
  GET  /api/state                both chats, the command menus, the bot's status
  GET  /api/events               Server-Sent Events: message | draft | draft_stopped | delete | toast | action |
                                 commands | status | log
  POST /api/{role}/send          {"text": ...}
  POST /api/{role}/tap           {"message_id": ..., "data": ...}
  POST /api/{role}/upload        multipart: file (one or more), caption
  POST /api/{role}/pay           {"message_id": ...}
  POST /api/{role}/stop          the stop button of a streamed answer (stopped_message_generation)
  POST /api/demo/fail-next       {"on": true|false}: the next generation fails (simulated Kie)
  GET  /media/{file_id}          a file of the chat, with its real content type
  GET  /health                   "ok"
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import media
from sandbox.telegram import Upload
from sandbox.webchat.emulator import UPLOAD_LIMIT, ChatError, LiveTelegram

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0
# Telegram's clients accept far bigger files; the demo keeps files in memory and takes what the Bot
# API itself takes in one upload (50 MB), answering 413 like it does above that.
MAX_REQUEST = UPLOAD_LIMIT + 1024 * 1024


def build_webchat_app(
    tg: LiveTelegram, *, kie: Any = None, info: dict[str, Any] | None = None
) -> web.Application:
    """`kie`: the simulated Kie (its `fail_next_run` is the page's failure switch); `info`: shown as is."""
    app = web.Application(client_max_size=MAX_REQUEST)
    page = (STATIC / "index.html").read_bytes()
    details = dict(info or {})

    async def index(_: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def state(_: web.Request) -> web.Response:
        return _json(
            {
                "bot": {"name": tg.bot_first_name, "username": tg.bot_username, "id": tg.bot_id},
                "status": tg.bot_status,
                "fail_next": bool(getattr(kie, "fail_next_run", False)),
                "info": details,
                "chats": {
                    role: {
                        "person": {
                            "id": person.user_id,
                            "name": person.first_name,
                            "username": person.username,
                        },
                        "messages": tg.history(role),
                        "commands": tg.menu(role),
                    }
                    for role, person in tg.people.items()
                },
            }
        )

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue = tg.listen()
        try:
            await response.write(b"retry: 1000\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                await response.write(b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            tg.unlisten(queue)
        return response

    async def send(request: web.Request) -> web.Response:
        body = await _body(request)
        return _json({"message": tg.send_text(request.match_info["role"], str(body.get("text") or ""))})

    async def tap(request: web.Request) -> web.Response:
        body = await _body(request)
        update = tg.tap(request.match_info["role"], _int(body.get("message_id")), str(body.get("data") or ""))
        return _json({"callback_query_id": update["callback_query"]["id"]})

    async def upload(request: web.Request) -> web.Response:
        files: list[Upload] = []
        caption = None
        reader = await request.multipart()
        async for part in reader:
            if part.name == "caption":
                caption = (await part.text()).strip() or None
            elif part.name == "file":
                data = bytearray()
                while chunk := await part.read_chunk(1024 * 1024):
                    data += chunk
                    if len(data) > UPLOAD_LIMIT:
                        # What the Bot API answers for an upload over 50 MB, word for word.
                        raise ChatError("Request Entity Too Large", 413)
                files.append(
                    Upload(part.filename or "file", part.headers.get("Content-Type", ""), bytes(data))
                )
        return _json({"messages": tg.send_files(request.match_info["role"], files, caption)})

    async def stop(request: web.Request) -> web.Response:
        update = tg.stop_generation(request.match_info["role"])
        return _json({"draft_id": update["stopped_message_generation"]["draft_id"]})

    async def pay(request: web.Request) -> web.Response:
        body = await _body(request)
        paid = await tg.pay(request.match_info["role"], _int(body.get("message_id")))
        return _json({"message": paid["message"]})

    async def fail_next(request: web.Request) -> web.Response:
        if kie is None:
            raise ChatError("no simulated Kie in this demo", 404)
        body = await _body(request)
        kie.fail_next_run = bool(body.get("on", True))
        tg.publish({"type": "demo", "fail_next": kie.fail_next_run})
        return _json({"fail_next": kie.fail_next_run})

    async def file(request: web.Request) -> web.Response:
        stored = tg.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound(text="no such file in this chat")
        content_type = media.sniff(stored.data)
        return web.Response(
            body=stored.data, content_type=content_type, headers={"Cache-Control": "max-age=3600"}
        )

    @web.middleware
    async def refusals(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        except ChatError as error:
            return _json({"error": error.text}, status=error.status)

    app.middlewares.append(refusals)
    app.router.add_get("/", index)
    app.router.add_get("/admin", index)
    app.router.add_get("/health", health)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/demo/fail-next", fail_next)
    app.router.add_post("/api/{role}/send", send)
    app.router.add_post("/api/{role}/tap", tap)
    app.router.add_post("/api/{role}/upload", upload)
    app.router.add_post("/api/{role}/pay", pay)
    app.router.add_post("/api/{role}/stop", stop)
    app.router.add_get("/media/{file_id}", file)
    app.router.add_static("/static/", STATIC)
    return app


async def _body(request: web.Request) -> dict[str, Any]:
    with contextlib.suppress(ValueError):
        body = await request.json()
        if isinstance(body, dict):
            return body
    raise ChatError("a JSON object is expected")


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ChatError("message_id must be a number")


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )
