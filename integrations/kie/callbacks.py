"""Kie callbacks (webhooks): read the task id and a state HINT from any family's body; check signatures.

A callback is only a hint. Kie's own docs call the query endpoint authoritative, callbacks repeat
(Suno sends text/first/complete; failed deliveries are retried), arrive late or never, and the
signature covers only `taskId.timestamp`, not the body. So the jobs layer must:
  1. answer 200 fast (Kie gives up after 15 s and 3 retries),
  2. look the job up by `task_id` (unknown id → ignore, still 200),
  3. re-read the task with `KieClient.get_task` before charging, delivering or refunding,
  4. be idempotent: a finished job ignores further callbacks,
and keep polling as the fallback for callbacks that never come.

Body shapes (api.md §3): market `data.taskId` + `data.state`; Veo/4o/Flux/MJ `data.taskId` + `code`;
Runway and Suno `data.task_id` (Suno adds `data.callbackType` text|first|complete|error); Aleph puts
`taskId` at the TOP level next to `data` (which is null on failure). Failures carry code != 200
(501 "Playground task failed.", 400 policy, 531 Suno refunded...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import msgspec

from integrations.kie.errors import KieError
from integrations.kie.families import MARKET_STATES
from integrations.kie.types import TaskState

__all__ = ["CallbackHint", "MalformedCallback", "parse_callback", "sign", "verify_signature"]


class MalformedCallback(KieError):
    """A body that is not a Kie callback we can attribute to a task (answer 400, log, move on)."""


class CallbackHint(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    task_id: str
    # None when the body does not say (never guess "succeeded" from silence).
    state_hint: TaskState | None
    code: int | None = None
    # Suno's callbackType (text | first | complete | error); None for other families.
    callback_type: str | None = None


_SUNO_TYPES: dict[str, TaskState] = {
    "text": "running",
    "first": "running",
    "complete": "succeeded",
    "error": "failed",
}

_decoder = msgspec.json.Decoder()
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def parse_callback(body: bytes) -> CallbackHint:
    try:
        payload = _decoder.decode(body)
    except msgspec.DecodeError:
        raise MalformedCallback("callback body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedCallback("callback body is not a JSON object")
    data = payload.get("data")
    data = data if isinstance(data, dict) else {}
    task_id = (
        _text(data.get("taskId"))
        or _text(data.get("task_id"))
        or _text(payload.get("taskId"))
        or _text(payload.get("task_id"))
    )
    if task_id is None:
        raise MalformedCallback("callback without taskId/task_id")
    raw_code = payload.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    callback_type = _text(data.get("callbackType"))

    state: TaskState | None
    if code is not None and code != 200:
        state = "failed"
    elif isinstance(data.get("state"), str):
        state = MARKET_STATES.get(data["state"])
    elif callback_type is not None:
        state = _SUNO_TYPES.get(callback_type.lower())
    elif code == 200:
        # Dedicated families call back once, when the task is done.
        state = "succeeded"
    else:
        state = None
    return CallbackHint(task_id=task_id, state_hint=state, code=code, callback_type=callback_type)


def sign(task_id: str, timestamp: str | int, hmac_key: str) -> str:
    """Kie's X-Webhook-Signature: base64(HMAC-SHA256(f"{taskId}.{timestamp}", webhookHmacKey))."""
    digest = hmac.new(hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(
    task_id: str,
    timestamp_header: str | None,
    signature_header: str | None,
    hmac_key: str,
    *,
    now: float,
    max_skew_seconds: float = 300,
) -> bool:
    """True when the headers prove Kie sent a callback for `task_id` recently.

    Kie specifies no replay window; a timestamp more than 5 minutes away is refused, and the web layer
    refuses a signature it has already accepted (see runtime/web.py), so a captured callback cannot be
    replayed. The timestamp is Unix seconds in ASCII digits (int() would also read «١٧…», "+17…" and
    "1_700_…"). Only the task id is signed: the body stays a hint (re-query the task).
    """
    if not task_id or not timestamp_header or not signature_header or not hmac_key:
        return False
    timestamp = timestamp_header.strip()
    if not _TIMESTAMP.fullmatch(timestamp):
        return False
    issued = int(timestamp)
    if abs(now - issued) > max_skew_seconds:
        return False
    expected = sign(task_id, timestamp, hmac_key).encode("ascii")
    return hmac.compare_digest(expected, signature_header.strip().encode("utf-8", "replace"))
