"""The script steps a test gives ``FakeKie`` for a model's tasks (``Phase``, ``Succeed``, ``Fail``,
``CreateError``, ``CreateHang``), the default script and the texts of createTask's error codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# --- Script steps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """A running state, in market words (waiting | queuing | generating); each family translates it.
    Lasts `polls` queries or `seconds` (whichever is given; both: whichever ends first)."""

    state: str = "generating"
    polls: int | None = None
    seconds: float | None = None

    @property
    def poll_limit(self) -> int | None:
        # Neither given: one query.
        return 1 if self.polls is None and self.seconds is None else self.polls


@dataclass(frozen=True)
class Succeed:
    """Success. `urls=None` → `count` result files served by the fake with `content`/`content_type`
    (defaults per family) or `size` bytes. `text` → a text result (market resultObject)."""

    urls: tuple[str, ...] | None = None
    count: int = 1
    content: bytes | None = None
    content_type: str | None = None
    size: int | None = None
    text: str | None = None
    result_object: dict[str, Any] | None = None
    credits: float = 4.0
    cost_time: int = 12
    watermark_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fail:
    code: str = "500"
    message: str = "Internal error, please try again later."
    credits: float = 0.0
    cost_time: int = 3


@dataclass(frozen=True)
class CreateError:
    """createTask answers this body code (with `http_status`, 200 like Kie) and creates nothing."""

    code: int
    msg: str = ""
    http_status: int = 200


@dataclass(frozen=True)
class CreateHang:
    """createTask creates the task, then answers only after `seconds` (past the client's timeout)."""

    seconds: float


DEFAULT_SCRIPT: tuple[Any, ...] = (Phase("waiting"), Phase("generating"), Succeed())

_CREATE_ERROR_TEXT = {
    402: "Credits insufficient",
    422: "Invalid input",
    429: "Rate limit exceeded",
    455: "Service unavailable: system maintenance",
    500: "Server error, please try again later",
    501: "Generation failed",
    505: "Feature disabled",
}
