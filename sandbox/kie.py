"""A faithful in-process fake of Kie AI (api.kie.ai and the upload host), quirks included.

It speaks the real wire formats of every family TRT uses (market jobs, Veo, Suno, 4o Image, Flux
Kontext, Runway, Aleph) with the quirks of ../shared/kie/api.md: HTTP 200 carrying error codes,
Cloudflare's bare 403 "error code: 1010" for clients without a browser User-Agent, `resultJson` and
`param` as JSON STRINGS (`param.input` double-encoded), nulls while running, `costTime` in seconds,
Suno's `data: null` for unknown tasks, snake_case task ids in Runway/Suno callbacks, Aleph's
top-level `taskId`, the live upload answer shape. It serves uploaded files and generated results at its
own `/files/...` URLs and sends callbacks (lost, duplicated, delayed, signed) when tasks finish. The
synchronous chat endpoints (sandbox/kie_chat.py) are served on the same host; `chat` is their state.
The follow-up endpoints (Veo extend, Suno extend/upload-cover/WAV/vocal separation, and the createTask
operations on an earlier task) check the parent task as Kie does (sandbox/kie_follow.py); `wavs` holds
the tracks already converted to WAV (a second conversion answers 409).

Deliberately independent of integrations/kie (no imports from it): a fake that reuses the code under
test cannot catch that code's mistakes.

Knobs (all on `FakeKie`):
- `script(model_id, steps)`: the lifecycle of every task of a model; `script_next(model_id, steps)`:
  of the next task only. Steps: `Phase("waiting"|"queuing"|"generating", polls=N | seconds=T)`, then
  `Succeed(...)` or `Fail(...)`; a script may start with `CreateError(code)` (creation rejected, no
  task) or `CreateHang(seconds)` (the task IS created, the answer comes late).
- `rate_limit_next(n)`: the next n API calls answer HTTP 429; `fail_next(kind, code, ...)`: inject an
  error on the next call of a kind (create, query, upload, credit).
- `callback_mode(lost=, copies=, delay=)`, `hmac_key=...` (signed callbacks), `go_down()`/`come_back()`
  (connection refused), `expire(url)`, `serve_file(path, content, content_type)`, `credits`.
- `chat`: the chat endpoints' knobs and records (`queue_answer`, `fail_next`, `token_delay`, `calls`…).
- Records: `requests`, `tasks`, `created_per_model`, `queries_per_task`, `uploads`, `callbacks_sent`,
  `refused` (createTask calls refused for a documented limit, see kie_limits.py).
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from . import kie_follow as follow
from .kie_chat import KieChatState, add_chat_routes
from .kie_limits import refusal

__all__ = [
    "CreateError",
    "CreateHang",
    "DEFAULT_API_KEY",
    "Fail",
    "FakeKie",
    "FakeTask",
    "Phase",
    "RecordedRequest",
    "Succeed",
]

DEFAULT_API_KEY = "kie-test-key-0123456789abcdef"
NO_ACCESS = "You do not have access permissions"

# The catalog id the fake files a dedicated-API task under (their bodies carry no catalog id).
_DEDICATED_MODEL = {
    "suno": "suno",
    "gpt4o-image": "4o-image",
    "runway": "runway",
    "aleph": "runway-aleph",
}

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

# What a generated result looks like, per family (market models default to an image).
_RESULT_KIND = {
    "market": ("png", "image/png"),
    "veo": ("mp4", "video/mp4"),
    "suno": ("mp3", "audio/mpeg"),
    "gpt4o-image": ("png", "image/png"),
    "flux-kontext": ("jpeg", "image/jpeg"),
    "runway": ("mp4", "video/mp4"),
    "aleph": ("mp4", "video/mp4"),
    **follow.RESULT_KIND,
}
_PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


# --- Script steps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """A running state, in market words (waiting | queuing | generating); each family translates it.
    Lasts `polls` queries or `seconds` (whichever is given; both: whichever ends first)."""

    state: str = "generating"
    polls: int | None = None
    seconds: float | None = None

    @property
    def poll_limit(self) -> int | None:
        # Neither given: one query.
        return 1 if self.polls is None and self.seconds is None else self.polls


@dataclass(frozen=True)
class Succeed:
    """Success. `urls=None` → `count` result files served by the fake with `content`/`content_type`
    (defaults per family) or `size` bytes. `text` → a text result (market resultObject)."""

    urls: tuple[str, ...] | None = None
    count: int = 1
    content: bytes | None = None
    content_type: str | None = None
    size: int | None = None
    text: str | None = None
    result_object: dict[str, Any] | None = None
    credits: float = 4.0
    cost_time: int = 12
    watermark_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fail:
    code: str = "500"
    message: str = "Internal error, please try again later."
    credits: float = 0.0
    cost_time: int = 3


@dataclass(frozen=True)
class CreateError:
    """createTask answers this body code (with `http_status`, 200 like Kie) and creates nothing."""

    code: int
    msg: str = ""
    http_status: int = 200


@dataclass(frozen=True)
class CreateHang:
    """createTask creates the task, then answers only after `seconds` (past the client's timeout)."""

    seconds: float


DEFAULT_SCRIPT: tuple[Any, ...] = (Phase("waiting"), Phase("generating"), Succeed())

_CREATE_ERROR_TEXT = {
    402: "Credits insufficient",
    422: "Invalid input",
    429: "Rate limit exceeded",
    455: "Service unavailable: system maintenance",
    500: "Server error, please try again later",
    501: "Generation failed",
    505: "Feature disabled",
}


# --- Records -----------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class SentCallback:
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int | None
    error: str | None = None


@dataclass
class FakeTask:
    task_id: str
    family: str
    model: str
    body: dict[str, Any]
    steps: list[Any]
    created_at: float
    callback_url: str | None
    created_wall: float = 0.0
    index: int = 0
    phase_started: float = 0.0
    phase_polls: int = 0
    result_urls: tuple[str, ...] = ()
    completed_at: float | None = None
    callbacks_scheduled: bool = False

    @property
    def step(self) -> Any:
        return self.steps[min(self.index, len(self.steps) - 1)]

    @property
    def finished(self) -> bool:
        return isinstance(self.step, Succeed | Fail)


@dataclass
class _Injected:
    code: int
    msg: str
    http_status: int
    times: int


@dataclass
class _CallbackMode:
    lost: bool = False
    copies: int = 1
    delay: float = 0.0


class FakeKie:
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
        # The chat endpoints' state (knobs and records: sandbox/kie_chat.py); its credit route is ours.
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
        # Kie's synchronous chat endpoints live on the same host (sandbox/kie_chat.py), matched first.
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

    # --- knobs -------------------------------------------------------------------------------------

    def script(self, model_id: str, steps: list[Any]) -> None:
        self._scripts[model_id] = list(steps)

    def script_next(self, model_id: str, steps: list[Any]) -> None:
        self._next_scripts[model_id].append(list(steps))

    def rate_limit_next(self, n: int) -> None:
        """The next n create/query/credit calls answer HTTP 429 (Kie: rejected, not queued)."""
        self._rate_limited += n

    def fail_next(
        self, kind: str, code: int, *, msg: str = "", http_status: int = 200, times: int = 1
    ) -> None:
        """Inject an answer for the next `times` calls of `kind` (create | query | upload | credit).
        A create answered this way creates NO task."""
        text = msg or _CREATE_ERROR_TEXT.get(code, "error")
        self._injected[kind].append(_Injected(code, text, http_status, times))

    def callback_mode(
        self, *, lost: bool = False, copies: int = 1, delay: float = 0.0, model_id: str | None = None
    ) -> None:
        mode = _CallbackMode(lost=lost, copies=copies, delay=delay)
        if model_id is None:
            self._callback_default = mode
        else:
            self._callback_by_model[model_id] = mode

    def serve_file(self, path: str, content: bytes, content_type: str = "application/octet-stream") -> str:
        path = path.lstrip("/")
        self.files[path] = (content, content_type)
        return f"{self.base_url}/files/{path}"

    def _own_file(self, url: str) -> tuple[bytes, str] | None:
        """An uploaded (or served) file of this fake, by its URL."""
        if not url.startswith(f"{self.base_url}/files/"):
            return None
        return self.files.get(url.split("/files/", 1)[1])

    def expire(self, url: str) -> None:
        """That result URL now answers 404, like an expired tempfile link."""
        self.expired.add(url.split("/files/", 1)[-1])

    def finish(self, task_id: str, outcome: Succeed | Fail) -> None:
        """Jump a task to its outcome now (callbacks follow as usual)."""
        task = self.tasks[task_id]
        if task.finished:
            return
        task.steps = task.steps[: task.index] + [outcome]
        self._advance(task, polled=False)

    def task_for(self, model_id: str) -> list[FakeTask]:
        return [t for t in self.tasks.values() if t.model == model_id]

    @property
    def total_queries(self) -> int:
        return sum(self.queries_per_task.values())

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

    # --- create ------------------------------------------------------------------------------------

    async def _create(self, family: str, recorded: RecordedRequest) -> web.Response:
        body = recorded.json
        if not isinstance(body, dict):
            return _json({"code": 422, "msg": "Invalid JSON body", "data": None})
        if family == "market":
            if not isinstance(body.get("model"), str) or not body["model"]:
                return _json({"code": 422, "msg": "model is required", "data": None})
            if not isinstance(body.get("input"), dict):
                return _json({"code": 422, "msg": "input is required", "data": None})
            model = body["model"]
        elif recorded.path in follow.ROUTE_MODEL:
            model = follow.ROUTE_MODEL[recorded.path]
        elif family in ("veo", "flux-kontext"):
            model = body.get("model") or ("veo3_fast" if family == "veo" else "flux-kontext-pro")
        else:
            model = _DEDICATED_MODEL[family]
        if family.startswith("suno") and not body.get("callBackUrl"):
            return _json({"code": 422, "msg": "Please enter callBackUrl.", "data": None})
        # What Kie's documentation says it refuses (lengths, counts, file sizes and types, combinations).
        payload = body["input"] if family == "market" else body
        refused = refusal(model, payload, self._own_file)
        if refused is not None:
            self.refused.append((model, refused))
            return _json({"code": 422, "msg": refused, "data": None})
        if self.credits <= 0:
            return _json({"code": 402, "msg": "Credits insufficient", "data": None})
        problem = follow.parent_problem(model, payload, self.tasks, self.wavs)
        if problem is not None:
            return _json({"code": problem[0], "msg": problem[1], "data": None})

        queued = self._next_scripts.get(model)
        steps = list(queued.popleft() if queued else self._scripts.get(model, DEFAULT_SCRIPT))
        hang = None
        if steps and isinstance(steps[0], CreateError):
            error = steps[0]
            return _json(
                {
                    "code": error.code,
                    "msg": error.msg or _CREATE_ERROR_TEXT.get(error.code, "error"),
                    "data": None,
                },
                status=error.http_status,
            )
        if steps and isinstance(steps[0], CreateHang):
            hang = steps.pop(0).seconds
        if not steps:
            steps = list(DEFAULT_SCRIPT)
        later = follow.fails_later(model, payload, self.tasks, self._own_file)
        if later is not None:
            steps = [Phase("generating"), Fail("500", later)]

        task_id = uuid.uuid4().hex
        now = time.monotonic()
        task = FakeTask(
            task_id=task_id,
            family=family,
            model=model,
            body=body,
            steps=steps,
            created_at=now,
            callback_url=body.get("callBackUrl") or None,
            phase_started=now,
            created_wall=time.time(),
        )
        self.tasks[task_id] = task
        self.created_per_model[model] += 1
        self._advance(task, polled=False)
        if hang:
            await asyncio.sleep(hang)
        data: dict[str, Any] = {"taskId": task_id}
        if family == "market":
            data["recordId"] = task_id  # the live API echoes it
        return _json({"code": 200, "msg": "success", "data": data})

    # --- lifecycle of a task -----------------------------------------------------------------------

    def _advance(self, task: FakeTask, *, polled: bool) -> None:
        now = time.monotonic()
        while not task.finished:
            phase = task.step
            by_polls = phase.poll_limit is not None and task.phase_polls >= phase.poll_limit
            by_time = phase.seconds is not None and now - task.phase_started >= phase.seconds
            if not (by_polls or by_time):
                break
            task.index += 1
            task.phase_started = now
            task.phase_polls = 0
        if task.finished and task.completed_at is None:
            self._complete(task)
        if polled and not task.finished:
            task.phase_polls += 1

    def _complete(self, task: FakeTask) -> None:
        task.completed_at = time.time()
        outcome = task.step
        if isinstance(outcome, Succeed):
            task.result_urls = outcome.urls if outcome.urls is not None else self._make_results(task, outcome)
            self.credits -= outcome.credits
        if task.callback_url and not task.callbacks_scheduled:
            task.callbacks_scheduled = True
            self._spawn(self._send_callbacks(task))

    def _make_results(self, task: FakeTask, outcome: Succeed) -> tuple[str, ...]:
        if outcome.text is not None or outcome.result_object is not None:
            return ()
        ext, default_type = (
            ("mp4", "video/mp4") if task.model in follow.VIDEO_MODELS else _RESULT_KIND[task.family]
        )
        content = outcome.content
        if content is None:
            content = bytes(outcome.size) if outcome.size is not None else _default_content(ext)
        urls = []
        # Vocal separation returns two stems (vocals, instrumental) unless a script says otherwise.
        count = 2 if task.family == "suno-stems" and outcome.count == 1 else outcome.count
        for index in range(count):
            urls.append(
                self.serve_file(
                    f"results/{task.task_id}/{index}.{ext}", content, outcome.content_type or default_type
                )
            )
        return tuple(urls)

    async def _tick(self) -> None:
        # Time-based phases end without anyone polling: callbacks must still go out.
        while True:
            await asyncio.sleep(0.02)
            for task in list(self.tasks.values()):
                if not task.finished:
                    self._advance(task, polled=False)

    # --- query -------------------------------------------------------------------------------------

    def _query(self, family: str, task_id: str) -> web.Response:
        if not task_id:
            return _json({"code": 400, "msg": "taskId parameter is required", "data": None})
        task = self.tasks.get(task_id)
        if task is None or task.family != family:
            if family == "suno":
                return _json({"code": 200, "msg": "success", "data": None})
            if family == "market":
                return _json({"code": 422, "msg": "recordInfo is null", "data": None})
            return _json({"code": 404, "msg": "Task not found", "data": None})
        self.queries_per_task[task_id] += 1
        self._advance(task, polled=True)
        record = getattr(self, f"_record_{family.replace('-', '_')}")(task)
        return _json({"code": 200, "msg": "success", "data": record})

    def _wire_state(self, task: FakeTask) -> str:
        step = task.step
        if isinstance(step, Succeed):
            return "success"
        if isinstance(step, Fail):
            return "fail"
        return step.state

    def _param(self, task: FakeTask) -> str:
        # Kie echoes the request as a JSON string whose `input` is itself a JSON string.
        body = dict(task.body)
        if "input" in body:
            body["input"] = json.dumps(body["input"])
        return json.dumps(body)

    def _record_market(self, task: FakeTask) -> dict[str, Any]:
        step = task.step
        created_ms = int(task.created_wall * 1000)
        record: dict[str, Any] = {
            "taskId": task.task_id,
            "model": task.model,
            "state": self._wire_state(task),
            "param": self._param(task),
            "resultJson": "",
            "failCode": None,
            "failMsg": None,
            "costTime": None,
            "completeTime": None,
            "createTime": created_ms,
            "creditsConsumed": None,
        }
        if isinstance(step, Succeed):
            result: dict[str, Any]
            if step.result_object is not None or step.text is not None:
                result = {"resultObject": step.result_object or {"text": step.text}}
            else:
                result = {"resultUrls": list(task.result_urls)}
            if step.watermark_urls:
                result["resultWaterMarkUrls"] = list(step.watermark_urls)
            record.update(
                resultJson=json.dumps(result),
                failCode="",
                failMsg="",
                costTime=step.cost_time,
                completeTime=int((task.completed_at or time.time()) * 1000),
                creditsConsumed=step.credits,
            )
        elif isinstance(step, Fail):
            record.update(
                failCode=step.code,
                failMsg=step.message,
                costTime=step.cost_time,
                completeTime=int((task.completed_at or time.time()) * 1000),
                creditsConsumed=step.credits,
            )
        return record

    def _flag(self, task: FakeTask, *, failed_flag: int = 2) -> int:
        step = task.step
        if isinstance(step, Succeed):
            return 1
        if isinstance(step, Fail):
            return failed_flag
        return 0

    def _error(self, task: FakeTask, *, as_int: bool = True) -> tuple[Any, Any]:
        step = task.step
        if isinstance(step, Fail):
            return (int(step.code) if as_int and step.code.isdigit() else step.code), step.message
        return None, None

    def _record_veo(self, task: FakeTask) -> dict[str, Any]:
        code, message = self._error(task)
        done = isinstance(task.step, Succeed)
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.body),
            "completeTime": _date(task.completed_at) if task.completed_at else None,
            "response": {
                "taskId": task.task_id,
                "resultUrls": list(task.result_urls),
                "originUrls": list(task.result_urls),
                "resolution": task.body.get("resolution", "720p"),
            }
            if done
            else None,
            "successFlag": self._flag(task, failed_flag=3),
            "errorCode": code,
            "errorMessage": message or "",
            "createTime": _date(task.created_wall),
            "fallbackFlag": False,
        }

    def _record_suno(self, task: FakeTask) -> dict[str, Any]:
        step = task.step
        if isinstance(step, Succeed):
            status = "SUCCESS"
        elif isinstance(step, Fail):
            status = "GENERATE_AUDIO_FAILED"
        else:
            status = {"waiting": "PENDING", "queuing": "PENDING", "generating": "TEXT_SUCCESS"}.get(
                step.state, step.state
            )
        tracks = None
        if status != "PENDING" and not isinstance(step, Fail):
            tracks = [
                {
                    "id": f"{task.task_id[:8]}-{index}",
                    "audioUrl": url if status == "SUCCESS" else "",
                    "streamAudioUrl": url,
                    "imageUrl": "",
                    "prompt": task.body.get("prompt", ""),
                    "modelName": "chirp-v4-5",
                    "title": task.body.get("title", "Track"),
                    "tags": task.body.get("style", ""),
                    "createTime": _date(task.created_wall),
                    "duration": 123.4 if status == "SUCCESS" else None,
                }
                for index, url in enumerate(task.result_urls or ("", ""))
            ]
        code, message = self._error(task)
        return {
            "taskId": task.task_id,
            "parentMusicId": "",
            "param": json.dumps(task.body),
            "response": {"taskId": task.task_id, "sunoData": tracks} if tracks is not None else None,
            "status": status,
            "type": "chirp-v4-5",
            "operationType": "generate",
            "errorCode": code,
            "errorMessage": message,
        }

    def _suno_word(self, task: FakeTask) -> tuple[str, Any, Any]:
        step = task.step
        code, message = self._error(task)
        if isinstance(step, Succeed):
            return "SUCCESS", None, None
        if isinstance(step, Fail):
            return (
                ("GENERATE_WAV_FAILED" if task.family == "suno-wav" else "GENERATE_AUDIO_FAILED"),
                code,
                message,
            )
        return "PENDING", None, None

    def _follow_times(self, task: FakeTask) -> tuple[Any, int]:
        complete = int(task.completed_at * 1000) if task.completed_at else None
        return complete, int(task.created_wall * 1000)

    def _record_suno_wav(self, task: FakeTask) -> dict[str, Any]:
        return follow.record_wav(task, *self._suno_word(task), *self._follow_times(task))

    def _record_suno_stems(self, task: FakeTask) -> dict[str, Any]:
        return follow.record_stems(task, *self._suno_word(task), *self._follow_times(task))

    def _record_gpt4o_image(self, task: FakeTask) -> dict[str, Any]:
        step = task.step
        code, message = self._error(task)
        status = (
            "SUCCESS"
            if isinstance(step, Succeed)
            else "GENERATE_FAILED"
            if isinstance(step, Fail)
            else "GENERATING"
        )
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.body),
            "completeTime": int(task.completed_at * 1000) if task.completed_at else None,
            "response": {"resultUrls": list(task.result_urls)} if isinstance(step, Succeed) else None,
            "successFlag": self._flag(task),
            "status": status,
            "errorCode": code,
            "errorMessage": message or "",
            "createTime": int(task.created_wall * 1000),
            "progress": "1.00" if isinstance(step, Succeed) else "0.50",
        }

    def _record_flux_kontext(self, task: FakeTask) -> dict[str, Any]:
        step = task.step
        code, message = self._error(task)
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.body),
            "completeTime": _date(task.completed_at) if task.completed_at else None,
            "response": {
                "originImageUrl": task.result_urls[0],
                "resultImageUrl": task.result_urls[0],
            }
            if isinstance(step, Succeed) and task.result_urls
            else None,
            "successFlag": self._flag(task, failed_flag=3),
            "errorCode": code,
            "errorMessage": message or "",
            "createTime": _date(task.created_wall),
        }

    def _record_runway(self, task: FakeTask) -> dict[str, Any]:
        step = task.step
        if isinstance(step, Phase):
            state = {"waiting": "wait", "queuing": "queueing"}.get(step.state, step.state)
        else:
            state = self._wire_state(task)
        code, message = self._error(task)
        video = None
        if isinstance(step, Succeed) and task.result_urls:
            video = {
                "videoId": uuid.uuid5(uuid.NAMESPACE_URL, task.task_id).hex,
                "taskId": task.task_id,
                "videoUrl": task.result_urls[0],
                "imageUrl": "",
            }
        return {
            "taskId": task.task_id,
            "parentTaskId": "",
            "generateParam": {
                "prompt": task.body.get("prompt", ""),
                "imageUrl": task.body.get("imageUrl", ""),
                "expandPrompt": True,
            },
            "state": state,
            "generateTime": _date(task.completed_at) if task.completed_at else "",
            "videoInfo": video,
            "failCode": code,
            "failMsg": message or "",
            "expireFlag": 0,
        }

    def _record_aleph(self, task: FakeTask) -> dict[str, Any]:
        step = task.step
        code, message = self._error(task)
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.body),
            "response": {
                "taskId": task.task_id,
                "resultVideoUrl": task.result_urls[0],
                "resultImageUrl": "",
            }
            if isinstance(step, Succeed) and task.result_urls
            else None,
            "completeTime": _date(task.completed_at) if task.completed_at else None,
            "createTime": _date(task.created_wall),
            # Aleph documents only 1 = success, 0 = failed OR running: the error code tells them apart.
            "successFlag": 1 if isinstance(step, Succeed) else 0,
            "errorCode": code if code is not None else 0,
            "errorMessage": message or "",
        }

    # --- callbacks ---------------------------------------------------------------------------------

    def _callback_bodies(self, task: FakeTask) -> list[dict[str, Any]]:
        step = task.step
        ok = isinstance(step, Succeed)
        code = 200 if ok else _int_code(step.code)
        message = step.message if isinstance(step, Fail) else None
        urls = list(task.result_urls)
        tid = task.task_id
        if task.family == "market":
            return [
                {
                    "code": 200 if ok else 501,
                    "msg": "Playground task completed successfully." if ok else "Playground task failed.",
                    "data": self._record_market(task),
                }
            ]
        if task.family == "veo":
            data: dict[str, Any] = {"taskId": tid, "fallbackFlag": False}
            if ok:
                data["info"] = {"resultUrls": urls, "originUrls": urls, "resolution": "720p"}
            return [{"code": code, "msg": message or "Veo3.1 video generated successfully.", "data": data}]
        if task.family in ("suno-wav", "suno-stems"):
            return [follow.callback_body(task, ok, code, message)]
        if task.family == "gpt4o-image":
            info = {"result_urls": urls} if ok else None
            return [{"code": code, "msg": message or "success", "data": {"taskId": tid, "info": info}}]
        if task.family == "flux-kontext":
            info = {"originImageUrl": urls[0], "resultImageUrl": urls[0]} if ok and urls else None
            return [
                {
                    "code": code,
                    "msg": message or "BFL image generated successfully.",
                    "data": {"taskId": tid, "info": info},
                }
            ]
        if task.family == "runway":
            data = {
                "task_id": tid,
                "video_id": "",
                "video_url": urls[0] if ok and urls else "",
                "image_url": "",
            }
            return [{"code": code, "msg": message or "All generated successfully.", "data": data}]
        if task.family == "aleph":
            data_or_none = {"result_video_url": urls[0], "result_image_url": ""} if ok and urls else None
            return [{"code": code, "msg": message or "success", "data": data_or_none, "taskId": tid}]
        # suno: up to three callbacks per task
        if not ok:
            return [
                {
                    "code": code,
                    "msg": message,
                    "data": {"callbackType": "error", "task_id": tid, "data": None},
                }
            ]
        tracks = [
            {
                "id": f"{tid[:8]}-{index}",
                "audio_url": url,
                "stream_audio_url": url,
                "image_url": "",
                "prompt": task.body.get("prompt", ""),
                "model_name": "chirp-v4-5",
                "title": task.body.get("title", "Track"),
                "tags": task.body.get("style", ""),
                "createTime": _date(task.created_wall),
                "duration": 123.4,
            }
            for index, url in enumerate(urls)
        ]
        return [
            {
                "code": 200,
                "msg": "Text generation completed successfully.",
                "data": {
                    "callbackType": "text",
                    "task_id": tid,
                    "data": [{**t, "audio_url": ""} for t in tracks],
                },
            },
            {
                "code": 200,
                "msg": "First track generated successfully.",
                "data": {"callbackType": "first", "task_id": tid, "data": tracks[:1]},
            },
            {
                "code": 200,
                "msg": "All generated successfully.",
                "data": {"callbackType": "complete", "task_id": tid, "data": tracks},
            },
        ]

    async def _send_callbacks(self, task: FakeTask) -> None:
        mode = self._callback_by_model.get(task.model, self._callback_default)
        if mode.lost or not task.callback_url:
            return
        if mode.delay:
            await asyncio.sleep(mode.delay)
        bodies = self._callback_bodies(task)
        for _ in range(max(1, mode.copies)):
            for body in bodies:
                await self._deliver(task.callback_url, task.task_id, body)

    async def _deliver(self, url: str, task_id: str, body: dict[str, Any]) -> None:
        assert self._http is not None
        headers = {"Content-Type": "application/json", "User-Agent": "KieAI-Callback/1.0"}
        if self.hmac_key:
            timestamp = str(int(time.time()))
            digest = hmac.new(
                self.hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256
            ).digest()
            headers["X-Webhook-Timestamp"] = timestamp
            headers["X-Webhook-Signature"] = base64.b64encode(digest).decode()
        payload = json.dumps(body).encode()
        for attempt in range(1 + self.callback_retries):
            sent = SentCallback(url=url, body=body, headers=headers, status=None)
            try:
                async with self._http.post(url, data=payload, headers=headers) as response:
                    sent.status = response.status
            except Exception as exc:  # noqa: BLE001 - Kie retries on any network failure
                sent.error = type(exc).__name__
            self.callbacks_sent.append(sent)
            if sent.status == 200:
                return
            if attempt < self.callback_retries:
                await asyncio.sleep(self.callback_retry_delay)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def wait_callbacks(self, timeout: float = 5.0) -> None:
        """Wait until every scheduled callback has been delivered (or given up)."""
        async with asyncio.timeout(timeout):
            while self._background:
                await asyncio.gather(*list(self._background), return_exceptions=True)

    # --- files -------------------------------------------------------------------------------------

    def _upload(self, file_name: str, form: dict[str, str], content: bytes) -> web.Response:
        upload_path = form.get("uploadPath", "")
        if not content:
            return _json({"code": 400, "msg": "file is required", "data": None})
        name = file_name or form.get("file.filename") or f"upload-{next(self._serial)}"
        mime = form.get("file.content_type") or "application/octet-stream"
        return self._stored(upload_path, name, content, mime)

    def _upload_base64(self, body: Any) -> web.Response:
        if not isinstance(body, dict) or not isinstance(body.get("base64Data"), str):
            return _json({"code": 400, "msg": "base64Data is required", "data": None})
        data = body["base64Data"]
        mime = "application/octet-stream"
        if data.startswith("data:") and "," in data:
            header, data = data.split(",", 1)
            mime = header[5:].split(";")[0] or mime
        try:
            content = base64.b64decode(data, validate=True)
        except ValueError:
            return _json({"code": 400, "msg": "base64Data is not valid base64", "data": None})
        name = body.get("fileName") or f"upload-{next(self._serial)}"
        return self._stored(body.get("uploadPath", ""), name, content, mime)

    def _stored(self, upload_path: str, name: str, content: bytes, mime: str) -> web.Response:
        file_path = "/".join(p for p in ("kieai", "136592", upload_path.strip("/"), name) if p)
        url = self.serve_file(file_path, content, mime)
        self.uploads.append({"path": file_path, "name": name, "size": len(content), "mime": mime, "url": url})
        uploaded_at = _date(time.time())
        if self.upload_shape == "documented":
            data = {
                "fileId": uuid.uuid4().hex,
                "fileName": name,
                "originalName": name,
                "fileSize": len(content),
                "mimeType": mime,
                "uploadPath": upload_path,
                "fileUrl": url,
                "downloadUrl": url,
                "uploadTime": uploaded_at,
                "expiresAt": _date(time.time() + 3 * 86400),
            }
        else:
            data = {
                "success": True,
                "fileName": name,
                "filePath": file_path,
                "downloadUrl": url,
                "fileSize": len(content),
                "mimeType": mime,
                "uploadedAt": uploaded_at,
            }
        return _json({"success": True, "code": 200, "msg": "File uploaded successfully", "data": data})

    def _serve_file(self, path: str) -> web.Response:
        if path in self.expired or path not in self.files:
            return web.Response(status=404, text="Not Found")
        content, content_type = self.files[path]
        return web.Response(body=content, content_type=content_type.split(";")[0])


def _json(payload: Any, *, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


def _int_code(code: str) -> int:
    return int(code) if code.isdigit() else 501


def _date(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def _default_content(ext: str) -> bytes:
    if ext == "png":
        return _PNG_1X1
    if ext == "jpeg":
        return b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
    if ext == "mp4":
        return b"\x00\x00\x00\x18ftypmp42fake-video"
    return b"ID3fake-audio"
