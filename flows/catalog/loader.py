"""Load the catalog: decode every data file with one typed decoder, then check what types cannot say.

Any failure raises CatalogError naming the file, the model and the field, so a bad hand edit is found
at startup (and in CI), never by a user in the middle of a wizard.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from flows.catalog.families import FAMILIES_FILE, NO_FAMILIES, Families, load_families
from flows.catalog.follow_ups import FOLLOW_UPS_FILE, NO_FOLLOW_UPS, FollowUps, listed, load_follow_ups
from flows.catalog.invariants import check_entry
from flows.catalog.problems import CatalogError
from flows.catalog.text import NO_TEXT, TextCatalog, load_text_models
from flows.catalog.types import (
    Field,
    ModelEntry,
    ModelType,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILES = ("images.json", "video.json", "audio.json", "utilities.json")
_REPO_ROOT = Path(__file__).resolve().parents[2]
_decoder = msgspec.json.Decoder(list[ModelEntry])


class Catalog:
    """All entries, indexed. Immutable once loaded."""

    def __init__(
        self,
        entries: tuple[ModelEntry, ...],
        version: str,
        text: TextCatalog = NO_TEXT,
        families: Families = NO_FAMILIES,
        follow_ups: FollowUps = NO_FOLLOW_UPS,
    ) -> None:
        self.entries = entries
        self.version = version
        self.text = text  # the chat models (💬 Тексты), apart from the task models
        self.families = families  # how the sections group the models (data/families.json)
        self.follow_ups = follow_ups  # what a result offers next (data/follow_ups.json)
        self._by_id = {e.id: e for e in entries}
        self._by_slug = {e.slug: e for e in entries}
        # Menus ask for these on every screen: sort once (copies are handed out, so callers can't
        # disturb the order).
        ranked = sorted(entries, key=_rank_key)
        # Every model that can run (follow-ups included: their charts are exported and tested too).
        self._enabled = [e for e in ranked if e.enabled]
        # Lists show only what can be opened on its own: a follow-up needs a parent job.
        self._free = [e for e in self._enabled if e.free and listed(e)]
        self._by_type: dict[tuple[str, bool], list[ModelEntry]] = {}
        for entry in ranked:
            if entry.enabled and not listed(entry):
                continue
            self._by_type.setdefault((entry.type, True), []).append(entry)
            if entry.enabled:
                self._by_type.setdefault((entry.type, False), []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.entries)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._by_id

    def get(self, model_id: str) -> ModelEntry | None:
        return self._by_id.get(model_id)

    def by_slug(self, slug: str) -> ModelEntry | None:
        return self._by_slug.get(slug)

    def enabled(self) -> list[ModelEntry]:
        return list(self._enabled)

    def by_type(self, model_type: ModelType, *, include_disabled: bool = False) -> list[ModelEntry]:
        return list(self._by_type.get((model_type, include_disabled), ()))

    def free(self) -> list[ModelEntry]:
        return list(self._free)


def _rank_key(entry: ModelEntry) -> tuple[int, str]:
    return entry.rank, entry.id


def load_catalog(data_dir: Path | str | None = None) -> Catalog:
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    entries: list[ModelEntry] = []
    seen_ids: dict[str, str] = {}
    seen_slugs: dict[str, str] = {}
    for name in DATA_FILES:
        path = directory / name
        shown = _shown(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CatalogError(f"{shown}: cannot read ({error.strerror})") from None
        try:
            decoded = _decoder.decode(data)
        except msgspec.ValidationError as error:
            raise CatalogError(_decode_message(shown, data, str(error))) from None
        except msgspec.DecodeError as error:
            raise CatalogError(f"{shown}: not valid JSON ({error})") from None
        for entry in decoded:
            problem = next(iter(check_entry(entry)), None)
            if problem is not None:
                field, message = problem
                raise CatalogError(f"{shown}: model {entry.id!r}, field {field!r}: {message}")
            if entry.id in seen_ids:
                raise CatalogError(
                    f"{shown}: model {entry.id!r}, field 'id': duplicate (also in {seen_ids[entry.id]})"
                )
            if entry.slug in seen_slugs:
                raise CatalogError(
                    f"{shown}: model {entry.id!r}, field 'slug': duplicate slug {entry.slug!r} "
                    f"(also used by {seen_slugs[entry.slug]!r})"
                )
            seen_ids[entry.id] = shown
            seen_slugs[entry.slug] = entry.id
            entries.append(entry)
    version = hashlib.sha256(msgspec.json.encode(entries, order="deterministic")).hexdigest()[:12]
    families_path = directory / FAMILIES_FILE
    # A directory without the file (a test's own catalog) shows the flat per-section lists.
    families = (
        load_families(families_path.read_bytes(), _shown(families_path), {e.id: e for e in entries})
        if families_path.exists()
        else NO_FAMILIES
    )
    by_id = {e.id: e for e in entries}
    follow_ups_path = directory / FOLLOW_UPS_FILE
    follow_ups = (
        load_follow_ups(follow_ups_path.read_bytes(), _shown(follow_ups_path), by_id)
        if follow_ups_path.exists()
        else NO_FOLLOW_UPS
    )
    return Catalog(tuple(entries), version, load_text_models(directory, seen_slugs), families, follow_ups)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _decode_message(shown: str, data: bytes, message: str) -> str:
    """'Expected `int` - at `$[3].schema.x`' → names the model at index 3 and the path inside it."""
    match = re.search(r"`\$\[(\d+)\]\.?([^`]*)`", message)
    if not match:
        return f"{shown}: {message}"
    index, inner = int(match.group(1)), match.group(2) or "(entry)"
    reason = message.split(" - at `")[0]
    model = "?"
    try:
        raw = json.loads(data)[index]
        model = str(raw.get("id", "?"))
        if inner.startswith("schema.properties[...]"):
            # msgspec does not name dict keys: find the property that fails on its own.
            for key, value in raw["schema"]["properties"].items():
                try:
                    msgspec.convert(value, Field)
                except msgspec.ValidationError as error:
                    sub = re.search(r"`\$\.?([^`]*)`", str(error))
                    tail = f".{sub.group(1)}" if sub and sub.group(1) else ""
                    inner, reason = f"schema.properties.{key}{tail}", str(error).split(" - at `")[0]
                    break
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        pass
    return f"{shown}: model {model!r} (entry {index}), field {inner!r}: {reason}"


def entry_to_builtins(entry: ModelEntry) -> dict[str, Any]:
    """The JSON shape of an entry (for tools and tests that rewrite data files)."""
    return msgspec.to_builtins(entry)
