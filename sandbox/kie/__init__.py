"""A faithful in-process fake of Kie AI (api.kie.ai and the upload host), quirks included.

It speaks the real wire formats of every family TRT uses (market jobs, Veo, Suno, 4o Image, Flux
Kontext, Runway, Aleph) with the quirks of ../shared/kie/api.md: HTTP 200 carrying error codes,
Cloudflare's bare 403 "error code: 1010" for clients without a browser User-Agent, `resultJson` and
`param` as JSON STRINGS (`param.input` double-encoded), nulls while running, `costTime` in seconds,
Suno's `data: null` for unknown tasks, snake_case task ids in Runway/Suno callbacks, Aleph's
top-level `taskId`, the live upload answer shape. It serves uploaded files and generated results at its
own `/files/...` URLs and sends callbacks (lost, duplicated, delayed, signed) when tasks finish. The
synchronous chat endpoints (sandbox/kie/chat.py) are served on the same host; `chat` is their state.
The follow-up endpoints (Veo extend, Suno extend/upload-cover/WAV/vocal separation, and the createTask
operations on an earlier task) check the parent task as Kie does (sandbox/kie/follow.py); `wavs` holds
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
  `refused` (createTask calls refused for a documented limit, see limits.py).

The package, by module:

- ``steps``: the script steps (``Phase``, ``Succeed``, ``Fail``, ``CreateError``, ``CreateHang``) and
  ``DEFAULT_SCRIPT``.
- ``wire``: ``DEFAULT_API_KEY``, the records (``RecordedRequest``, ``SentCallback``, ``FakeTask``) and the
  shared ``_json``/``_date`` helpers.
- ``server``: ``FakeKie`` itself (constructor, lifecycle, reset, the aiohttp app, dispatch), combining the
  mixins ``controls`` (test-side knobs), ``tasks`` (createTask and the scripted lifecycle of a task),
  ``query`` (each family's record-info), ``callbacks`` (sending callbacks) and ``files`` (uploads and
  served files).
- ``follow``: the follow-up endpoints' routes and checks; ``limits``: what createTask refuses by the
  documentation.
- ``chat`` and ``chat_state``: the synchronous chat endpoints (``add_chat_routes``, ``start_chat_server``)
  and their state (``KieChatState``).
"""

from __future__ import annotations

from sandbox.kie.server import FakeKie
from sandbox.kie.steps import DEFAULT_SCRIPT as DEFAULT_SCRIPT
from sandbox.kie.steps import CreateError, CreateHang, Fail, Phase, Succeed
from sandbox.kie.tasks import _DEDICATED_MODEL as _DEDICATED_MODEL  # the demo files its tasks with it
from sandbox.kie.wire import DEFAULT_API_KEY, FakeTask, RecordedRequest
from sandbox.kie.wire import NO_ACCESS as NO_ACCESS
from sandbox.kie.wire import SentCallback as SentCallback

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
