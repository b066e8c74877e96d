"""What the fake Kie refuses at task creation, as Kie's documentation states it: texts too short or too
long, too many files, a file over its documented size or of a format Kie does not take, option
combinations Kie refuses, deprecated fields. Kie answers HTTP 200 with body code 422 and creates no task.

Read from the vendored documentation facts (flows/catalog/sources/constraints.json), never from the
catalog's own rules: a gap in the catalog then shows up as a refusal here. Media length and pixel
size are not judged (the fake's files are not real media).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flows.catalog.kie_sources import load_constraints

MB = 1024 * 1024
# Formats as the docs name them → the content types a file of that format is served with.
_FORMAT_TYPES = {
    "jpeg": {"image/jpeg"},
    "jpg": {"image/jpeg"},
    "png": {"image/png"},
    "webp": {"image/webp"},
    "bmp": {"image/bmp"},
    "gif": {"image/gif"},
    "tiff": {"image/tiff"},
    "mp4": {"video/mp4", "audio/mp4"},
    "mov": {"video/quicktime"},
    "mkv": {"video/x-matroska"},
    "mp3": {"audio/mpeg"},
    "wav": {"audio/wav", "audio/x-wav"},
    "aac": {"audio/aac"},
    "m4a": {"audio/mp4", "audio/x-m4a"},
    "ogg": {"audio/ogg"},
    "flac": {"audio/flac"},
}

FileLookup = Callable[[str], tuple[bytes, str] | None]


@cache
def _documented() -> dict[str, Any]:
    return load_constraints()["models"]


def refusal(model_id: str, payload: Mapping[str, Any], file_of: FileLookup) -> str | None:
    """Kie's 422 message for this createTask payload, or None when the docs allow it."""
    facts = _documented().get(model_id)
    if facts is None:
        return None
    for name, doc in facts.get("fields", {}).items():
        value = payload.get(name)
        if value is None:
            continue
        if "deprecated" in doc:
            return f"{name} is deprecated: {doc['deprecated']}"
        problem = _field_refusal(name, doc, value, file_of)
        if problem:
            return problem
    for rule in facts.get("rules", ()):
        if rule.get("kind") == "forbid_combination" and _holds(rule["when"], payload):
            return f"Invalid parameter combination: {rule.get('note') or rule['when']}"
    return None


def _field_refusal(name: str, doc: Mapping[str, Any], value: Any, file_of: FileLookup) -> str | None:
    if isinstance(value, str) and not value.startswith(("http://", "https://")):
        if "min_length" in doc and len(value) < doc["min_length"]:
            return f"{name} must be at least {doc['min_length']} characters"
        if "max_length" in doc and len(value) > doc["max_length"]:
            return f"{name} must be at most {doc['max_length']} characters"
        return None
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and doc.get("max_items") is not None and len(items) > doc["max_items"]:
        return f"{name}: at most {doc['max_items']} items"
    for item in items:
        stored = file_of(item) if isinstance(item, str) else None
        if stored is None:
            continue  # not a file this fake holds: nothing to measure
        content, content_type = stored
        if "max_size_mb" in doc and len(content) > doc["max_size_mb"] * MB:
            return f"{name}: file size exceeds {doc['max_size_mb']}MB"
        allowed = set().union(*(_FORMAT_TYPES.get(f.lower(), set()) for f in doc.get("formats", ())))
        if allowed and content_type.split(";")[0] not in allowed:
            return f"{name}: unsupported file type {content_type}"
    if isinstance(value, int | float) and not isinstance(value, bool) and "range" in doc:
        low, high = doc["range"]
        if not low <= value <= high:
            return f"{name} must be between {low} and {high}"
    return None


def _holds(when: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """A documented `when`: scalar equals, list any of, null not sent, "*" sent."""
    options = [(spec if isinstance(spec, list) else [spec]) for spec in when.values()]
    for combo in itertools.product(*options):
        if all(_matches(payload.get(key), wanted) for key, wanted in zip(when, combo, strict=True)):
            return True
    return False


def _matches(actual: Any, wanted: Any) -> bool:
    if wanted is None:
        return actual in (None, "", [])
    if wanted == "*":
        return actual not in (None, "", [])
    return type(actual) is type(wanted) and actual == wanted
