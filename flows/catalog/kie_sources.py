"""The vendored Kie captures (flows/catalog/sources/, see its README): where they are and how to read them.

They are the documentation facts the catalog is checked against (`trt catalog check`), kept with the
project so a clone without ../shared runs every test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
MODELS_JSON = SOURCES_DIR / "models.json"
MODELS_EXTRA_JSON = SOURCES_DIR / "models-extra.json"
CONSTRAINTS_JSON = SOURCES_DIR / "constraints.json"


def catalog_id(capture_id: str) -> str:
    """'suno (models V4, …)' → 'suno': the captures spell some families with a note after the id."""
    return capture_id.split(" ")[0]


def read_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_models(path: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """A models.json-shaped capture keyed by catalog id."""
    return {catalog_id(m["id"]): m for m in read_json(path or MODELS_JSON)}


def load_extra_models() -> dict[str, dict[str, Any]]:
    return {catalog_id(m["id"]): m for m in read_json(MODELS_EXTRA_JSON)}


def load_constraints(path: Path | str | None = None) -> dict[str, Any]:
    """constraints.json with its models keyed by catalog id (the `_` keys kept as they are)."""
    raw = read_json(path or CONSTRAINTS_JSON)
    models = {catalog_id(model_id): facts for model_id, facts in raw.get("models", {}).items()}
    return {**raw, "models": models}


def doc_url(source: str) -> str:
    """The first https URL of a capture's `source` text ('https://docs.kie.ai/… ; henjicc/…')."""
    for part in source.replace(",", " ").split():
        if part.startswith("https://"):
            return part.rstrip(";")
    return ""
