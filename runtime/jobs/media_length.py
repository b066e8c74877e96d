"""Per-second prices against the media's measured length, checked after the download from Telegram and
before anything goes to Kie.

The price a user confirmed for a per-second model (an upscale, a lip-sync, an avatar…) came from the
`duration` Telegram reported, and the sending client writes that number; Kie bills the operator for the
real length. So every file of a field that sets the price is measured here (integrations.media.probe):

- no readable length (not a media container, or 0 s): refused, the hold goes back ("media_unreadable");
- longer than the confirmed price allows: the hold goes back, the measured lengths are stored on the job
  so that "🔁 Сделать ещё раз" reopens the confirm step priced by them, and the user is told the real
  length and price ("media_longer");
- otherwise the job goes on at the held price.

Telegram reports whole seconds (clients round or cut), so a clip up to one second longer per file than
reported is accepted at the held price: refusing every 5.4 s clip reported as 5 s would be worse than
absorbing that second.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from flows.catalog.pricing import PricingError, media_priced_fields, price_kopecks
from flows.catalog.types import ModelEntry
from flows.files import telegram_file_id
from flows.jobs.model import Job
from integrations.media import probe
from persistence import jobs
from runtime.jobs.finish import finish_job
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)

LENGTH_TOLERANCE_SECONDS = 1.0

Fetch = Callable[[str], Awaitable[tuple[bytes, str]]]


def _priced_file_ids(entry: ModelEntry, values: dict[str, Any]) -> dict[str, list[str]]:
    """Field → the Telegram file ids in it, for the fields whose media length sets the price."""
    found: dict[str, list[str]] = {}
    for name in media_priced_fields(entry):
        value = values.get(name)
        items = value if isinstance(value, list) else [value]
        ids = [fid for item in items if (fid := telegram_file_id(item)) is not None]
        if ids:
            found[name] = ids
    return found


def _seconds_by_field(fields: dict[str, list[str]], seconds_of: Callable[[str], float | None]) -> dict:
    out: dict[str, float] = {}
    for name, ids in fields.items():
        lengths = [seconds_of(fid) for fid in ids]
        out[name] = float(sum(x for x in lengths if x is not None))
    return out


def _claimed(job: Job, file_id: str) -> float | None:
    ref = job.files.get(file_id)
    duration = ref.duration if ref is not None else None
    return float(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) else None


async def media_length_allows(services: JobServices, job: Job, entry: ModelEntry, fetch: Fetch) -> bool:
    """True when the job may go on; otherwise it was finished (refused, money back) here."""
    fields = _priced_file_ids(entry, job.wizard_values)
    if not fields:
        return True
    measured: dict[str, float] = {}
    for ids in fields.values():
        for file_id in ids:
            if file_id in measured:
                continue
            data, _path = await fetch(file_id)
            facts = await probe(data)
            if not facts.has_length:
                log.info("%s: input file has no readable length (%s)", job.request_id, facts.container)
                await finish_job(
                    services.pool,
                    job,
                    "fail",
                    failure_code="media_unreadable",
                    failure_message=f"no readable length in a {facts.container or 'non-media'} file",
                )
                return False
            assert facts.duration_seconds is not None
            measured[file_id] = facts.duration_seconds
    count = {name: len(ids) for name, ids in fields.items()}
    claimed_seconds = _seconds_by_field(fields, lambda fid: _claimed(job, fid))
    measured_seconds = _seconds_by_field(fields, measured.get)
    if all(
        measured_seconds[name] <= claimed_seconds[name] + LENGTH_TOLERANCE_SECONDS * count[name]
        for name in fields
    ):
        return True
    policy = services.policy
    try:
        held = price_kopecks(entry, job.wizard_values, policy, claimed_seconds)
        real = price_kopecks(entry, job.wizard_values, policy, measured_seconds)
    except PricingError as exc:
        log.error("%s: cannot price the measured length: %s", job.request_id, exc)
        await finish_job(services.pool, job, "fail", failure_code="internal", failure_message=str(exc))
        return False
    if real <= held:
        return True  # longer, but the price is capped (max units): nothing more to pay
    assert job.lease_token is not None
    files = {
        fid: msgspec.to_builtins(
            msgspec.structs.replace(ref, duration=measured[fid]) if fid in measured else ref
        )
        for fid, ref in job.files.items()
    }
    await jobs.save_files(services.pool, job.request_id, job.lease_token, files)
    log.warning(
        "%s: media is %.1f s long, the client claimed %.1f s; price %d kopecks instead of %d: refused",
        job.request_id,
        sum(measured_seconds.values()),
        sum(claimed_seconds.values()),
        real,
        held,
    )
    await finish_job(
        services.pool,
        job,
        "fail",
        failure_code="media_longer",
        failure_message=f"measured {sum(measured_seconds.values()):.1f} s, claimed "
        f"{sum(claimed_seconds.values()):.1f} s; price {real} kopecks, held {held}",
    )
    return False


def repriced(entry: ModelEntry, job: Job, policy: Any) -> dict[str, Any] | None:
    """The words of a "media_longer" failure: the measured length and its price (from the job's files,
    where the measurement was stored). None when they cannot be computed any more."""
    fields = _priced_file_ids(entry, job.wizard_values)
    seconds = _seconds_by_field(fields, lambda fid: _claimed(job, fid))
    try:
        price = price_kopecks(entry, job.wizard_values, policy, seconds)
    except PricingError:
        return None
    return {"seconds": math.ceil(sum(seconds.values())), "price_kopecks": price}
