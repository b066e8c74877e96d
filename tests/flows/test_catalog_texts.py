"""The catalog's human texts (flows/catalog/data/texts) cover every Kie model, field and enum value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.catalog import load_catalog
from flows.catalog.kie_sources import MODELS_EXTRA_JSON, MODELS_JSON

REPO = Path(__file__).resolve().parents[2]
TEXTS = REPO / "flows" / "catalog" / "data" / "texts"
KIE_MODELS = MODELS_JSON  # vendored: no test depends on ../shared

# The catalog normalises these families to short ids, so cards look them up by either form.
SHORT_IDS = ("suno", "4o-image", "runway", "midjourney")
LANGS = {"ru", "en"}

TITLE_MAX = 32
DESCRIPTION_MAX = 220
FIELD_LABEL_MAX = 28
ENUM_LABEL_MAX = 24


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _enum_key(value: object) -> str:
    # JSON keys are strings: 4 → "4", 0.5 → "0.5", 1.0 → "1".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.fixture(scope="module")
def kie_models() -> list[dict[str, Any]]:
    # models.json plus the models the catalog takes from models-extra.json.
    # Only the fields the catalog offers of those (sound effects' output format is fixed to MP3).
    catalog = load_catalog()
    extra = [
        {**m, "inputs": [i for i in m["inputs"] if i["name"] in catalog.get(m["id"]).schema.properties]}
        for m in _load(MODELS_EXTRA_JSON)
        if m["id"] in catalog
    ]
    return _load(KIE_MODELS) + extra


@pytest.fixture(scope="module")
def model_texts() -> dict[str, Any]:
    return _load(TEXTS / "models.json")


@pytest.fixture(scope="module")
def field_texts() -> dict[str, Any]:
    return _load(TEXTS / "fields.json")


@pytest.fixture(scope="module")
def enum_texts() -> dict[str, Any]:
    return _load(TEXTS / "enums.json")


def _bilingual(node: Any, where: str) -> dict[str, str]:
    assert isinstance(node, dict) and set(node) == LANGS, f"{where}: needs exactly ru and en, got {node!r}"
    for lang, text in node.items():
        assert isinstance(text, str) and text.strip(), f"{where}.{lang} is empty"
        assert text == text.strip(), f"{where}.{lang} has stray whitespace"
    return node


def _ru_en_pairs(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every text leaf (an object of strings keyed by language) in the tree, with its path."""
    found = []
    if isinstance(node, dict):
        # by_field.language_code has "ru" and "en" as enum values, so a leaf is told by its string values.
        if node and all(isinstance(v, str) for v in node.values()):
            found.append((path, node))
        for key, child in node.items():
            found.extend(_ru_en_pairs(child, f"{path}.{key}" if path else key))
    return found


def _enum_labels(enum_texts: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    labels = [(f"by_value.{value}", node) for value, node in enum_texts["by_value"].items()]
    for field, values in enum_texts["by_field"].items():
        labels.extend((f"by_field.{field}.{value}", node) for value, node in values.items())
    return labels


def test_every_kie_model_has_texts(kie_models, model_texts) -> None:
    ids = [m["id"] for m in kie_models] + list(SHORT_IDS)
    missing = [model_id for model_id in ids if model_id not in model_texts]
    assert not missing, f"models without texts: {missing}"
    unknown = sorted(set(model_texts) - set(ids))
    assert not unknown, f"texts for unknown models: {unknown}"


def test_model_texts_are_complete_and_short(model_texts) -> None:
    for model_id, entry in model_texts.items():
        assert set(entry) == {"title", "description", "example"}, model_id
        for part in ("title", "description", "example"):
            _bilingual(entry[part], f"{model_id}.{part}")
        for lang in LANGS:
            title = entry["title"][lang]
            assert len(title) <= TITLE_MAX, f"{model_id} title/{lang} is {len(title)} chars: {title}"
            desc = entry["description"][lang]
            assert len(desc) <= DESCRIPTION_MAX, f"{model_id} description/{lang} is {len(desc)} chars"


def test_short_ids_share_texts_with_their_long_ids(kie_models, model_texts) -> None:
    for short in SHORT_IDS:
        long_ids = [m["id"] for m in kie_models if m["id"].startswith(f"{short} (")]
        assert long_ids, f"no long id for {short}"
        for long_id in long_ids:
            assert model_texts[long_id] == model_texts[short], long_id


def test_ru_and_en_have_the_same_keys_everywhere(model_texts, field_texts, enum_texts) -> None:
    for name, tree in (("models", model_texts), ("fields", field_texts), ("enums", enum_texts)):
        pairs = _ru_en_pairs(tree)
        assert pairs, name
        for path, node in pairs:
            assert set(node) == LANGS, f"{name}:{path} has {sorted(node)}"


def test_every_input_field_has_a_label_and_hint(kie_models, field_texts) -> None:
    names = {field["name"] for model in kie_models for field in model["inputs"]}
    missing = sorted(names - set(field_texts))
    assert not missing, f"fields without texts: {missing}"
    for name, entry in field_texts.items():
        assert set(entry) == {"label", "hint"}, name
        for lang, label in _bilingual(entry["label"], f"{name}.label").items():
            assert len(label) <= FIELD_LABEL_MAX, f"{name} label/{lang} is {len(label)} chars: {label}"
        _bilingual(entry["hint"], f"{name}.hint")


def test_every_enum_value_has_a_label(kie_models, enum_texts) -> None:
    by_value, by_field = enum_texts["by_value"], enum_texts["by_field"]
    missing = []
    for model in kie_models:
        for field in model["inputs"]:
            for value in field.get("enum") or ():
                key = _enum_key(value)
                if key not in by_field.get(field["name"], {}) and key not in by_value:
                    missing.append(f"{model['id']}:{field['name']}={key}")
    assert not missing, f"enum values without labels: {missing}"


def test_enum_labels_fit_on_a_button(enum_texts) -> None:
    assert set(enum_texts) == {"by_value", "by_field"}
    for path, node in _enum_labels(enum_texts):
        for lang, label in _bilingual(node, path).items():
            assert len(label) <= ENUM_LABEL_MAX, f"{path}/{lang} is {len(label)} chars: {label}"


def test_voices_get_neutral_numbered_names(kie_models, enum_texts) -> None:
    voices = []
    for model in kie_models:
        for field in model["inputs"]:
            if field["name"] == "voice":
                voices.extend(v for v in field.get("enum") or () if v not in voices)
    labels = enum_texts["by_field"]["voice"]
    assert [labels[v]["ru"] for v in voices] == [f"Голос {n}" for n in range(1, len(voices) + 1)]


@pytest.mark.parametrize("name", ["models.json", "fields.json", "enums.json"])
def test_files_are_sorted_and_pretty(name) -> None:
    raw = (TEXTS / name).read_text(encoding="utf-8")
    data = json.loads(raw)
    assert raw == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", (
        f"{name}: rewrite with json.dumps(ensure_ascii=False, indent=2, sort_keys=True)"
    )
