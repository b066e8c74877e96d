"""The dialog context sent with each message, kept within a token budget.

The oldest turns go first; the system prompt (the mode) and the new message always stay. Turns leave
in user/assistant pairs so the context never starts with an answer (Anthropic refuses that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from flows.catalog.pricing import PricingPolicy
from flows.catalog.text import TextModel

Role = Literal["user", "assistant"]


class ContextTurn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: Role
    text: str
    tokens: int  # its estimate (flows.chat.tokens.upper_tokens), stored with the turn
    image_urls: tuple[str, ...] = ()


class Trimmed(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    turns: tuple[ContextTurn, ...]  # the history kept, oldest first, then the new message
    dropped: int  # history turns left out
    tokens: int  # system prompt + turns


class ContextTooLong(ValueError):
    """The system prompt and the new message alone exceed the budget."""

    def __init__(self, needed: int, budget: int) -> None:
        super().__init__(f"{needed} tokens needed, budget {budget}")
        self.needed = needed
        self.budget = budget


def context_budget(model: TextModel, policy: PricingPolicy, max_tokens: int) -> int:
    """Input tokens a request may carry: the policy's cap, within what the window leaves for the answer."""
    room = model.context_tokens - max_tokens - model.hidden_prompt_tokens
    return max(0, min(policy.text_context_budget_tokens, room))


def trim_context(
    system_tokens: int, history: Sequence[ContextTurn], new: ContextTurn, budget: int
) -> Trimmed:
    fixed = system_tokens + new.tokens
    if fixed > budget:
        raise ContextTooLong(fixed, budget)
    kept = list(history)
    total = fixed + sum(turn.tokens for turn in kept)
    start = 0
    while start < len(kept) and (total > budget or kept[start].role != "user"):
        total -= kept[start].tokens
        start += 1
    turns = tuple(kept[start:]) + (new,)
    return Trimmed(turns=turns, dropped=start, tokens=total)
