"""The task store of ``FakeKie``: createTask on every family (checks, refusals, the model's script) and
the lifecycle of a task through its scripted phases to its outcome, results and callbacks.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from typing import Any

from aiohttp import web

from sandbox.kie import follow
from sandbox.kie.limits import refusal
from sandbox.kie.steps import (
    _CREATE_ERROR_TEXT,
    DEFAULT_SCRIPT,
    CreateError,
    CreateHang,
    Fail,
    Phase,
    Succeed,
)
from sandbox.kie.wire import FakeTask, RecordedRequest, _json

# The catalog id the fake files a dedicated-API task under (their bodies carry no catalog id).
_DEDICATED_MODEL = {
    "suno": "suno",
    "gpt4o-image": "4o-image",
    "runway": "runway",
    "aleph": "runway-aleph",
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


class _Tasks:
    """Task creation and the scripted lifecycle of a task in ``FakeKie``."""

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


def _default_content(ext: str) -> bytes:
    if ext == "png":
        return _PNG_1X1
    if ext == "jpeg":
        return b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
    if ext == "mp4":
        return b"\x00\x00\x00\x18ftypmp42fake-video"
    return b"ID3fake-audio"
