"""Model families: how the sections group their models (data/families.json), checked at startup.

A section (🎨 Images, 🎬 Video…) lists families in the file's order (Veo 3.1, Kling, Seedance…), each
with a one-line "best for" and aliases people type (`клинг`, `банан`); a family lists its versions
and modes. A version is one model, or a pair of the same version's text-to-X and image-to-X
variants: the user picks the version only, and a photo sent on its card chooses the image variant
(flows/wizard/photo_first.py). Each section also names a curated `⭐ Популярное` list, shown until
enough runs are counted. All of it is data: the menus read it, no family is spelled in code.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from flows.catalog.follow_ups import is_follow_up
from flows.catalog.problems import CatalogError
from flows.catalog.types import ModelEntry

FAMILIES_FILE = "families.json"
Section = Literal["image", "video", "audio", "utility"]
SECTIONS: tuple[Section, ...] = ("image", "video", "audio", "utility")
FamilyId = Annotated[str, Meta(min_length=1, max_length=24, pattern=r"^[a-z0-9][a-z0-9-]*$")]
ModelId = Annotated[str, Meta(min_length=1, max_length=128)]
Alias = Annotated[str, Meta(min_length=2, max_length=32)]
MAX_POPULAR = 8


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class Words(_Struct, frozen=True, kw_only=True):
    ru: Annotated[str, Meta(min_length=1, max_length=80)]
    en: Annotated[str, Meta(min_length=1, max_length=80)]

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.ru


class Version(_Struct, frozen=True, kw_only=True):
    """One model (`model`), or the text and image variants of one version (`text` + `image`)."""

    model: ModelId | None = None
    text: ModelId | None = None
    image: ModelId | None = None

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(m for m in (self.model, self.text, self.image) if m is not None)

    @property
    def main(self) -> str:
        """The model the version's button opens (the text variant of a pair)."""
        return self.model or self.text or ""


class Family(_Struct, frozen=True, kw_only=True):
    id: FamilyId
    section: Section
    title: Words
    best_for: Words
    aliases: tuple[Alias, ...] = ()
    versions: Annotated[tuple[Version, ...], Meta(min_length=1)]


class SectionData(_Struct, frozen=True, kw_only=True):
    # Shown under ⭐ Популярное until the last 7 days have runs (a new install), then after them.
    popular: Annotated[tuple[ModelId, ...], Meta(max_length=MAX_POPULAR)] = ()


class FamiliesFile(_Struct, frozen=True, kw_only=True):
    sections: dict[Section, SectionData]
    families: tuple[Family, ...]


_decoder = msgspec.json.Decoder(FamiliesFile)


class Families:
    """The families, indexed. Immutable once built."""

    def __init__(self, data: FamiliesFile | None = None) -> None:
        data = data or FamiliesFile(sections={}, families=())
        self.families = data.families
        self._by_id = {f.id: f for f in data.families}
        self._sections = data.sections
        self._of_model: dict[str, Family] = {}
        # model id → its image variant (for a pair's text variant) and back
        self._image_of: dict[str, str] = {}
        self._text_of: dict[str, str] = {}
        for family in data.families:
            for version in family.versions:
                for model_id in version.models:
                    self._of_model[model_id] = family
                if version.text and version.image:
                    self._image_of[version.text] = version.image
                    self._text_of[version.image] = version.text

    def __bool__(self) -> bool:
        return bool(self.families)

    def get(self, family_id: str) -> Family | None:
        return self._by_id.get(family_id)

    def in_section(self, section: str) -> tuple[Family, ...]:
        return tuple(f for f in self.families if f.section == section)

    def of_model(self, model_id: str) -> Family | None:
        return self._of_model.get(model_id)

    def image_variant(self, model_id: str) -> str | None:
        """The image-to-X variant of a pair's text-to-X model (a photo on its card switches to it)."""
        return self._image_of.get(model_id)

    def text_variant(self, model_id: str) -> str | None:
        return self._text_of.get(model_id)

    def curated_popular(self, section: str) -> tuple[str, ...]:
        data = self._sections.get(section)  # type: ignore[call-overload]
        return data.popular if data is not None else ()


NO_FAMILIES = Families()


def load_families(raw: bytes, shown: str, entries: dict[str, ModelEntry]) -> Families:
    """Decode and check the families against the catalog's entries; CatalogError names the problem."""
    try:
        data = _decoder.decode(raw)
    except msgspec.ValidationError as error:
        raise CatalogError(f"{shown}: {error}") from None
    except msgspec.DecodeError as error:
        raise CatalogError(f"{shown}: not valid JSON ({error})") from None
    problem = next(iter(_problems(data, entries)), None)
    if problem is not None:
        raise CatalogError(f"{shown}: {problem}")
    return Families(data)


def _problems(data: FamiliesFile, entries: dict[str, ModelEntry]):
    seen_families: set[str] = set()
    placed: dict[str, str] = {}
    for family in data.families:
        where = f"family {family.id!r}"
        if family.id in seen_families:
            yield f"{where}: duplicate id"
        seen_families.add(family.id)
        for version in family.versions:
            single = version.model is not None and version.text is None and version.image is None
            pair = version.model is None and version.text is not None and version.image is not None
            if not (single or pair):
                yield f"{where}: a version names either `model` or both `text` and `image`"
            for model_id in version.models:
                entry = entries.get(model_id)
                if entry is None:
                    yield f"{where}: unknown model {model_id!r}"
                    continue
                if is_follow_up(entry):
                    yield f"{where}: {model_id!r} opens only from a result, never from a family"
                if entry.type != family.section:
                    yield f"{where}: {model_id!r} is a {entry.type} model, the family is in {family.section}"
                if model_id in placed:
                    yield f"{where}: {model_id!r} is already in family {placed[model_id]!r}"
                placed[model_id] = family.id
            if version.text and version.image and version.text in entries and version.image in entries:
                yield from _pair_problems(where, entries[version.text], entries[version.image])
    for entry in entries.values():
        if entry.enabled and entry.type in SECTIONS and entry.id not in placed and not is_follow_up(entry):
            yield f"model {entry.id!r} ({entry.type}) is in no family: its section could not show it"
    for section, section_data in data.sections.items():
        for model_id in section_data.popular:
            entry = entries.get(model_id)
            if entry is None or entry.type != section:
                yield f"section {section!r}: popular model {model_id!r} is not a {section} model"


def _pair_problems(where: str, text: ModelEntry, image: ModelEntry):
    """A pair is routed by the presence of a photo: only the image variant may take one."""
    if "image" in text.supports.inputs:
        yield f"{where}: {text.id!r} takes images, so it cannot be the pair's text variant"
    accepts_image = any("image" in getattr(spec, "accept", ()) for spec in image.schema.properties.values())
    if not accepts_image:
        yield f"{where}: {image.id!r} has no image field, so it cannot be the pair's image variant"
