"""The model catalog: schema-driven entries the wizards are generated from, and their prices."""

from flows.catalog.loader import Catalog, CatalogError, load_catalog
from flows.catalog.pricing import (
    PriceSummary,
    PricingError,
    PricingPolicy,
    card_price_text,
    load_policy,
    price_kopecks,
    price_range,
    price_summary,
)
from flows.catalog.types import Field, InputSchema, ModelEntry, PriceRow, Pricing, Rule, Supports
from flows.catalog.validate import (
    InputError,
    Problem,
    build_request_input,
    effective_fields,
    validate_input,
    validate_value,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "Field",
    "InputError",
    "InputSchema",
    "ModelEntry",
    "PriceRow",
    "PriceSummary",
    "Pricing",
    "PricingError",
    "PricingPolicy",
    "Problem",
    "Rule",
    "Supports",
    "build_request_input",
    "card_price_text",
    "effective_fields",
    "load_catalog",
    "load_policy",
    "price_kopecks",
    "price_range",
    "price_summary",
    "validate_input",
    "validate_value",
]
