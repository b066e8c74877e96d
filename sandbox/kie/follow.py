"""The fake Kie's follow-up endpoints: operations on a task it made before (Veo extend and the 1080p/4K
upgrades, Suno extend, upload-cover, WAV conversion and vocal separation, Grok extend and upscale).

Their quirks, as ../shared/kie/api.md and models-extra.json record them: an operation on a task or
track Kie does not know answers HTTP 200 with code 422 "Record does not exist" and creates nothing; a
task that has not succeeded answers 422 "record status is not success"; a second WAV of the same track
answers 409; upload-cover takes any uploadUrl at creation and fails the task later when it cannot
fetch it; 4K exists only for 16:9 and 9:16 videos (the task fails with Kie's 500 message); Suno's WAV
and vocal-separation record-info spell `successFlag` as a word and have their own result fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Dedicated routes: the family whose record-info answers them, and the catalog id the fake files them under.
CREATE_ROUTES = {
    "/api/v1/veo/extend": "veo",
    "/api/v1/generate/extend": "suno",
    "/api/v1/generate/upload-cover": "suno",
    "/api/v1/wav/generate": "suno-wav",
    "/api/v1/vocal-removal/generate": "suno-stems",
}
QUERY_ROUTES = {
    "/api/v1/wav/record-info": "suno-wav",
    "/api/v1/vocal-removal/record-info": "suno-stems",
}
ROUTE_MODEL = {
    "/api/v1/veo/extend": "veo3-extend",
    "/api/v1/generate/extend": "suno-extend",
    "/api/v1/generate/upload-cover": "suno-upload-cover",
    "/api/v1/wav/generate": "suno-wav",
    "/api/v1/vocal-removal/generate": "suno-vocal-removal",
}
RESULT_KIND = {
    "suno-wav": ("wav", "audio/wav"),
    "suno-stems": ("mp3", "audio/mpeg"),
}
# Market models that make videos of a task (their results are videos, not the market default image).
VIDEO_MODELS = frozenset(
    {"veo/get-1080p-video", "veo/get-4k-video", "grok-imagine/extend", "grok-imagine/upscale"}
)

# Which field names the parent task, and which family made it.
_PARENT = {
    "veo3-extend": ("taskId", ("veo",)),
    "veo/get-1080p-video": ("taskId", ("veo",)),
    "veo/get-4k-video": ("task_id", ("veo",)),
    "grok-imagine/extend": ("task_id", ("market",)),
    "grok-imagine/upscale": ("task_id", ("market",)),
    "suno-wav": ("taskId", ("suno",)),
    "suno-vocal-removal": ("taskId", ("suno",)),
}
UHD_RATIOS = ("16:9", "9:16")
NOT_FOUND = (422, "Record does not exist")
NOT_DONE = (422, "record status is not success")


def track_ids(task: Any) -> list[str]:
    """The ids the fake gives a Suno task's tracks (its record-info and callbacks say the same)."""
    return [f"{task.task_id[:8]}-{index}" for index in range(len(task.result_urls))]


def _succeeded(task: Any) -> bool:
    return task.completed_at is not None and bool(task.result_urls)


def _track_owner(tasks: Mapping[str, Any], audio_id: str) -> Any:
    for task in tasks.values():
        if task.family == "suno" and audio_id in track_ids(task):
            return task
    return None


def parent_problem(
    model: str, payload: Mapping[str, Any], tasks: Mapping[str, Any], wavs: set[str]
) -> tuple[int, str] | None:
    """Kie's answer to an operation on a task or track it cannot use (None: go on)."""
    if model == "suno-extend":
        owner = _track_owner(tasks, str(payload.get("audioId", "")))
        if owner is None:
            return NOT_FOUND
        if payload.get("model") != owner.body.get("model"):
            return 422, "model must match the source audio's model"
        return None
    if model not in _PARENT:
        return None
    field, families = _PARENT[model]
    parent = tasks.get(str(payload.get(field, "")))
    if parent is None or parent.family not in families:
        return NOT_FOUND
    if not _succeeded(parent):
        return NOT_DONE
    if model in ("suno-wav", "suno-vocal-removal"):
        audio_id = str(payload.get("audioId", ""))
        if audio_id not in track_ids(parent):
            return NOT_FOUND
        if model == "suno-wav":
            if audio_id in wavs:
                return 409, "WAV record already exists"
            wavs.add(audio_id)
    return None


def fails_later(
    model: str, payload: Mapping[str, Any], tasks: Mapping[str, Any], own_file: Any
) -> str | None:
    """Why a task created without complaint fails once it runs (None: it runs as scripted)."""
    if model == "suno-upload-cover" and own_file(str(payload.get("uploadUrl", ""))) is None:
        return "Failed to fetch the upload audio"
    if model == "veo/get-4k-video":
        parent = tasks.get(str(payload.get("task_id", "")))
        if parent is not None and parent.body.get("aspectRatio", "16:9") not in UHD_RATIOS:
            return "The 4K version of this video is unavailable"
    return None


def record_wav(task: Any, word: str, code: Any, message: Any, complete: Any, created: Any) -> dict[str, Any]:
    done = word == "SUCCESS"
    return {
        "taskId": task.task_id,
        "musicId": task.body.get("audioId"),
        "callbackUrl": task.callback_url or "",
        "completeTime": complete,
        "response": {"audioWavUrl": task.result_urls[0]} if done and task.result_urls else None,
        "successFlag": word,
        "createTime": created,
        "errorCode": code,
        "errorMessage": message,
    }


def record_stems(
    task: Any, word: str, code: Any, message: Any, complete: Any, created: Any
) -> dict[str, Any]:
    done = word == "SUCCESS"
    names = ("Vocals", "Instrumental")
    origin = [
        {
            "duration": 123.4,
            "audio_url": url,
            "stem_type_group_name": names[i % 2],
            "id": f"{task.task_id[:6]}-s{i}",
        }
        for i, url in enumerate(task.result_urls)
    ]
    response = None
    if done:
        urls = list(task.result_urls)
        response = {
            "id": None,
            "originUrl": None,
            "originData": origin,
            "vocalUrl": urls[0] if urls else None,
            "instrumentalUrl": urls[1] if len(urls) > 1 else None,
            "backingVocalsUrl": None,
            "drumsUrl": None,
            "bassUrl": None,
        }
    return {
        "taskId": task.task_id,
        "musicId": task.body.get("audioId"),
        "callbackUrl": task.callback_url or "",
        "musicIndex": 0,
        "completeTime": complete,
        "response": response,
        "successFlag": word,
        "createTime": created,
        "errorCode": code,
        "errorMessage": message,
    }


def callback_body(task: Any, ok: bool, code: int, message: str | None) -> dict[str, Any]:
    """The one callback of a WAV or vocal-separation task (snake_case task_id, like Suno's)."""
    urls = list(task.result_urls)
    if task.family == "suno-wav":
        data = {"task_id": task.task_id, "audio_wav_url": urls[0] if ok and urls else None}
        return {"code": code, "msg": message or "success", "data": data}
    info = {"vocal_url": urls[0] if urls else None, "instrumental_url": urls[1] if len(urls) > 1 else None}
    data = {"task_id": task.task_id, "vocal_removal_info": info if ok else None}
    return {"code": code, "msg": message or "vocal Removal generated successfully.", "data": data}
