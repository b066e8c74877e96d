"""Token estimates without a tokenizer: Kie's models use several, and none is public for all of them.

Two estimates on purpose. `upper_tokens` never undercounts in practice (3 UTF-8 bytes a token: real
tokenizers take about 4 Latin or 3–4 Cyrillic characters, i.e. 4–8 bytes), so a hold built on it covers
the bill. `fair_tokens` (4 characters a token) is what a stopped answer is charged for, where
overcounting would overcharge the user.
"""

from __future__ import annotations

import math

# An image part, counted as input: OpenAI bills up to about 1 100 tokens a high-detail image, Claude
# about 1 600, Gemini 258. The upper one, so the hold covers any of them.
IMAGE_TOKENS = 1_600
# Role markers and separators around each message.
MESSAGE_OVERHEAD = 4


def upper_tokens(text: str, images: int = 0) -> int:
    """An upper bound of a message's tokens, overhead included."""
    return math.ceil(len(text.encode("utf-8")) / 3) + images * IMAGE_TOKENS + MESSAGE_OVERHEAD


def fair_tokens(text: str) -> int:
    """A middle estimate of a text's tokens (what was generated before a stop)."""
    return math.ceil(len(text) / 4)
