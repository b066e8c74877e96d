"""Fetching URLs that came from outside (Kie result links, links users paste) without reaching private
addresses: loopback, private ranges, link-local (cloud metadata), and IPv6 spellings of them.

Two checks, because aiohttp resolves names in its connector but skips the resolver for IP literals:
- `PublicOnlyResolver` refuses a name when any address it resolves to is not public. It checks the
  address the connection will really use, so a name that changes its answer between a check and the
  connection (DNS rebinding) gains nothing.
- `get_public` follows redirects itself (at most 5) and checks every hop's scheme and literal address
  before connecting, so a public link cannot redirect the bot to an internal one.
The operator's own origins (KIE_API_BASE, KIE_UPLOAD_BASE, TELEGRAM_API_BASE: tests, self-hosted
servers) are trusted as configured.

What is public is decided by flows.catalog.hosts.is_public_address, the same rule the pasted-link
filter applies to a host's spelling (a pure function; imported here so the two can never disagree).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from flows.catalog.hosts import is_public_address

# (host, port) pairs the operator configured; their addresses may be private.
Origins = frozenset[tuple[str, int]]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class AddressNotAllowed(aiohttp.ClientConnectionError):
    """The URL (or a redirect, or what its name resolves to) leads to a non-public address."""


class TooManyHops(aiohttp.ClientConnectionError):
    """More redirects than MAX_REDIRECTS."""


def origin_of(url: str) -> tuple[str, int] | None:
    parsed = URL(url)
    if parsed.host is None or parsed.port is None:
        return None
    return parsed.host.lower(), parsed.port


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_target(url: URL, trusted: Origins) -> None:
    """Scheme and literal address of one hop (names are left to the resolver)."""
    if url.scheme not in ("http", "https") or not url.host:
        raise AddressNotAllowed(f"not an http(s) URL: {url.scheme}://{url.host}")
    if (url.host.lower(), url.port) in trusted:
        return
    address = _literal(url.host)
    if address is not None and not is_public_address(address):
        raise AddressNotAllowed(f"{url.host} is not a public address")


class PublicOnlyResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to any non-public address."""

    def __init__(self, trusted: Origins = frozenset(), inner: AbstractResolver | None = None) -> None:
        self._trusted = trusted
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if (host.lower(), port) in self._trusted:
            return found
        for item in found:
            address = _literal(item["host"])
            if address is None or not is_public_address(address):
                raise AddressNotAllowed(f"{host} resolves to a non-public address")
        return found

    async def close(self) -> None:
        await self._inner.close()


def public_session(trusted: Origins = frozenset(), **kwargs: Any) -> aiohttp.ClientSession:
    """A client session whose connections only reach public addresses (or the trusted origins)."""
    connector = aiohttp.TCPConnector(resolver=PublicOnlyResolver(trusted))
    return aiohttp.ClientSession(connector=connector, **kwargs)


@asynccontextmanager
async def get_public(
    session: aiohttp.ClientSession, url: str, *, trusted: Origins = frozenset(), **kwargs: Any
) -> AsyncIterator[aiohttp.ClientResponse]:
    """GET `url`, following redirects here so that every hop is checked before it is connected to."""
    current = URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        check_target(current, trusted)
        response = await session.get(current, allow_redirects=False, **kwargs)
        location = response.headers.get("Location")
        if response.status in _REDIRECTS and location:
            response.release()
            current = current.join(URL(location))
            continue
        try:
            yield response
        finally:
            response.release()
        return
    raise TooManyHops(f"more than {MAX_REDIRECTS} redirects")


Lookup = Callable[[str, int], Awaitable[list[str]]]


async def system_lookup(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_public(
    host: str,
    port: int,
    *,
    timeout: float,
    trusted: Origins = frozenset(),
    lookup: Lookup | None = None,
) -> None:
    """Raise AddressNotAllowed unless `host` resolves, within `timeout`, to public addresses only.
    OSError (no such name) and TimeoutError pass through for the caller to word."""
    if (host.lower(), port) in trusted:
        return
    address = _literal(host)
    if address is not None:
        if not is_public_address(address):
            raise AddressNotAllowed(f"{host} is not a public address")
        return
    addresses = await asyncio.wait_for((lookup or system_lookup)(host, port), timeout)
    if not addresses:
        raise OSError(f"{host} has no address")
    for text in addresses:
        found = _literal(text)
        if found is None or not is_public_address(found):
            raise AddressNotAllowed(f"{host} resolves to a non-public address")
