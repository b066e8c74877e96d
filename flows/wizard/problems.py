"""Problems in words: a step's error and the review's list, in the user's language."""

from __future__ import annotations

import html
from typing import Any

import msgspec

from flows.catalog.human import enum_label, field_label
from flows.catalog.validate import Problem
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard.inputs import StepProblem
from flows.wizard.screens.common import kinds_text


def with_problem(snap: WizardSnapshot, problem: StepProblem) -> WizardSnapshot:
    return msgspec.structs.replace(snap, error=problem.code, error_params=msgspec.to_builtins(problem.params))


def localized(snap: WizardSnapshot, lang: str) -> WizardSnapshot:
    """The snapshot with its error parameters turned into words of the user's language."""
    if not snap.error:
        return snap
    return msgspec.structs.replace(snap, error_params=human_params(snap.error_params, lang))


def human_params(params: dict[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key == "accept":
            out["kinds"] = kinds_text(tuple(value), lang)
        elif key == "fields":
            out[key] = ", ".join(field_label(f, lang) for f in value)
        elif key == "groups":
            out[key] = " / ".join(", ".join(field_label(f, lang) for f in group) for group in value)
        elif key == "when":
            out["fields"] = ", ".join(
                f"{field_label(k, lang)}: {enum_label(k, v, lang)}" for k, v in value.items()
            )
        elif value is None:
            out[key] = "…"
        elif isinstance(value, float) and value.is_integer():
            out[key] = int(value)
        else:
            out[key] = html.escape(str(value)) if isinstance(value, str) else value
    out.setdefault("example", out.get("min", 1))
    return out


def problem_words(problem: Problem, lang: str) -> str:
    text = t(lang, f"error.{problem.code}", **human_params(msgspec.to_builtins(problem.params), lang))
    return f"{html.escape(field_label(problem.field, lang))}: {text}" if problem.field else text
