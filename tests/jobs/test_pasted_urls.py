"""Pasted links whose name resolves to a private address never reach Kie.

Regression (issue 13, item 9: names that resolve to loopback): the pasted-link filter reads only the
spelling of a host, so `127.0.0.1.nip.io`-style names passed it. Right before createTask the job
resolves every pasted host (short timeout) and refuses private or unknown ones, with the money back.
"""

from __future__ import annotations

import socket

from persistence import ledger
from sandbox.kie import Phase, Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, result_views, wait_delivered

MODEL = "google/nano-banana-edit"
DNS = {
    "loopback.example": ["127.0.0.1"],
    "mixed.example": ["93.184.216.34", "10.0.0.5"],
    "public.example": ["93.184.216.34"],
}


async def fake_lookup(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return DNS[host]


def _input(host: str) -> dict:
    return {"prompt": "A cat", "image_urls": [f"https://{host}/cat.jpg"]}


async def _run(db, database_url, kie, tg, host: str):
    values = _input(host)
    async with running_app(database_url, tg, kie=kie, jobs=fast_options(host_lookup=fake_lookup)) as client:
        request_id = await add_job(db, MODEL, request_input=values, values=values, price=1500)
        client.app.jobs.wake()
        return request_id, await wait_delivered(db, request_id)


async def test_names_that_resolve_to_loopback_are_refused_before_kie(db, database_url, kie, tg):
    for host in ("loopback.example", "mixed.example", "nowhere.example"):
        request_id, row = await _run(db, database_url, kie, tg, host)
        assert (row["state"], row["failure_code"]) == ("failed", "input_url"), host
        (view,) = result_views(tg, 4242, request_id)
        assert "ссылк" in view["text"].lower()
    assert kie.tasks == {}
    assert (await ledger.balance(db, 4242)).available == 3 * 1500
    assert await ledger.audit(db) == []


async def test_public_names_go_to_kie(db, database_url, kie, tg):
    kie.script_next(MODEL, [Phase(), Succeed()])
    _, row = await _run(db, database_url, kie, tg, "public.example")
    assert row["state"] == "succeeded", (row["failure_code"], row["failure_message"])
    assert len(kie.tasks) == 1
