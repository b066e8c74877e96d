"""A new capture of Kie's models (models.json shape) against the shipped catalog: which models were added
or removed, and which fields and prices changed since the captures the catalog was built from
(flows/catalog/sources). The operator's monthly update path (`trt catalog diff`, docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from flows.catalog.kie_sources import catalog_id
from flows.catalog.types import ModelEntry

# The parts of a captured input that, when they change, can change what the catalog must ask or send.
_INPUT_FACTS = (
    "type",
    "required",
    "enum",
    "default",
    "min",
    "max",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
)


class ModelChange(msgspec.Struct, frozen=True):
    model: str
    in_catalog: str  # "enabled", "disabled" or "absent"
    changes: tuple[str, ...]


class CaptureDiff(msgspec.Struct, frozen=True):
    added: tuple[str, ...]  # in the capture, not in the catalog
    removed: tuple[str, ...]  # in the catalog, not in the capture
    changed: tuple[ModelChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_capture(
    capture: Iterable[Mapping[str, Any]],
    shipped: Mapping[str, Mapping[str, Any]],
    catalog: Iterable[ModelEntry],
) -> CaptureDiff:
    """`capture`: the new models.json-shaped list; `shipped`: the vendored captures keyed by catalog id
    (kie_sources.load_models() | load_extra_models())."""
    entries = {entry.id: entry for entry in catalog}
    new = {catalog_id(str(model["id"])): model for model in capture}
    added = tuple(sorted(set(new) - set(entries)))
    removed = tuple(sorted(set(entries) - set(new)))
    changed = []
    for model_id in sorted(set(new) & set(shipped)):
        changes = model_changes(shipped[model_id], new[model_id])
        if changes:
            entry = entries.get(model_id)
            state = "absent" if entry is None else "enabled" if entry.enabled else "disabled"
            changed.append(ModelChange(model_id, state, tuple(changes)))
    return CaptureDiff(added, removed, tuple(changed))


def model_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes: list[str] = []
    for key in ("endpoint", "api", "category", "unit"):
        if old.get(key) != new.get(key):
            changes.append(f"{key}: {old.get(key)!r} → {new.get(key)!r}")
    changes += _price_changes(old.get("price_credits") or {}, new.get("price_credits") or {})
    old_inputs = {i["name"]: i for i in old.get("inputs", ())}
    new_inputs = {i["name"]: i for i in new.get("inputs", ())}
    for name in sorted(set(new_inputs) - set(old_inputs)):
        spec = new_inputs[name]
        required = "required" if spec.get("required") else "optional"
        changes.append(f"field + {name} ({spec.get('type')}, {required})")
    for name in sorted(set(old_inputs) - set(new_inputs)):
        changes.append(f"field - {name}")
    for name in sorted(set(old_inputs) & set(new_inputs)):
        for fact in _INPUT_FACTS:
            before, after = old_inputs[name].get(fact), new_inputs[name].get(fact)
            if before != after:
                changes.append(f"field {name}.{fact}: {_short(before)} → {_short(after)}")
    return changes


def _price_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            before = "—" if key not in old else f"{old[key]:g}"
            after = "—" if key not in new else f"{new[key]:g}"
            out.append(f"price {key}: {before} → {after} credits")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def report(diff: CaptureDiff, capture_size: int) -> str:
    if diff.empty:
        return f"No changes: the {capture_size} captured models match the shipped catalog."
    lines = [f"Added (in the capture, not in the catalog): {len(diff.added)}"]
    lines += [f"  + {model_id}" for model_id in diff.added]
    lines.append(f"Removed (in the catalog, not in the capture): {len(diff.removed)}")
    lines += [f"  - {model_id}" for model_id in diff.removed]
    lines.append(f"Changed since the shipped capture: {len(diff.changed)}")
    for change in diff.changed:
        lines.append(f"  ~ {change.model} ({change.in_catalog} in the catalog)")
        lines += [f"      {line}" for line in change.changes]
    return "\n".join(lines)
