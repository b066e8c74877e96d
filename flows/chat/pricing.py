"""Token prices → kopecks, under the same pricing policy (rate and markup) as every other model.

Credits are Kie's unit (US$0.005). A chat charge is rounded UP to a whole kopeck once, at the end,
with exact fractions; there is no minimum and no ruble step (answers cost kopecks, not rubles).
The hold is the most this answer can cost; the charge never exceeds it (the user agreed to the hold).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import msgspec

from flows.catalog.pricing import PricingPolicy
from flows.catalog.text import TextCatalog, TextModel

MILLION = 1_000_000


class TurnUsage(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What one answer used, as Kie reported it. `credits` is Kie's `credits_consumed` (the bill)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0  # part of input_tokens that Kie billed at the cached price
    credits: float | None = None


def _frac(value: float | int) -> Fraction:
    return Fraction(str(value))


def credits_to_kopecks(credits: Fraction, policy: PricingPolicy) -> int:
    """Whole kopecks, rounded up."""
    rub = credits * _frac(policy.usd_per_credit) * _frac(policy.rub_per_usd) * _frac(policy.markup)
    return math.ceil(rub * 100)


def token_credits(
    model: TextModel, input_tokens: int, output_tokens: int, cached_tokens: int = 0
) -> Fraction:
    """Credits for a usage at the model's per-million prices (cached input at its own price, if any)."""
    prices = model.pricing
    cached = min(cached_tokens, input_tokens) if prices.cached_input is not None else 0
    return (
        (input_tokens - cached) * _frac(prices.input)
        + cached * _frac(prices.cached_input or 0)
        + output_tokens * _frac(prices.output)
    ) / MILLION


def hold_kopecks(model: TextModel, input_tokens: int, max_tokens: int, policy: PricingPolicy) -> int:
    """The most an answer can cost: the whole context at the full input price (plus what Kie adds on
    its own), and `max_tokens` of answer."""
    credits = token_credits(model, input_tokens + model.hidden_prompt_tokens, max_tokens)
    return credits_to_kopecks(credits, policy)


def charge_kopecks(model: TextModel, usage: TurnUsage, policy: PricingPolicy, hold: int) -> int:
    """What the user pays for an answer: Kie's own bill when it sent one, else usage × price; never
    more than the hold."""
    return min(hold, credits_to_kopecks(usage_credits(model, usage), policy))


def usage_credits(model: TextModel, usage: TurnUsage) -> Fraction:
    """What Kie bills for an answer: its own `credits_consumed` when it sent one, else usage × price
    (the margin report's Kie cost of a chat answer)."""
    if usage.credits is not None:
        return _frac(usage.credits)
    return token_credits(model, usage.input_tokens, usage.output_tokens, usage.cached_input_tokens)


def typical_answer_kopecks(model: TextModel, policy: PricingPolicy) -> int:
    """The model list's "~0,40 ₽": a typical exchange (policy sizes)."""
    credits = token_credits(
        model,
        policy.text_typical_prompt_tokens + model.hidden_prompt_tokens,
        policy.text_typical_answer_tokens,
    )
    return credits_to_kopecks(credits, policy)


def per_1000_words_kopecks(model: TextModel, policy: PricingPolicy) -> tuple[int, int]:
    """The card's price of 1 000 words sent to the model and 1 000 words of answer."""
    tokens = policy.text_tokens_per_1000_words
    return (
        credits_to_kopecks(token_credits(model, tokens, 0), policy),
        credits_to_kopecks(token_credits(model, 0, tokens), policy),
    )


@functools.lru_cache(maxsize=8)  # catalogs and policies are immutable and live as long as the process
def free_text_model(text: TextCatalog, policy: PricingPolicy) -> TextModel | None:
    """The model free answers are given on: the cheapest enabled one (by a typical answer)."""
    enabled = text.enabled()
    if not enabled or policy.text_free_daily_quota <= 0:
        return None
    return min(enabled, key=lambda m: (typical_answer_kopecks(m, policy), m.rank, m.id))
