"""The route registry: typed payloads round-trip and fit Telegram's 64 bytes; anything no route declares
is a stale button; a prefix, a command or a place can be claimed once; every route answers."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec import Meta, inspect

from flows.app import REGISTRY
from flows.routing.payloads import CALLBACK_DATA_LIMIT, Codec, Payload, PayloadError
from flows.routing.registry import OnCallback, OnCommand, OnEvent, Registry, RegistryError, Route
from tests.flows.driver import Driver


def _longest_instance(cls: type[Payload]) -> list[Payload]:
    """Instances at the bounds of every field (the shortest and the longest encodings)."""
    info = inspect.type_info(cls)
    lows: dict[str, object] = {}
    highs: dict[str, object] = {}
    for field in info.fields:
        t = field.type
        if isinstance(t, inspect.UnionType):
            t = next(x for x in t.types if not isinstance(x, inspect.NoneType))
        match t:
            case inspect.IntType(ge=ge, le=le):
                lows[field.name], highs[field.name] = ge, le
            case inspect.LiteralType(values=values):
                lows[field.name], highs[field.name] = values[0], max(values, key=lambda v: len(str(v)))
            case inspect.StrType(max_length=n, pattern=pattern):
                lows[field.name] = highs[field.name] = _matching(pattern, n)
    return [cls(**lows), cls(**highs)]


def _matching(pattern: str | None, length: int) -> str:
    samples = {
        r"^R-[0-9A-HJKMNP-TV-Z]{6}$": "R-7K2F9Q",
        r"^T-[0-9A-HJKMNP-TV-Z]{6}$": "T-4K7Q2M",
        r"^S-[0-9A-HJKMNP-TV-Z]{6}$": "S-4K7Q2M",
        r"^[A-Za-z0-9_-]+$": "a" * length,
        r"^[A-Za-z0-9._-]+$": "a." * (length // 2),
        r"^[0-9a-z]+$": "z" * length,
        r"^[a-z0-9][a-z0-9-]*$": "f" * length,
    }
    return samples[pattern or ""]


PAYLOADS = REGISTRY.codec.payload_types()


@pytest.mark.parametrize("cls", PAYLOADS, ids=[c.__name__ for c in PAYLOADS])
def test_every_declared_payload_round_trips_and_fits_64_bytes(cls):
    assert REGISTRY.codec.max_bytes(cls) <= CALLBACK_DATA_LIMIT
    for payload in _longest_instance(cls):
        data = REGISTRY.data(payload)
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT, data
        assert REGISTRY.codec.decode(data) == payload


@given(st.text(max_size=80))
def test_any_text_decodes_to_a_declared_payload_or_nothing(data):
    payload = REGISTRY.codec.decode(data)
    assert payload is None or REGISTRY.data(payload) == data


@pytest.mark.parametrize(
    "data",
    [
        "",
        "nonsense",
        "m:menu:extra",
        "cat:image",
        "cat:image:01",
        "cat:cars:0",
        "w:1:fly",
        "top:a:-5",
        "c:a:b",
        "w1:next",
    ],
)
def test_data_no_route_declares_is_answered_as_stale(data):
    driver = Driver()
    driver.command("/start")
    driver.tap(data)
    assert driver.notices[-1] and "устарела" in driver.notices[-1]
    assert driver.view.has("🏠") or "Выберите раздел" in driver.view.text


class Twice(Payload, frozen=True):
    prefix = "m:menu"


class Child(Payload, frozen=True):
    prefix = "m:menu:x"


class Unbounded(Payload, frozen=True):
    prefix = "zz"
    text: str


class TooLong(Payload, frozen=True):
    prefix = "zz"
    text: Annotated[str, Meta(max_length=62)]


class Fine(Payload, frozen=True):
    prefix = "zz"
    kind: Literal["a", "b"]
    n: Annotated[int, Meta(ge=0, le=99)] = 0


def test_a_prefix_is_claimed_once_and_payloads_are_bounded_at_declaration():
    codec_types = REGISTRY.codec.payload_types()
    with pytest.raises(PayloadError, match="claimed"):
        Codec((*codec_types, Twice))
    with pytest.raises(PayloadError, match="overlaps"):
        Codec((*codec_types, Child))
    with pytest.raises(PayloadError, match="bounds"):
        Codec((Unbounded,))
    with pytest.raises(PayloadError, match="64"):
        Codec((TooLong,))
    assert Codec((Fine,)).decode("zz:b:7") == Fine("b", 7)


def test_two_routes_cannot_claim_one_payload_or_command():
    route_a = Route("a", lambda req: None)
    route_b = Route("b", lambda req: None)
    events = [OnEvent(kind, Route(f"e_{kind}", lambda req: None)) for kind in _EVENT_KINDS]
    with pytest.raises(RegistryError, match="claimed"):
        Registry([OnCallback(Fine, route_a), OnCallback(Fine, route_b), *events])
    with pytest.raises(RegistryError, match="claimed"):
        Registry([OnCommand(("x",), route_a), OnCommand(("x",), route_b), *events])
    with pytest.raises(RegistryError, match="no route for"):
        Registry([OnCommand(("x",), route_a)])


_EVENT_KINDS = (
    "payment",
    "pre_checkout",
    "membership",
    "group",
    "blocked",
    "stale",
    "unknown_command",
    "unexpected",
)


def test_every_command_of_the_menu_has_a_route():
    from runtime.telegram_setup import ADMIN_COMMANDS, BOT_COMMANDS

    assert set(BOT_COMMANDS) | set(ADMIN_COMMANDS) <= set(REGISTRY.command_names())
