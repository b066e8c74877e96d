"""The Kie client against the fake Kie (tests/integrations/test_kie_client.py and the follow-up
families): the fake with its key, a client with fast retries, and where the fake delivers callbacks."""

from __future__ import annotations

import pytest
from aiohttp import web

from integrations.kie import KieClient
from sandbox.kie import FakeKie
from tests.integrations.kie_support import API_KEY, FAST


@pytest.fixture
async def kie():
    async with FakeKie(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
async def client(kie):
    client = KieClient(kie.api_base, kie.upload_base, API_KEY, retry=FAST)
    yield client
    await client.close()


@pytest.fixture
async def receiver():
    """Where the fake delivers callbacks (Suno requires a callBackUrl)."""
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.json_response({"code": 200, "msg": "success"})

    app = web.Application()
    app.router.add_post("/kie/cb", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/kie/cb", bodies
    await runner.cleanup()
