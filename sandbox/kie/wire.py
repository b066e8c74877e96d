"""The fake Kie's key and auth message, the records it keeps (requests, callbacks sent, tasks and the
private fault and callback-mode records) and the JSON answer and date helpers its endpoints share.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.kie.steps import Fail, Succeed

DEFAULT_API_KEY = "kie-test-key-0123456789abcdef"
NO_ACCESS = "You do not have access permissions"


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


def _json(payload: Any, *, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


def _date(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
