"""Result URLs are fetched with the private-address filter on every redirect hop.

Regression (issue 13, item 10): results were fetched with aiohttp's automatic redirects and no
address filter, so a result link (or a redirect from it) could make the bot read an internal address
(cloud metadata, the database's admin port, localhost services). Only the operator's own Kie and
Telegram origins may be private (tests and self-hosted servers run there).
"""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from integrations.net import PublicOnlyResolver, public_session
from integrations.telegram.media import MediaSender, _Unreachable


async def _server(handler) -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


@pytest.fixture
async def internal():
    """A service on a private address that must never be read."""
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=b"secret", content_type="image/png")

    runner, port = await _server(handler)
    yield port, hits
    await runner.cleanup()


@pytest.fixture
async def results(internal):
    """The result host (trusted, like the operator's KIE_API_BASE): serves a file or redirects."""
    internal_port, _ = internal

    async def handler(request: web.Request) -> web.StreamResponse:
        target = {
            "/to-internal": f"http://127.0.0.1:{internal_port}/admin",
            "/to-localhost": f"http://localhost:{internal_port}/admin",
            "/to-metadata": "http://169.254.169.254/latest/meta-data",
            "/to-self": "/file.png",
        }.get(request.path)
        if target:
            raise web.HTTPFound(target)
        return web.Response(body=b"\x89PNG" + b"0" * 100, content_type="image/png")

    runner, port = await _server(handler)
    yield port
    await runner.cleanup()


async def test_result_urls_are_fetched_with_redirects_and_no_private_address_filter(results, internal):
    internal_port, hits = internal
    trusted = frozenset({("127.0.0.1", results)})
    async with public_session(trusted) as http:
        sender = MediaSender(None, http, trusted_origins=trusted)  # type: ignore[arg-type]
        base = f"http://127.0.0.1:{results}"
        item = await sender._plan(f"{base}/to-self", "image")
        assert item.route == "url"
        for path in ("/to-internal", "/to-localhost", "/to-metadata"):
            with pytest.raises(_Unreachable):
                await sender._plan(f"{base}{path}", "image")
        with pytest.raises(_Unreachable):
            await sender._plan(f"http://127.0.0.1:{internal_port}/direct", "image")
        with pytest.raises(_Unreachable):
            await sender._plan(f"http://localhost:{internal_port}/direct", "image")
    assert hits == [], "the internal service was reached"


async def test_names_resolving_to_private_addresses_are_refused_by_the_resolver():
    resolver = PublicOnlyResolver(frozenset())
    try:
        with pytest.raises(aiohttp.ClientError):
            await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()
