"""Dialog modes: presets chosen on the model card or with /mode, each a system prompt kept in the
texts data files (`chat.mode.<mode>.prompt`, ru and en) — never in code."""

from __future__ import annotations

from typing import Literal

from flows.texts import t

Mode = Literal["assistant", "translator", "editor", "coder", "copywriter"]
MODES: tuple[Mode, ...] = ("assistant", "translator", "editor", "coder", "copywriter")
DEFAULT_MODE: Mode = "assistant"


def is_mode(value: object) -> bool:
    return value in MODES


def mode_name(lang: str, mode: str) -> str:
    return t(lang, f"chat.mode.{mode if is_mode(mode) else DEFAULT_MODE}.name")


def system_prompt(lang: str, mode: str) -> str:
    """What the model is told before the dialog. Sent on every request: Kie may inject its own prompt
    (the Codex persona) when none is given."""
    return t(lang, f"chat.mode.{mode if is_mode(mode) else DEFAULT_MODE}.prompt")
