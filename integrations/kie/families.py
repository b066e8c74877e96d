"""One small adapter per Kie API family: where to create and query, and how to read a task's state.

Every family answers in its own dialect (market `state` words, `successFlag` numbers, Suno `status`
words, Runway's `videoInfo`...); each adapter turns it into the same `TaskStatus`. State words we do
not know count as "running": the jobs layer keeps polling until its deadline instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from integrations.kie.errors import KieNotFound, KieUnknownError
from integrations.kie.follow_families import extra_status, stem_urls, wav_urls
from integrations.kie.types import (
    AlephRecord,
    FluxRecord,
    Gpt4oRecord,
    MarketRecord,
    MjRecord,
    RunwayRecord,
    SunoExtraRecord,
    SunoRecord,
    TaskState,
    TaskStatus,
    VeoRecord,
    as_code,
    as_float,
    as_int,
    loads_lenient,
)

__all__ = ["FAMILIES", "FamilyAdapter", "get_family"]

T = TypeVar("T")


class _Envelope(msgspec.Struct, Generic[T], frozen=True):
    code: int | None = None
    data: T | None = None


def _decode(body: bytes, record: type[T]) -> T:
    try:
        envelope = msgspec.json.decode(body, type=_Envelope[record])
    except msgspec.DecodeError as exc:
        # The path in msgspec's message names the offending field; the body itself may be huge.
        raise KieUnknownError(f"unreadable task record: {exc}") from exc
    if envelope.data is None:
        # Suno (and others) answer HTTP 200, code 200, `data: null` for a task they do not know.
        raise KieNotFound("task not found (data is null)", code=envelope.code)
    return envelope.data


def _urls(*candidates: Any) -> tuple[str, ...]:
    found: list[str] = []
    for item in candidates:
        if isinstance(item, str) and item and item not in found:
            found.append(item)
    return tuple(found)


@dataclass(frozen=True)
class FamilyAdapter:
    """A family's endpoints. Subclasses implement `_body` and `parse_status`."""

    name: str
    create_path: str
    query_path: str
    # Suno refuses a create without callBackUrl (HTTP 200, code 422 "Please enter callBackUrl.").
    requires_callback: bool = False

    def create_body(
        self, model_id: str, request_input: Mapping[str, Any], callback_url: str | None
    ) -> tuple[str, dict[str, Any]]:
        if self.requires_callback and not callback_url:
            raise ValueError(f"Kie family {self.name!r} requires a callBackUrl")
        body = self._body(model_id, dict(request_input))
        if callback_url:
            body["callBackUrl"] = callback_url
        return self.create_path, body

    def query(self, task_id: str) -> tuple[str, dict[str, str]]:
        return self.query_path, {"taskId": task_id}

    def _body(self, model_id: str, request_input: dict[str, Any]) -> dict[str, Any]:
        # Dedicated APIs take their fields at the top level, in camelCase.
        return request_input

    def parse_status(self, body: bytes) -> TaskStatus:
        raise NotImplementedError


# --- market: /api/v1/jobs/* -------------------------------------------------------------------------

MARKET_STATES: dict[str, TaskState] = {
    "waiting": "queued",
    "queuing": "queued",
    "generating": "running",
    "success": "succeeded",
    "fail": "failed",
}


def _result_text(result_object: Any) -> str | None:
    if result_object is None:
        return None
    if isinstance(result_object, str):
        return result_object
    if isinstance(result_object, dict):
        for key in ("text", "content", "result", "output"):
            if isinstance(result_object.get(key), str):
                return result_object[key]
    return msgspec.json.encode(result_object).decode()


class MarketFamily(FamilyAdapter):
    def _body(self, model_id: str, request_input: dict[str, Any]) -> dict[str, Any]:
        return {"model": model_id, "input": request_input}

    def parse_status(self, body: bytes) -> TaskStatus:
        record = _decode(body, MarketRecord)
        return market_status(record)


def market_status(record: MarketRecord) -> TaskStatus:
    raw_state = record.state or ""
    result = loads_lenient(record.result_json)
    urls: tuple[str, ...] = ()
    text = None
    if isinstance(result, dict):
        # resultWaterMarkUrls are the watermarked copies: never deliver those.
        raw_urls = result.get("resultUrls")
        urls = _urls(*raw_urls) if isinstance(raw_urls, list) else ()
        text = _result_text(result.get("resultObject"))
    return TaskStatus(
        task_id=record.task_id or "",
        state=MARKET_STATES.get(raw_state, "running"),
        result_urls=urls,
        result_text=text,
        fail_code=as_code(record.fail_code),
        fail_message=record.fail_msg or None,
        credits_consumed=as_float(record.credits_consumed),
        cost_seconds=as_float(record.cost_time),
        raw_state=raw_state,
    )


# --- successFlag families ----------------------------------------------------------------------------


def _flag_state(flag: Any, *, error_code: Any = None, error_message: str | None = None) -> TaskState:
    value = as_int(flag)
    if value == 1:
        return "succeeded"
    if value in (2, 3):
        return "failed"
    # Aleph documents 0 as "failed OR in progress": an error code/message tells them apart.
    if as_code(error_code) is not None or error_message:
        return "failed"
    return "running"


def _flag_status(
    task_id: str | None,
    flag: Any,
    urls: tuple[str, ...],
    error_code: Any,
    error_message: str | None,
    credits: Any = None,
) -> TaskStatus:
    state = _flag_state(flag, error_code=error_code, error_message=error_message)
    return TaskStatus(
        task_id=task_id or "",
        state=state,
        result_urls=urls if state == "succeeded" else (),
        fail_code=as_code(error_code) if state == "failed" else None,
        fail_message=(error_message or None) if state == "failed" else None,
        credits_consumed=as_float(credits),
        raw_state=f"successFlag={flag}",
    )


class VeoFamily(FamilyAdapter):
    def _body(self, model_id: str, request_input: dict[str, Any]) -> dict[str, Any]:
        request_input.setdefault("model", model_id)
        return request_input

    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, VeoRecord)
        urls = _urls(*((r.response and r.response.result_urls) or ()))
        return _flag_status(
            r.task_id, r.success_flag, urls, r.error_code, r.error_message, r.credits_consumed
        )


class Gpt4oFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, Gpt4oRecord)
        urls = _urls(*((r.response and r.response.result_urls) or ()))
        return _flag_status(r.task_id, r.success_flag, urls, r.error_code, r.error_message)


class FluxKontextFamily(FamilyAdapter):
    def _body(self, model_id: str, request_input: dict[str, Any]) -> dict[str, Any]:
        request_input.setdefault("model", model_id)
        return request_input

    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, FluxRecord)
        urls = _urls(r.response and r.response.result_image_url)
        return _flag_status(r.task_id, r.success_flag, urls, r.error_code, r.error_message)


class AlephFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, AlephRecord)
        urls = _urls(r.response and r.response.result_video_url)
        return _flag_status(r.task_id, r.success_flag, urls, r.error_code, r.error_message)


class MjFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, MjRecord)
        info = r.result_info_json
        urls = _urls(*(item.result_url for item in ((info and info.result_urls) or ())))
        return _flag_status(r.task_id, r.success_flag, urls, r.error_code, r.error_message)


# --- suno ---------------------------------------------------------------------------------------------

_SUNO_STATES: dict[str, TaskState] = {
    "PENDING": "running",
    "TEXT_SUCCESS": "running",
    "FIRST_SUCCESS": "running",
    "SUCCESS": "succeeded",
    "CREATE_TASK_FAILED": "failed",
    "GENERATE_AUDIO_FAILED": "failed",
    "CALLBACK_EXCEPTION": "failed",
    "SENSITIVE_WORD_ERROR": "failed",
}


class SunoFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, SunoRecord)
        raw_state = r.status or ""
        state = _SUNO_STATES.get(raw_state, "running")
        tracks = [t for t in ((r.response and r.response.suno_data) or ()) if t.audio_url]
        urls = _urls(*(track.audio_url for track in tracks)) if state == "succeeded" else ()
        # The track ids, in the order of the URLs: ➕ Продлить, stems and WAV name a track by its id.
        ids = tuple(t.id or "" for t in tracks) if state == "succeeded" and len(tracks) == len(urls) else ()
        return TaskStatus(
            task_id=r.task_id or "",
            state=state,
            result_urls=urls,
            result_ids=ids,
            fail_code=as_code(r.error_code) if state == "failed" else None,
            fail_message=(r.error_message or raw_state) if state == "failed" else None,
            raw_state=raw_state,
        )


class VeoExtendFamily(VeoFamily):
    def _body(self, model_id: str, request_input: dict[str, Any]) -> dict[str, Any]:
        # `model` is the parent's tier (fast, quality, lite), filled from the parent job.
        return request_input


class SunoWavFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        record = _decode(body, SunoExtraRecord)
        return extra_status(record, wav_urls(record))


class SunoStemsFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        record = _decode(body, SunoExtraRecord)
        return extra_status(record, stem_urls(record))


# --- runway -------------------------------------------------------------------------------------------

_RUNWAY_STATES: dict[str, TaskState] = {
    "wait": "queued",
    "queueing": "queued",
    "generating": "running",
    "success": "succeeded",
    "fail": "failed",
}


class RunwayFamily(FamilyAdapter):
    def parse_status(self, body: bytes) -> TaskStatus:
        r = _decode(body, RunwayRecord)
        raw_state = r.state or ""
        state = _RUNWAY_STATES.get(raw_state, "running")
        return TaskStatus(
            task_id=r.task_id or "",
            state=state,
            result_urls=_urls(r.video_info and r.video_info.video_url) if state == "succeeded" else (),
            fail_code=as_code(r.fail_code) if state == "failed" else None,
            fail_message=(r.fail_msg or None) if state == "failed" else None,
            raw_state=raw_state,
        )


FAMILIES: dict[str, FamilyAdapter] = {
    adapter.name: adapter
    for adapter in (
        MarketFamily("market", "/api/v1/jobs/createTask", "/api/v1/jobs/recordInfo"),
        VeoFamily("veo", "/api/v1/veo/generate", "/api/v1/veo/record-info"),
        SunoFamily("suno", "/api/v1/generate", "/api/v1/generate/record-info", requires_callback=True),
        VeoExtendFamily("veo-extend", "/api/v1/veo/extend", "/api/v1/veo/record-info"),
        SunoFamily(
            "suno-extend", "/api/v1/generate/extend", "/api/v1/generate/record-info", requires_callback=True
        ),
        SunoFamily(
            "suno-cover",
            "/api/v1/generate/upload-cover",
            "/api/v1/generate/record-info",
            requires_callback=True,
        ),
        SunoWavFamily("suno-wav", "/api/v1/wav/generate", "/api/v1/wav/record-info", requires_callback=True),
        SunoStemsFamily(
            "suno-stems",
            "/api/v1/vocal-removal/generate",
            "/api/v1/vocal-removal/record-info",
            requires_callback=True,
        ),
        Gpt4oFamily("gpt4o-image", "/api/v1/gpt4o-image/generate", "/api/v1/gpt4o-image/record-info"),
        FluxKontextFamily(
            "flux-kontext", "/api/v1/flux/kontext/generate", "/api/v1/flux/kontext/record-info"
        ),
        RunwayFamily("runway", "/api/v1/runway/generate", "/api/v1/runway/record-detail"),
        AlephFamily("aleph", "/api/v1/aleph/generate", "/api/v1/aleph/record-info"),
        MjFamily("mj", "/api/v1/mj/generate", "/api/v1/mj/record-info"),
    )
}


def get_family(name: str) -> FamilyAdapter:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown Kie API family {name!r}; known: {sorted(FAMILIES)}") from None
