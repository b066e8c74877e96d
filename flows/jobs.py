"""The hand-off from a confirmed wizard to the jobs layer: a generation request, as data.

The wizard decides; the runtime stores the request as a job row in the same transaction as the
session, and the jobs layer (runtime/jobs) makes it run.
"""

from __future__ import annotations

from typing import Any

import msgspec

from flows.files import FileRef


class GenerationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    request_id: str
    user_id: int
    chat_id: int
    model_id: str
    # Exactly what Kie receives, except "tgfile:<file_id>" values the jobs layer uploads first.
    input: dict[str, Any]
    files: dict[str, FileRef]
    price_kopecks: int
    # The wizard values, to prefill "🔁 Сделать ещё раз".
    values: dict[str, Any]
    lang: str = "ru"
    free: bool = False


class CreateJob(msgspec.Struct, frozen=True, tag="create_job"):
    request: GenerationRequest


class CancelQueuedJob(msgspec.Struct, frozen=True, tag="cancel_queued_job"):
    """Cancel a job nothing was sent to Kie for yet, releasing its hold. The runtime refuses (and the
    update is decided again) when a worker took the job meanwhile."""

    request_id: str
    user_id: int
