"""The callbacks ``FakeKie`` sends when a task finishes: each family's bodies, the modes (lost,
copies, delay), the HMAC signature, retries, and waiting for them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

from sandbox.kie import follow
from sandbox.kie.steps import Fail, Succeed
from sandbox.kie.wire import FakeTask, SentCallback, _date


class _Callbacks:
    """Callback delivery of ``FakeKie``."""

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


def _int_code(code: str) -> int:
    return int(code) if code.isdigit() else 501
