"""The record-info endpoints of ``FakeKie``: each family's task record in its own wire shape (market,
Veo, Suno and its WAV and stems, 4o Image, Flux Kontext, Runway, Aleph).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from aiohttp import web

from sandbox.kie import follow
from sandbox.kie.steps import Fail, Phase, Succeed
from sandbox.kie.wire import FakeTask, _date, _json


class _Query:
    """The record-info answers of ``FakeKie``."""

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
