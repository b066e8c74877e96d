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
Family = Literal[
    "market",
    "veo",
    "veo-extend",
    "suno",
    "suno-extend",
    "suno-cover",
    "suno-wav",
    "suno-stems",
    "gpt4o-image",
    "flux-kontext",
    "runway",
    "aleph",
    "mj",
]
MediaKind = Literal["image", "video", "audio"]
InputKind = Literal["text", "image", "video", "audio"]
OutputKind = Literal["image", "video", "audio", "text"]
PriceUnit = Literal["request", "second", "1000_chars", "megapixel", "image"]

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB  # what the Bot API lets a bot download

FieldName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
NonNegInt = Annotated[int, Meta(ge=0)]
PositiveInt = Annotated[int, Meta(ge=1)]
NonNegFloat = Annotated[float, Meta(ge=0)]
PositiveFloat = Annotated[float, Meta(gt=0)]
# The page that documents a limit (a rule without its source cannot be checked against the docs).
SourceUrl = Annotated[str, Meta(min_length=9, max_length=300, pattern=r"^https://\S+$")]
MimeType = Annotated[str, Meta(max_length=100, pattern=r"^(image|video|audio)/[a-z0-9.+-]+$")]
# What a follow-up takes from its parent job (flows/catalog/follow_ups.py): the Kie task id, the first
# Suno track id, the first result URL, the first delivered result as a Telegram file, the parent's model
# id, or one of the parent's input values.
ParentFact = Annotated[
    str,
    Meta(pattern=r"^(task_id|audio_id|result_url|result_file|model_id|input\.[A-Za-z_][A-Za-z0-9_]*)$"),
]


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


# --- Fields (tagged union by `kind`) -----------------------------------------------------------------


class _FieldBase(_Struct, frozen=True, kw_only=True, tag_field="kind"):
    # Technical knobs: shown only under the confirm step's "optional settings", never asked step by step.
    advanced: bool = False
    # Send the default even when the user kept it (when Kie's own default differs or is unknown, or the
    # price depends on the value).
    send_default: bool = False
    # The pages stating this field's limits (lengths, sizes, formats, durations): the model's doc page,
    # and e.g. kie.ai/pricing for a billed maximum. Empty when Kie documents none beyond the schema.
    sources: tuple[SourceUrl, ...] = ()
    # A follow-up's field filled from the parent job (never asked, never shown, never edited); the
    # value passes through `parent_map` when one is given (a parent model id → Veo's tier word).
    parent: ParentFact | None = None
    parent_map: dict[str, Scalar] = {}


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


class _FileBase(_FieldBase, frozen=True, kw_only=True):
    """Limits of one file as Kie's documentation states them (checked at the step from what Telegram
    reports, and again on the downloaded file by `flows.catalog.measured`)."""

    accept: Annotated[tuple[MediaKind, ...], Meta(min_length=1)]
    # Per file: the documented limit, never above what the Bot API lets a bot download.
    max_bytes: PositiveInt = DEFAULT_MAX_BYTES
    # Accepted MIME types, judged by content (not the file name); empty: any type of `accept`.
    formats: tuple[MimeType, ...] = ()
    # Length of each video/audio item in seconds; `max_seconds_exclusive` for "shorter than 60 s".
    min_seconds: NonNegFloat | None = None
    max_seconds: PositiveFloat | None = None
    max_seconds_exclusive: bool = False
    # Pixel size of each image/video item, and its width/height ratio.
    min_side_px: PositiveInt | None = None
    max_side_px: PositiveInt | None = None
    max_megapixels: PositiveFloat | None = None
    min_aspect: PositiveFloat | None = None
    max_aspect: PositiveFloat | None = None


class FileField(_FileBase, frozen=True, kw_only=True, tag="file"):
    """One file from Telegram, uploaded to Kie; the value sent is the uploaded file's URL."""


class FileListField(_FileBase, frozen=True, kw_only=True, tag="file_list"):
    min_items: NonNegInt = 0
    # Required by the loader: Kie's documented maximum, or a sane one where none is documented.
    max_items: PositiveInt | None = None
    # All items together.
    max_total_bytes: PositiveInt | None = None
    max_total_seconds: PositiveFloat | None = None


Field = (
    TextField | IntegerField | NumberField | BooleanField | EnumField | UrlField | FileField | FileListField
)
FILE_KINDS = (FileField, FileListField)


# --- Rules (tagged union by `rule`) ------------------------------------------------------------------


class _RuleBase(_Struct, frozen=True, kw_only=True, tag_field="rule"):
    # Where Kie documents the rule (required on the rules that refuse input Kie documents as refused).
    source: SourceUrl | None = None


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
    """Kie refuses these option values together (the review refuses them, and they are never priced)."""

    when: Annotated[Condition, Meta(min_length=1)]
    message: str  # a text key, e.g. "runway_1080p_10s"
    source: SourceUrl


class RequireSameSize(_RuleBase, frozen=True, kw_only=True, tag="require_same_size"):
    """Two images must have the same pixel size (an image and its mask): checked on the downloaded
    files (Telegram does not report a document's size in pixels)."""

    fields: Annotated[tuple[FieldName, ...], Meta(min_length=2, max_length=2)]
    source: SourceUrl


class SumMax(_RuleBase, frozen=True, kw_only=True, tag="sum_max"):
    """Several fields together stay within a total: items counted (`count`, each field's items times
    its weight) or seconds (`seconds`: media length of file fields plus the value of number fields)."""

    fields: Annotated[tuple[FieldName, ...], Meta(min_length=1)]
    measure: Literal["count", "seconds"]
    max: Annotated[float, Meta(gt=0)]
    weights: dict[FieldName, PositiveInt] = {}
    source: SourceUrl


class RangeWhen(_RuleBase, frozen=True, kw_only=True, tag="range_when"):
    """While `when` holds, a field stays within a narrower range: its number (`value`), its item count
    (`count`), its text length (`length`) or the length of its media in seconds (`seconds`)."""

    field: FieldName
    when: Annotated[Condition, Meta(min_length=1)]
    of: Literal["value", "count", "length", "seconds"]
    minimum: float | None = None
    maximum: float | None = None
    source: SourceUrl


class AtLeastOne(_RuleBase, frozen=True, kw_only=True, tag="at_least_one"):
    """Kie needs one of these although none is required on its own (e.g. a first frame or a clip)."""

    fields: Annotated[tuple[FieldName, ...], Meta(min_length=2)]


Rule = (
    RequireWhen
    | HideWhen
    | DeriveFromCount
    | Exclusive
    | ForbidCombination
    | AtLeastOne
    | RequireSameSize
    | SumMax
    | RangeWhen
)


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
    # The unit field is only an upper bound of how many outputs Kie returns (Seedream v4 max_images):
    # the hold is priced by it, and what was not returned is given back after delivery.
    refund_unreturned: bool = False
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
