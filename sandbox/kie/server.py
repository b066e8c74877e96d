"""``FakeKie``: its constructor, lifecycle, reset and the HTTP plumbing (the aiohttp app, recording
requests, Cloudflare's and Kie's checks, routing and injected faults); the rest of it comes from the
mixins in controls, tasks, query, callbacks and files.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from sandbox.kie import follow
from sandbox.kie.callbacks import _Callbacks
from sandbox.kie.chat import add_chat_routes
from sandbox.kie.chat_state import KieChatState
from sandbox.kie.controls import _Controls
from sandbox.kie.files import _Files
from sandbox.kie.query import _Query
from sandbox.kie.tasks import _Tasks
from sandbox.kie.wire import (
    DEFAULT_API_KEY,
    NO_ACCESS,
    FakeTask,
    RecordedRequest,
    SentCallback,
    _CallbackMode,
    _Injected,
    _json,
)

_CREATE_ROUTES = {
    "/api/v1/jobs/createTask": "market",
    "/api/v1/veo/generate": "veo",
    "/api/v1/generate": "suno",
    "/api/v1/gpt4o-image/generate": "gpt4o-image",
    "/api/v1/flux/kontext/generate": "flux-kontext",
    "/api/v1/runway/generate": "runway",
    "/api/v1/aleph/generate": "aleph",
    **follow.CREATE_ROUTES,
}
_QUERY_ROUTES = {
    "/api/v1/jobs/recordInfo": "market",
    "/api/v1/veo/record-info": "veo",
    "/api/v1/generate/record-info": "suno",
    "/api/v1/gpt4o-image/record-info": "gpt4o-image",
    "/api/v1/flux/kontext/record-info": "flux-kontext",
    "/api/v1/runway/record-detail": "runway",
    "/api/v1/aleph/record-info": "aleph",
    **follow.QUERY_ROUTES,
}


class FakeKie(_Controls, _Tasks, _Query, _Callbacks, _Files):
    """`async with FakeKie(api_key=...) as kie:` then point the client at `kie.api_base`/`upload_base`."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        hmac_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        callback_retries: int = 3,
        callback_retry_delay: float = 0.05,
    ) -> None:
        self.api_key = api_key
        self.hmac_key = hmac_key
        self.host = host
        self.port = port
        self.callback_retries = callback_retries
        self.callback_retry_delay = callback_retry_delay
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._http: ClientSession | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._serial = itertools.count(1)
        # The chat endpoints' state (knobs and records: sandbox/kie/chat.py); its credit route is ours.
        self.chat = self._chat_state(api_key)
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeKie:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self._serve()
        self._http = ClientSession(timeout=ClientTimeout(total=15))
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def go_down(self) -> None:
        """Close the port: new connections are refused (ClientConnectorError) until come_back()."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def come_back(self) -> None:
        if self._runner is None:
            await self._serve()

    async def _serve(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        # Kie's synchronous chat endpoints live on the same host (sandbox/kie/chat.py), matched first.
        add_chat_routes(app, self.chat)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url

    @property
    def upload_base(self) -> str:
        # Real Kie uploads go to another host; one server is enough to exercise both.
        return self.base_url

    def _chat_state(self, api_key: str) -> KieChatState:
        return KieChatState(api_key=api_key, credit_route=False)

    def reset(self) -> None:
        """Forget tasks, scripts, records and injected faults (the port stays)."""
        self.chat.reset()
        self.requests: list[RecordedRequest] = []
        self.tasks: dict[str, FakeTask] = {}
        self.created_per_model: collections.Counter[str] = collections.Counter()
        self.queries_per_task: collections.Counter[str] = collections.Counter()
        self.uploads: list[dict[str, Any]] = []
        self.callbacks_sent: list[SentCallback] = []
        # (model, message) of every createTask refused for breaking a documented limit.
        self.refused: list[tuple[str, str]] = []
        # Suno tracks already converted to WAV (a second conversion answers 409).
        self.wavs: set[str] = set()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.expired: set[str] = set()
        self.credits: float = 5916.25
        self.upload_shape: str = "live"  # or "documented"
        self._scripts: dict[str, list[Any]] = {}
        self._next_scripts: dict[str, collections.deque[list[Any]]] = collections.defaultdict(
            collections.deque
        )
        self._rate_limited = 0
        self._injected: dict[str, collections.deque[_Injected]] = collections.defaultdict(collections.deque)
        self._callback_default = _CallbackMode()
        self._callback_by_model: dict[str, _CallbackMode] = {}

    # --- dispatch ----------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if request.method == "GET" and path.startswith("/files/"):
            return self._serve_file(path.removeprefix("/files/"))
        recorded = await self._record(request)
        user_agent = request.headers.get("User-Agent", "")
        if "Mozilla/" not in user_agent:
            # Cloudflare, before Kie: a bare HTTP 403 text page that looks like an auth failure.
            return web.Response(status=403, text="error code: 1010", content_type="text/plain")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _json({"code": 401, "msg": NO_ACCESS, "data": None})
        kind = self._kind(request.method, path)
        if kind is None:
            return _json({"code": 404, "msg": f"Not Found: {path}", "data": None}, status=404)
        if kind in ("create", "query", "credit") and self._rate_limited > 0:
            self._rate_limited -= 1
            return _json({"code": 429, "msg": "Rate limit exceeded", "data": None}, status=429)
        injected = self._take_injected(kind)
        if injected is not None:
            return _json(
                {"code": injected.code, "msg": injected.msg, "data": None}, status=injected.http_status
            )
        if kind == "create":
            return await self._create(_CREATE_ROUTES[path], recorded)
        if kind == "query":
            return self._query(_QUERY_ROUTES[path], request.query.get("taskId", ""))
        if kind == "credit":
            return _json({"code": 200, "msg": "success", "data": self.credits})
        if path == "/api/file-stream-upload":
            return self._upload(recorded.form.get("fileName") or "", recorded.form, recorded.body)
        return self._upload_base64(recorded.json)

    async def _record(self, request: web.Request) -> RecordedRequest:
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
        )
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "file":
                    recorded.body = bytes(await part.read())
                    recorded.form["file.filename"] = part.filename or ""
                    recorded.form["file.content_type"] = part.headers.get("Content-Type", "")
                elif part.name:
                    recorded.form[part.name] = await part.text()
        else:
            recorded.body = await request.read()
            if recorded.body:
                with contextlib.suppress(ValueError):
                    recorded.json = json.loads(recorded.body)
        self.requests.append(recorded)
        return recorded

    @staticmethod
    def _kind(method: str, path: str) -> str | None:
        if method == "POST" and path in _CREATE_ROUTES:
            return "create"
        if method == "GET" and path in _QUERY_ROUTES:
            return "query"
        if method == "GET" and path == "/api/v1/chat/credit":
            return "credit"
        if method == "POST" and path in ("/api/file-stream-upload", "/api/file-base64-upload"):
            return "upload"
        return None

    def _take_injected(self, kind: str) -> _Injected | None:
        queue = self._injected.get(kind)
        if not queue:
            return None
        head = queue[0]
        head.times -= 1
        if head.times <= 0:
            queue.popleft()
        return head
