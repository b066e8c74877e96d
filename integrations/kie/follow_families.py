"""Adapters of the dedicated endpoints the follow-up actions use (flows/catalog/data/follow_ups.json):
Veo's extend, Suno's extend and upload-cover (answered by the music record-info), Suno's WAV
conversion and vocal separation (each with a record-info of its own, `successFlag` as a word).

Kie documents these on its older pages and is moving such operations to createTask; the dedicated
routes are the ones that take the task and track ids of the legacy /veo/generate and /generate jobs
the bot makes (the createTask forms' acceptance of those ids is undocumented, see models-extra.json).
"""

from __future__ import annotations

from integrations.kie.types import SunoExtraRecord, TaskState, TaskStatus, as_code


def _extra_state(word: str) -> TaskState:
    if word == "SUCCESS":
        return "succeeded"
    if word.endswith("FAILED") or word in ("CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR"):
        return "failed"
    return "running"


def extra_status(record: SunoExtraRecord, urls: tuple[str, ...]) -> TaskStatus:
    word = record.success_flag or ""
    state = _extra_state(word)
    return TaskStatus(
        task_id=record.task_id or "",
        state=state,
        result_urls=urls if state == "succeeded" else (),
        fail_code=as_code(record.error_code) if state == "failed" else None,
        fail_message=(record.error_message or word) if state == "failed" else None,
        raw_state=word,
    )


def wav_urls(record: SunoExtraRecord) -> tuple[str, ...]:
    url = record.response and record.response.audio_wav_url
    return (url,) if url else ()


def stem_urls(record: SunoExtraRecord) -> tuple[str, ...]:
    response = record.response
    if response is None:
        return ()
    found: list[str] = []
    for stem in response.origin_data or ():
        if stem.audio_url and stem.audio_url not in found:
            found.append(stem.audio_url)
    if not found:
        found = [u for u in (response.vocal_url, response.instrumental_url) if u]
    return tuple(found)
