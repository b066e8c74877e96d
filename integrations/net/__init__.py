"""Outgoing HTTP to addresses users can influence (result links, pasted links): public addresses only."""

from integrations.net.guard import (
    AddressNotAllowed,
    Origins,
    PublicOnlyResolver,
    get_public,
    origin_of,
    public_session,
    resolve_public,
)

__all__ = [
    "AddressNotAllowed",
    "Origins",
    "PublicOnlyResolver",
    "get_public",
    "origin_of",
    "public_session",
    "resolve_public",
]
