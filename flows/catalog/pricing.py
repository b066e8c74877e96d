"""Credits → kopecks: the price table of an entry applied to an input, under the pricing policy.

Money is integer kopecks everywhere. Arithmetic is exact (fractions), rounded up once at the end, so a
price never depends on float noise. A combination without a documented price raises: never a fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import msgspec
import msgspec.toml
from msgspec import Meta

from flows.catalog.types import (
    EMPTY,
    NONEMPTY,
    BooleanField,
    EnumField,
    Field,
    FileField,
    FileListField,
    ForbidCombination,
    IntegerField,
    ModelEntry,
    NumberField,
    PriceRow,
    PriceUnit,
    TextField,
)
from flows.catalog.validate import condition_holds, is_set, resolved_values

POLICY_PATH = Path(__file__).resolve().parents[1] / "pricing_policy.toml"


class PricingPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    usd_per_credit: Annotated[float, Meta(gt=0)]
    rub_per_usd: Annotated[float, Meta(gt=0)]
    markup: Annotated[float, Meta(ge=1)]
    round_step_rub: Annotated[int, Meta(ge=1)]
    minimum_rub: Annotated[int, Meta(ge=0)]
    free_daily_quota: Annotated[int, Meta(ge=0)]
    free_max_credits: Annotated[float, Meta(ge=0)]
    stars_per_rub: Annotated[float, Meta(gt=0)]
    # Text chat (flows/chat/pricing.py); token prices are per model in data/text.json.
    text_free_daily_quota: Annotated[int, Meta(ge=0)] = 20
    text_context_budget_tokens: Annotated[int, Meta(ge=1000)] = 32_000
    text_typical_prompt_tokens: Annotated[int, Meta(ge=0)] = 600
    text_typical_answer_tokens: Annotated[int, Meta(ge=1)] = 400
    text_tokens_per_1000_words: Annotated[int, Meta(ge=1)] = 2_000
    # Stars packs (flows/money/stars.py) and the monthly plan (flows/money/plan.py).
    stars_packs: tuple[Annotated[int, Meta(ge=1, le=100_000)], ...] = (100, 500, 1000)
    stars_pack_bonus_percent: tuple[Annotated[int, Meta(ge=0, le=100)], ...] = (0, 5, 10)
    plan_stars: Annotated[int, Meta(ge=1, le=10_000)] = 500
    plan_credit_rub: Annotated[int, Meta(ge=1)] = 650
    plan_free_daily_quota: Annotated[int, Meta(ge=0)] = 15
    plan_refund_hours: Annotated[int, Meta(ge=0)] = 48

    # Referrals (flows/growth, docs/payments.md): the inviter's share of an invitee's paid top-ups.
    referral_percent: Annotated[int, Meta(ge=0, le=100)] = 10
    referral_days: Annotated[int, Meta(ge=1)] = 90
    referral_welcome_rub: Annotated[int, Meta(ge=0)] = 0

    def __post_init__(self) -> None:
        if len(self.stars_pack_bonus_percent) != len(self.stars_packs):
            raise ValueError("stars_pack_bonus_percent needs one value per pack in stars_packs")


class PricingError(Exception):
    """Root of pricing errors; `code` is stable for user texts."""

    code = "pricing_error"


class NoPrice(PricingError):
    code = "no_price"


class MediaDurationNeeded(PricingError):
    """The price is per second of an input file and the runtime did not pass its duration."""

    code = "media_duration_needed"


class PriceSummary(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    min_kopecks: int
    max_kopecks: int | None  # None: no upper bound (e.g. per second of an uploaded video)
    varies: bool
    unit: PriceUnit


def load_policy(path: Path | str | None = None) -> PricingPolicy:
    data = Path(path or POLICY_PATH).read_bytes()
    return msgspec.toml.decode(data, type=PricingPolicy)


# --- domains ----------------------------------------------------------------------------------------------


def price_domain(field: Field) -> tuple[Any, ...]:
    """The values a `pricing.by` field can take, as price rows spell them."""
    if isinstance(field, EnumField):
        return field.values
    if isinstance(field, BooleanField):
        return (False, True)
    if isinstance(field, FileField | FileListField):
        return (EMPTY, NONEMPTY)
    raise TypeError(f"{type(field).__name__} cannot choose a price")


def reachable_combinations(entry: ModelEntry) -> list[dict[str, Any]]:
    """Every assignment of the `by` fields a user can choose, minus forbidden combinations."""
    pricing = entry.pricing
    props = entry.schema.properties
    combos: list[dict[str, Any]] = [{}]
    for name in pricing.by:
        combos = [{**combo, name: value} for combo in combos for value in price_domain(props[name])]
    forbids = [r for r in entry.schema.rules if isinstance(r, ForbidCombination)]
    return [
        combo
        for combo in combos
        if not any(set(rule.when) <= set(combo) and condition_holds(rule.when, combo) for rule in forbids)
    ]


def find_row(entry: ModelEntry, resolved: Mapping[str, Any]) -> PriceRow:
    probe = {}
    for name in entry.pricing.by:
        value = resolved.get(name)
        field = entry.schema.properties.get(name)
        if isinstance(field, FileField | FileListField):
            value = NONEMPTY if is_set(value) else EMPTY
        probe[name] = value
    for row in entry.pricing.table:
        if condition_holds(row.when, probe):
            return row
    shown = ", ".join(f"{k}={v!r}" for k, v in probe.items())
    raise NoPrice(f"model {entry.id!r}: no price for {shown or 'this input'}")


# --- units -------------------------------------------------------------------------------------------------


def _frac(value: Any) -> Fraction:
    return Fraction(str(value))


def _media_seconds(entry: ModelEntry, name: str, media_seconds: Mapping[str, float] | None) -> Fraction:
    if media_seconds is None or name not in media_seconds:
        raise MediaDurationNeeded(f"model {entry.id!r}: the price needs the duration of {name!r}")
    return Fraction(math.ceil(media_seconds[name]))


def media_priced_fields(entry: ModelEntry) -> list[str]:
    """File fields whose media length sets the price (per second of an uploaded video or audio)."""
    pricing = entry.pricing
    props = entry.schema.properties
    names = [pricing.unit_field] if pricing.unit_field else []
    names += list(pricing.plus_media_seconds_of)
    return [n for n in names if n in props and isinstance(props[n], FileField | FileListField)]


def units_for(
    entry: ModelEntry, resolved: Mapping[str, Any], media_seconds: Mapping[str, float] | None = None
) -> Fraction:
    pricing = entry.pricing
    name = pricing.unit_field
    field = entry.schema.properties.get(name) if name else None
    value = resolved.get(name) if name else None
    units: Fraction
    if pricing.unit == "request":
        units = Fraction(1)
    elif isinstance(field, FileField | FileListField) and is_set(value):
        units = _media_seconds(entry, name, media_seconds)
    elif not is_set(value):
        if pricing.default_units is None:
            raise NoPrice(f"model {entry.id!r}: {name!r} is not set and there are no default units")
        units = _frac(pricing.default_units)
    elif pricing.unit == "1000_chars":
        units = Fraction(max(1, math.ceil(len(str(value)) / 1000)))
    elif pricing.unit == "megapixel":
        table = pricing.unit_table or {}
        if str(value) not in table:
            raise NoPrice(f"model {entry.id!r}: no megapixels for {name}={value!r}")
        units = _frac(table[str(value)])
    else:  # second, image: a number (Kie sometimes spells it as a string, e.g. duration "10")
        units = _frac(value)
    if pricing.max_units is not None:
        units = min(units, _frac(pricing.max_units))
    for extra in pricing.plus_media_seconds_of:
        if is_set(resolved.get(extra)):
            units += _media_seconds(entry, extra, media_seconds)
    if pricing.count_field and is_set(resolved.get(pricing.count_field)):
        units *= _frac(resolved[pricing.count_field])
    return units


def credits_for(
    entry: ModelEntry, values: Mapping[str, Any], media_seconds: Mapping[str, float] | None = None
) -> Fraction:
    """Kie credits for this input (exact). Raises NoPrice / MediaDurationNeeded."""
    resolved = resolved_values(entry, values)
    for rule in entry.schema.rules:
        if isinstance(rule, ForbidCombination) and condition_holds(rule.when, resolved):
            raise NoPrice(f"model {entry.id!r}: combination {dict(rule.when)} is not offered")
    row = find_row(entry, resolved)
    if row.credits <= 0:
        raise NoPrice(f"model {entry.id!r}: no documented price")
    return _frac(row.credits) * units_for(entry, resolved, media_seconds)


def cost_kopecks_per_credit(policy: PricingPolicy) -> Fraction:
    """What one Kie credit costs the operator, in kopecks (no markup, no rounding): the margin's rate."""
    return _frac(policy.usd_per_credit) * _frac(policy.rub_per_usd) * 100


def credits_to_kopecks(credits: Fraction | float, policy: PricingPolicy) -> int:
    raw = (
        (Fraction(str(credits)) if isinstance(credits, float) else Fraction(credits))
        * _frac(policy.usd_per_credit)
        * _frac(policy.rub_per_usd)
        * _frac(policy.markup)
        * 100
    )
    step = policy.round_step_rub * 100
    kopecks = math.ceil(raw / step) * step
    return max(kopecks, policy.minimum_rub * 100)


def price_kopecks(
    entry: ModelEntry,
    values: Mapping[str, Any],
    policy: PricingPolicy,
    media_seconds: Mapping[str, float] | None = None,
) -> int:
    """The user's price for this input, rounded up to the policy's step, at least its minimum.

    `media_seconds` maps a file field to its media duration when the price is per second of an input.
    """
    return credits_to_kopecks(credits_for(entry, values, media_seconds), policy)


def unreturned_refund(
    entry: ModelEntry,
    values: Mapping[str, Any],
    charged_kopecks: int,
    returned: int,
    policy: PricingPolicy,
    media_seconds: Mapping[str, float] | None = None,
) -> int:
    """Kopecks to give back when Kie returned fewer outputs than the upper bound the hold was priced by
    (Seedream v4 `max_images`): the charge minus the price of what was returned, under the same policy."""
    pricing = entry.pricing
    name = pricing.unit_field
    if not pricing.refund_unreturned or name is None or charged_kopecks <= 0 or returned <= 0:
        return 0
    asked = resolved_values(entry, values).get(name)
    try:
        bound = int(asked)
    except (TypeError, ValueError):
        return 0
    if returned >= bound:
        return 0
    count: Any = str(returned) if isinstance(asked, str) else returned
    actual = price_kopecks(entry, {**values, name: count}, policy, media_seconds)
    return min(charged_kopecks, max(0, charged_kopecks - actual))


# --- ranges for cards -------------------------------------------------------------------------------------


def _numeric_bounds(field: Field | None) -> tuple[Fraction | None, Fraction | None]:
    if isinstance(field, EnumField):
        numbers = [_frac(v) for v in field.values]
        return min(numbers), max(numbers)
    if isinstance(field, IntegerField | NumberField):
        low = _frac(field.minimum) if field.minimum is not None else None
        high = _frac(field.maximum) if field.maximum is not None else None
        return low, high
    return None, None


def units_range(entry: ModelEntry) -> tuple[Fraction, Fraction | None]:
    pricing = entry.pricing
    props = entry.schema.properties
    field = props.get(pricing.unit_field) if pricing.unit_field else None
    optional = pricing.unit_field not in entry.schema.required
    default = _frac(pricing.default_units) if pricing.default_units is not None else None
    low: Fraction | None
    high: Fraction | None
    if pricing.unit == "request":
        low = high = Fraction(1)
    elif isinstance(field, FileField | FileListField):
        low, high = Fraction(1), None
    elif field is None:
        low = high = default
    elif pricing.unit == "1000_chars":
        assert isinstance(field, TextField)
        low = Fraction(1)
        high = Fraction(math.ceil(field.max_length / 1000)) if field.max_length else None
    elif pricing.unit == "megapixel":
        sizes = [_frac(v) for v in (pricing.unit_table or {}).values()]
        low, high = min(sizes), max(sizes)
    else:
        low, high = _numeric_bounds(field)
        low = low if low is not None and low > 0 else Fraction(1)
    if (
        optional
        and default is not None
        and field is not None
        and not isinstance(field, FileField | FileListField)
    ):
        low = min(low, default) if low is not None else default
        high = max(high, default) if high is not None else None
    if pricing.max_units is not None:
        cap = _frac(pricing.max_units)
        high = cap if high is None else min(high, cap)
    if pricing.plus_media_seconds_of:
        high = None
    if pricing.count_field:
        count_low, count_high = _numeric_bounds(props.get(pricing.count_field))
        count_low = count_low or Fraction(1)
        if pricing.count_field not in entry.schema.required:
            count_low = min(count_low, Fraction(1))  # unset: one output
        low = low * count_low if low is not None else None
        high = high * count_high if high is not None and count_high is not None else None
    return (low if low is not None else Fraction(1)), high


def price_summary(entry: ModelEntry, policy: PricingPolicy) -> PriceSummary:
    """The price range of a model over every reachable option (walks every combination: cache it,
    as flows.book.Book does)."""
    rows = [find_row(entry, combo) for combo in reachable_combinations(entry)]
    if any(row.credits <= 0 for row in rows):
        raise NoPrice(f"model {entry.id!r}: no documented price")
    credits = [_frac(row.credits) for row in rows] or [_frac(r.credits) for r in entry.pricing.table]
    low_units, high_units = units_range(entry)
    low = credits_to_kopecks(min(credits) * low_units, policy)
    high = credits_to_kopecks(max(credits) * high_units, policy) if high_units is not None else None
    return PriceSummary(min_kopecks=low, max_kopecks=high, varies=high != low, unit=entry.pricing.unit)


def price_range(entry: ModelEntry, policy: PricingPolicy) -> tuple[int, int | None]:
    summary = price_summary(entry, policy)
    return summary.min_kopecks, summary.max_kopecks


def format_rub(kopecks: int) -> str:
    rubles, rest = divmod(kopecks, 100)
    whole = f"{rubles:,}".replace(",", "\u00a0")
    return f"{whole} ₽" if not rest else f"{whole},{rest:02d} ₽"


def card_price_text(summary: PriceSummary, lang: str = "ru") -> str:
    """ "12 ₽" for a fixed price, "от 12 ₽" ("from 12 ₽") when options change it."""
    return from_price(summary.min_kopecks, lang) if summary.varies else format_rub(summary.min_kopecks)


def from_price(kopecks: int, lang: str = "ru") -> str:
    """The lowest of several prices: "от 12 ₽" / "from 12 ₽"."""
    return f"{'from' if lang == 'en' else 'от'} {format_rub(kopecks)}"
