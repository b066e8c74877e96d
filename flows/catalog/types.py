"""Catalog types: one model entry per Kie model, its input schema, rules and price table.

Everything here is data decoded once by a typed msgspec decoder; the wizards, the confirm screen and
the price are generated from it. Rules are data too (no per-model code anywhere).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

# A value as Kie expects it: keep the exact JSON type ("5" is not 5).
Scalar = str | int | float | bool
# A condition: every key must match the field's effective value. Two computed markers test emptiness
# (a list with items, a set string) instead of equality.
Condition = dict[str, Scalar]
NONEMPTY = "__nonempty__"
EMPTY = "__empty__"

ModelType = Literal["text", "image", "audio", "video", "utility"]
Family = Literal["market", "veo", "suno", "gpt4o-image", "flux-kontext", "runway", "aleph", "mj"]
MediaKind = Literal["image", "video", "audio"]
InputKind = Literal["text", "image", "video", "audio"]
OutputKind = Literal["image", "video", "audio", "text"]
PriceUnit = Literal["request", "second", "1000_chars", "megapixel", "image"]

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB  # what the Bot API lets a bot download

FieldName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
NonNegInt = Annotated[int, Meta(ge=0)]
PositiveInt = Annotated[int, Meta(ge=1)]


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


# --- Fields (tagged union by `kind`) -----------------------------------------------------------------


class _FieldBase(_Struct, frozen=True, kw_only=True, tag_field="kind"):
    # Technical knobs: shown only under the confirm step's "optional settings", never asked step by step.
    advanced: bool = False
    # Send the default even when the user kept it (when Kie's own default differs or is unknown, or the
    # price depends on the value).
    send_default: bool = False


class TextField(_FieldBase, frozen=True, kw_only=True, tag="text"):
    min_length: NonNegInt | None = None
    max_length: PositiveInt | None = None
    default: str | None = None
    multiline: bool = False


class IntegerField(_FieldBase, frozen=True, kw_only=True, tag="integer"):
    minimum: int | None = None
    maximum: int | None = None
    step: PositiveInt | None = None
    default: int | None = None


class NumberField(_FieldBase, frozen=True, kw_only=True, tag="number"):
    minimum: float | None = None
    maximum: float | None = None
    step: Annotated[float, Meta(gt=0)] | None = None
    default: float | None = None


class BooleanField(_FieldBase, frozen=True, kw_only=True, tag="boolean"):
    default: bool | None = None


class EnumField(_FieldBase, frozen=True, kw_only=True, tag="enum"):
    values: Annotated[tuple[str | int | float, ...], Meta(min_length=1)]
    default: str | int | float | None = None


class UrlField(_FieldBase, frozen=True, kw_only=True, tag="url"):
    """A plain link the user pastes (not a file to upload)."""

    max_length: PositiveInt = 2048


class FileField(_FieldBase, frozen=True, kw_only=True, tag="file"):
    """One file from Telegram, uploaded to Kie; the value sent is the uploaded file's URL."""

    accept: Annotated[tuple[MediaKind, ...], Meta(min_length=1)]
    max_bytes: PositiveInt = DEFAULT_MAX_BYTES


class FileListField(_FieldBase, frozen=True, kw_only=True, tag="file_list"):
    accept: Annotated[tuple[MediaKind, ...], Meta(min_length=1)]
    min_items: NonNegInt = 0
    max_items: PositiveInt | None = None
    max_bytes: PositiveInt = DEFAULT_MAX_BYTES


Field = (
    TextField | IntegerField | NumberField | BooleanField | EnumField | UrlField | FileField | FileListField
)
FILE_KINDS = (FileField, FileListField)


# --- Rules (tagged union by `rule`) ------------------------------------------------------------------


class _RuleBase(_Struct, frozen=True, kw_only=True, tag_field="rule"):
    pass


class RequireWhen(_RuleBase, frozen=True, kw_only=True, tag="require_when"):
    field: FieldName
    when: Condition


class HideWhen(_RuleBase, frozen=True, kw_only=True, tag="hide_when"):
    """When the condition holds the field is neither asked nor sent."""

    field: FieldName
    when: Condition


class DeriveFromCount(_RuleBase, frozen=True, kw_only=True, tag="derive_from_count"):
    """A request field computed from how many items another field holds (never asked)."""

    field: FieldName
    count_of: FieldName
    mapping: dict[str, Scalar]


class Exclusive(_RuleBase, frozen=True, kw_only=True, tag="exclusive"):
    """At most one group may have any value set."""

    groups: Annotated[tuple[tuple[FieldName, ...], ...], Meta(min_length=2)]


class ForbidCombination(_RuleBase, frozen=True, kw_only=True, tag="forbid_combination"):
    when: Annotated[Condition, Meta(min_length=1)]
    message: str  # a text key, e.g. "runway_1080p_10s"


class AtLeastOne(_RuleBase, frozen=True, kw_only=True, tag="at_least_one"):
    """Kie needs one of these although none is required on its own (e.g. a first frame or a clip)."""

    fields: Annotated[tuple[FieldName, ...], Meta(min_length=2)]


Rule = RequireWhen | HideWhen | DeriveFromCount | Exclusive | ForbidCombination | AtLeastOne


class InputSchema(_Struct, frozen=True, kw_only=True):
    required: tuple[FieldName, ...] = ()
    # Insertion order is the ask order (after the required ones).
    properties: dict[FieldName, Field] = {}
    rules: tuple[Rule, ...] = ()


# --- Pricing -----------------------------------------------------------------------------------------


class PriceRow(_Struct, frozen=True, kw_only=True):
    when: Condition = {}
    credits: Annotated[float, Meta(ge=0)]


class Pricing(_Struct, frozen=True, kw_only=True):
    unit: PriceUnit
    # The field whose value multiplies the row price: seconds for "second", the text for "1000_chars",
    # an enum mapped through `unit_table` for "megapixel", the image count for "image". For "second" it
    # may also name a file field: then the units are the media's duration in seconds, which the runtime
    # measures (Telegram reports it) and passes to the price function.
    unit_field: FieldName | None = None
    unit_table: dict[str, Annotated[float, Meta(gt=0)]] | None = None
    # Units when unit_field is absent or unset (Kie's own default).
    default_units: Annotated[float, Meta(gt=0)] | None = None
    # Kie stops at this many units (e.g. avatars "up to 15 s"), so it bills at most this many.
    max_units: Annotated[float, Meta(gt=0)] | None = None
    # Media fields whose seconds are billed on top (Wan 3: output seconds + reference-video seconds).
    plus_media_seconds_of: tuple[FieldName, ...] = ()
    # A second multiplier: how many outputs one request makes (num_images, nVariants ...).
    count_field: FieldName | None = None
    by: tuple[FieldName, ...] = ()
    table: Annotated[tuple[PriceRow, ...], Meta(min_length=1)]


class Supports(_Struct, frozen=True, kw_only=True):
    inputs: Annotated[tuple[InputKind, ...], Meta(min_length=1)]
    output: OutputKind


Slug = Annotated[str, Meta(min_length=1, max_length=58, pattern=r"^[A-Za-z0-9_-]+$")]


class ModelEntry(_Struct, frozen=True, kw_only=True):
    id: Annotated[str, Meta(min_length=1, max_length=128)]
    slug: Slug
    type: ModelType
    family: Family
    enabled: bool
    disabled_reason: str | None = None
    free: bool = False
    rank: NonNegInt
    schema: InputSchema
    examples: tuple[dict[str, Any], ...] = ()
    pricing: Pricing
    supports: Supports
    fixed: dict[str, Any] = {}
    eta_seconds: PositiveInt
    timeout_seconds: PositiveInt
    source: tuple[str, ...] = ()
