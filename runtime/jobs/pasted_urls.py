"""Links the user pasted, checked once more where names can be resolved: right before Kie gets them.

The wizard (pure) refuses every private spelling of a host (flows/catalog/hosts.py) but cannot ask DNS,
so a name that resolves to 127.0.0.1 or 10.x passed it. Here, after the hold and before createTask,
every pasted host is resolved with a short timeout: a private address or no address at all fails the
job ("input_url") with the money back; a lookup that times out is retried like a Kie refusal. Kie
resolves the name again when it fetches, so this narrows the window rather than closing it; our own
fetches of links go through integrations.net, which checks the address each connection really uses.
"""

from __future__ import annotations

import logging
from typing import Any

from yarl import URL

from flows.catalog.types import FileField, FileListField, ModelEntry, UrlField
from flows.jobs.model import Job
from integrations.net import AddressNotAllowed
from runtime.jobs.errors import InputFileTransient
from runtime.jobs.finish import finish_job
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)


def pasted_urls(entry: ModelEntry, values: dict[str, Any]) -> list[str]:
    """The http(s) links in the link and file fields (Telegram files are "tgfile:" values, not links)."""
    urls: list[str] = []
    for name, field in entry.schema.properties.items():
        if not isinstance(field, UrlField | FileField | FileListField):
            continue
        value = values.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.lower().startswith(("http://", "https://")):
                urls.append(item)
    return urls


async def pasted_urls_allowed(services: JobServices, job: Job, entry: ModelEntry) -> bool:
    """True when every pasted host resolves to public addresses; otherwise the job was failed here.
    Raises InputFileTransient when a lookup timed out (the submit step retries later)."""
    for url in pasted_urls(entry, job.wizard_values):
        parsed = URL(url)
        host, port = parsed.host or "", parsed.port or 443
        try:
            await services.check_host(host, port)
        except TimeoutError:
            raise InputFileTransient(f"DNS lookup of a pasted link's host timed out ({host})") from None
        except (AddressNotAllowed, OSError) as exc:
            log.warning("%s: pasted link refused: %s", job.request_id, exc)
            await finish_job(
                services.pool, job, "fail", failure_code="input_url", failure_message=f"{host}: {exc}"[:300]
            )
            return False
    return True
