"""Kie types: our normalized `TaskStatus` (strict) and the wire shapes of each family (lenient).

Wire Structs accept unknown fields and nulls everywhere because Kie adds fields and sends nulls while a
task runs; numbers that Kie sometimes sends as strings are typed `float | str`. Our own types are
frozen and forbid unknown fields.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import msgspec

TaskState = Literal["queued", "running", "succeeded", "failed"]
TERMINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed"})


class TaskStatus(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What the jobs layer needs from a query, whatever the family."""

    task_id: str
    state: TaskState
    result_urls: tuple[str, ...] = ()
    # Kie's ids of the results, in the order of result_urls, where a follow-up needs them (Suno tracks).
    result_ids: tuple[str, ...] = ()
    result_text: str | None = None
    fail_code: str | None = None
    fail_message: str | None = None
    credits_consumed: float | None = None
    cost_seconds: float | None = None
    # Kie's own state word (or "successFlag=1"), for logs and the admin panel.
    raw_state: str = ""

    @property
    def done(self) -> bool:
        return self.state in TERMINAL_STATES


# --- Wire shapes -----------------------------------------------------------------------------------

Number = float | str | None
Code = int | str | None


class _Wire(msgspec.Struct, frozen=True, rename="camel"):
    pass


class CreatedTask(_Wire, frozen=True):
    task_id: str | None = None
    # Suno/Runway spell it snake_case in places; accept both.
    task_id_snake: str | None = msgspec.field(default=None, name="task_id")
    record_id: str | None = None


class MarketRecord(_Wire, frozen=True):
    task_id: str | None = None
    model: str | None = None
    state: str | None = None
    param: Any = None  # a JSON string whose `input` is a JSON string again (see decode_param)
    result_json: Any = None  # a JSON STRING: "" while running, may be null
    fail_code: Code = None
    fail_msg: str | None = None
    cost_time: Number = None  # seconds in reality, although a doc page says ms
    credits_consumed: Number = None
    progress: Number = None
    create_time: Number = None
    complete_time: Number = None


class VeoResponse(_Wire, frozen=True):
    task_id: str | None = None
    result_urls: list[str] | None = None
    origin_urls: list[str] | None = None
    full_result_urls: list[str] | None = None
    resolution: str | None = None


class VeoRecord(_Wire, frozen=True):
    task_id: str | None = None
    param_json: Any = None
    response: VeoResponse | None = None
    success_flag: Code = None
    error_code: Code = None
    error_message: str | None = None
    credits_consumed: Number = None


class SunoTrack(_Wire, frozen=True):
    id: str | None = None
    audio_url: str | None = None
    stream_audio_url: str | None = None
    image_url: str | None = None
    title: str | None = None
    duration: Number = None


class SunoResponse(_Wire, frozen=True):
    task_id: str | None = None
    suno_data: list[SunoTrack] | None = None


class SunoRecord(_Wire, frozen=True):
    task_id: str | None = None
    status: str | None = None
    response: SunoResponse | None = None
    error_code: Code = None
    error_message: str | None = None


class SunoStem(_Wire, frozen=True):
    id: str | None = None
    audio_url: str | None = msgspec.field(default=None, name="audio_url")  # snake_case on the wire
    stem_type_group_name: str | None = msgspec.field(default=None, name="stem_type_group_name")


class SunoExtraResponse(_Wire, frozen=True):
    """WAV conversion (`audioWavUrl`) and vocal separation (`originData[]` plus one URL per stem)."""

    audio_wav_url: str | None = None
    origin_data: list[SunoStem] | None = None
    vocal_url: str | None = None
    instrumental_url: str | None = None


class SunoExtraRecord(_Wire, frozen=True):
    """/wav/record-info and /vocal-removal/record-info: `successFlag` is a WORD here (PENDING, SUCCESS,
    CREATE_TASK_FAILED, GENERATE_WAV_FAILED…), not the number of the Veo-like families."""

    task_id: str | None = None
    music_id: str | None = None
    response: SunoExtraResponse | None = None
    success_flag: str | None = None
    error_code: Code = None
    error_message: str | None = None


class Gpt4oResponse(_Wire, frozen=True):
    result_urls: list[str] | None = None


class Gpt4oRecord(_Wire, frozen=True):
    task_id: str | None = None
    status: str | None = None
    success_flag: Code = None
    progress: Number = None
    response: Gpt4oResponse | None = None
    error_code: Code = None
    error_message: str | None = None


class FluxResponse(_Wire, frozen=True):
    origin_image_url: str | None = None
    result_image_url: str | None = None


class FluxRecord(_Wire, frozen=True):
    task_id: str | None = None
    success_flag: Code = None
    response: FluxResponse | None = None
    error_code: Code = None
    error_message: str | None = None


class RunwayVideo(_Wire, frozen=True):
    video_id: str | None = None
    video_url: str | None = None
    image_url: str | None = None


class RunwayRecord(_Wire, frozen=True):
    task_id: str | None = None
    state: str | None = None
    video_info: RunwayVideo | None = None
    fail_code: Code = None
    fail_msg: str | None = None
    expire_flag: Code = None


class AlephResponse(_Wire, frozen=True):
    result_video_url: str | None = None
    result_image_url: str | None = None


class AlephRecord(_Wire, frozen=True):
    task_id: str | None = None
    success_flag: Code = None
    response: AlephResponse | None = None
    error_code: Code = None
    error_message: str | None = None


class MjResult(_Wire, frozen=True):
    result_url: str | None = None


class MjResultInfo(_Wire, frozen=True):
    result_urls: list[MjResult] | None = None


class MjRecord(_Wire, frozen=True):
    task_id: str | None = None
    success_flag: Code = None
    result_info_json: MjResultInfo | None = None
    error_code: Code = None
    error_message: str | None = None


class UploadData(_Wire, frozen=True):
    """Upload answer: live shape has `downloadUrl` (+ filePath); the documented one adds `fileUrl`."""

    download_url: str | None = None
    file_url: str | None = None
    file_name: str | None = None
    file_size: Number = None


# --- Defensive helpers for Kie's encoded fields ------------------------------------------------------

_json = msgspec.json.Decoder()


def loads_lenient(value: Any) -> Any:
    """Decode a field that should hold JSON text; "" / null / garbage give None, never an exception."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return _json.decode(value)
    except msgspec.DecodeError:
        return None


def decode_param(param: Any) -> dict[str, Any]:
    """The original request Kie echoes in `param`: a JSON string whose `input` is a JSON string again."""
    decoded = loads_lenient(param)
    if not isinstance(decoded, dict):
        return {}
    inner = decoded.get("input")
    if isinstance(inner, str):
        parsed = loads_lenient(inner)
        if isinstance(parsed, dict):
            decoded = {**decoded, "input": parsed}
    return decoded


# Numbers Kie spells as text: ASCII digits only (float() and int() read any script's digits, and
# float() takes "nan" and "inf").
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value.strip()):
        return float(value)
    return None


def as_code(value: Any) -> str | None:
    """Fail codes come as "400", 400, "", 0 or null; "" and 0 mean "no error"."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    return str(value)


def as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value)
    return None
