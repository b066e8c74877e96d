"""Typed callback payloads: msgspec Structs with one codec and one prefix registry.

On the wire a payload is its prefix followed by its fields in declaration order, joined by ":"
(`TopupAmount(kopecks=50000)` → `top:a:50000`); trailing optional fields that are None are left out.
Every field is bounded (a string has a max_length, an integer both bounds, a Literal its values), so
the longest possible encoding is known when the payload is declared and checked against Telegram's
64-byte limit there, never when a user taps. Callback data is ASCII only, so characters are bytes. Decoding is strict: an unknown prefix, a wrong number of
fields, a value that breaks a constraint, or any text that is not exactly what `encode` would write
gives None — the dispatcher answers that as a stale button.
"""

from __future__ import annotations

import re
from typing import ClassVar

import msgspec
from msgspec import inspect

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
SEPARATOR = ":"
_PREFIX = re.compile(r"^[a-z][a-z0-9]*(:[a-z][a-z0-9]*)*$")


class Payload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every callback payload; subclasses set `prefix`."""

    prefix: ClassVar[str] = ""

    def data(self) -> str:
        """The callback data of a button carrying this payload (the registry checked its size)."""
        return encode_fields(self)


class PayloadError(ValueError):
    """A payload declaration that cannot be used (unbounded field, too long, prefix taken)."""


def _longest(field_type: inspect.Type, where: str) -> int:
    """The most bytes one field can take on the wire."""
    match field_type:
        case inspect.StrType(max_length=max_length) if max_length is not None:
            return max_length  # callback data is ASCII only (checked both ways), so chars are bytes
        case inspect.IntType(ge=ge, le=le) if ge is not None and le is not None:
            return max(len(str(ge)), len(str(le)))
        case inspect.LiteralType(values=values):
            return max(len(str(v).encode()) for v in values)
        case inspect.UnionType(types=types) if any(isinstance(t, inspect.NoneType) for t in types):
            return max(_longest(t, where) for t in types if not isinstance(t, inspect.NoneType))
    raise PayloadError(f"{where}: every field needs bounds (str max_length, int ge and le, or a Literal)")


class _Spec(msgspec.Struct, frozen=True):
    cls: type[Payload]
    names: tuple[str, ...]
    required: int
    max_bytes: int


def _spec_of(cls: type[Payload]) -> _Spec:
    info = inspect.type_info(cls)
    assert isinstance(info, inspect.StructType)
    names: list[str] = []
    required = 0
    total = len(cls.prefix.encode())
    for field in info.fields:
        names.append(field.name)
        if field.required:
            if required != len(names) - 1:
                raise PayloadError(f"{cls.__name__}: required fields must come before optional ones")
            required += 1
        total += len(SEPARATOR) + _longest(field.type, f"{cls.__name__}.{field.name}")
    if total > CALLBACK_DATA_LIMIT:
        raise PayloadError(
            f"{cls.__name__} ({cls.prefix!r}) can take {total} bytes; Telegram allows {CALLBACK_DATA_LIMIT}"
        )
    return _Spec(cls, tuple(names), required, total)


class Codec:
    """The one prefix registry. Built once from every feature's payload types; read-only afterwards."""

    def __init__(self, payloads: tuple[type[Payload], ...] = ()) -> None:
        self._by_prefix: dict[str, _Spec] = {}
        for cls in payloads:
            self._declare(cls)

    def _declare(self, cls: type[Payload]) -> None:
        prefix = cls.prefix
        if not _PREFIX.match(prefix):
            raise PayloadError(f"{cls.__name__}: prefix {prefix!r} must be lowercase words joined by ':'")
        taken = self._by_prefix.get(prefix)
        if taken is not None:
            raise PayloadError(f"prefix {prefix!r} is claimed by {taken.cls.__name__} and {cls.__name__}")
        for other in self._by_prefix:
            if other.startswith(prefix + SEPARATOR) or prefix.startswith(other + SEPARATOR):
                raise PayloadError(f"prefix {prefix!r} overlaps {other!r}: one would swallow the other")
        self._by_prefix[prefix] = _spec_of(cls)

    def __contains__(self, cls: type[Payload]) -> bool:
        spec = self._by_prefix.get(cls.prefix)
        return spec is not None and spec.cls is cls

    def max_bytes(self, cls: type[Payload]) -> int:
        return self._by_prefix[cls.prefix].max_bytes

    def payload_types(self) -> tuple[type[Payload], ...]:
        return tuple(spec.cls for spec in self._by_prefix.values())

    def encode(self, payload: Payload) -> str:
        spec = self._by_prefix.get(payload.prefix)
        if spec is None or spec.cls is not type(payload):
            raise PayloadError(f"{type(payload).__name__} is not declared")
        data = payload.data()
        if not data.isascii():
            raise PayloadError(f"{type(payload).__name__}: callback data must be ASCII: {data!r}")
        return data

    def decode(self, data: str) -> Payload | None:
        """The payload `data` encodes, or None when it is not exactly one of ours."""
        spec = self._find(data) if data.isascii() else None
        if spec is None:
            return None
        rest = data[len(spec.cls.prefix) + 1 :] if len(data) > len(spec.cls.prefix) else None
        parts = [] if rest is None else rest.split(SEPARATOR, len(spec.names) - 1)
        if not spec.required <= len(parts) <= len(spec.names) or (rest is not None and not spec.names):
            return None
        try:
            payload = msgspec.convert(dict(zip(spec.names, parts, strict=False)), spec.cls, strict=False)
        except msgspec.ValidationError:
            return None
        # Canonical form only ("+5", "05", " 5" are not what we ever wrote).
        return payload if encode_fields(payload) == data else None

    def _find(self, data: str) -> _Spec | None:
        head = ""
        for part in data.split(SEPARATOR):
            head = f"{head}{SEPARATOR}{part}" if head else part
            spec = self._by_prefix.get(head)
            if spec is not None:
                return spec
        return None


def encode_fields(payload: Payload, names: tuple[str, ...] = ()) -> str:
    """The wire form: the prefix, then the fields in declaration order, trailing Nones left out.
    (On every button of every screen, so it stays lean: one C-level tuple, one join.)"""
    values = msgspec.structs.astuple(payload)
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    if not end:
        return payload.prefix
    return payload.prefix + SEPARATOR + SEPARATOR.join(map(str, values[:end]))
