"""The real catalog loads, covers every Kie model, and a broken data file is reported precisely."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from flows.catalog import CatalogError, load_catalog, load_policy, price_kopecks, validate_input
from flows.catalog.follow_ups import is_follow_up
from flows.catalog.kie_sources import load_extra_models, load_models
from flows.catalog.loader import DATA_DIR, DATA_FILES
from flows.catalog.pricing import EMPTY, NONEMPTY, reachable_combinations
from flows.catalog.types import FileField, FileListField

# models.json inputs that are deliberately not user fields, per model. A change here is a reviewed change.
RUNTIME = "callBackUrl"
NOT_USER_FIELDS: dict[str, set[str]] = {
    # fixed by the runtime (entry.fixed) or derived (DeriveFromCount)
    "veo3": {RUNTIME, "enableFallback", "model", "generationType"},
    "veo3_fast": {RUNTIME, "enableFallback", "model", "generationType"},
    "veo3_lite": {RUNTIME, "enableFallback", "model", "generationType"},
    "flux-kontext-pro": {RUNTIME, "model"},
    "flux-kontext-max": {RUNTIME, "model"},
    "kling-3.0/video": {"multi_shots", "multi_prompt", "kling_elements"},
    "wan/2-2-a14b-speech-to-video-turbo": {"num_frames", "frames_per_second"},
    # runtime-filled, deprecated, or ids of objects the bot does not manage
    "4o-image": {RUNTIME, "fileUrl", "enableFallback", "fallbackModel"},
    "runway": {RUNTIME},
    "runway-aleph": {RUNTIME},
    "suno": {RUNTIME, "personaId", "personaModel"},
    "midjourney": {RUNTIME, "videoBatchSize", "motion"},
    "grok-imagine/image-to-video": {"task_id", "index"},
    "gemini-omni-video": {"video_list", "audio_ids", "character_ids"},
    "sora-2-image-to-video": {"character_id_list"},
    "sora-2-text-to-video": {"character_id_list"},
    "sora-2-pro-text-to-video": {"character_id_list"},
    "sora-2-pro-image-to-video": {"character_id_list"},
    # complex optional inputs a chat wizard does not offer
    "wan/2-7-image": {"color_palette", "bbox_list"},
    "wan/2-7-image-pro": {"color_palette", "bbox_list"},
    "wan/3-0-video": {"reference_file_urls", "reference_link_urls"},
    "wan/3-0-video-prime": {"reference_file_urls", "reference_link_urls"},
    "kling-3.0/motion-control": {"background_source"},
    "wan/2-7-videoedit": {"duration"},  # 0 = as long as the input; the price follows the input
    "elevenlabs/text-to-dialogue-v3": {"dialogue"},  # disabled: list of objects
    # deprecated by Kie (constraints.json): never asked, never sent
    "google/nano-banana": {"image_size"},
    "google/nano-banana-edit": {"image_size"},
    "bytedance/seedance-2": {"return_last_frame"},
    "bytedance/seedance-2-fast": {"return_last_frame"},
    # refused by Kie on this model ("only Turbo/Flash v2.5 support language enforcement")
    "elevenlabs/text-to-speech-multilingual-v2": {"language_code"},
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def kie_models():
    # The vendored capture (flows/catalog/sources): no test depends on ../shared.
    return load_models()


def test_real_catalog_loads_fast_with_enough_enabled_models(catalog):
    started = time.perf_counter()
    load_catalog()
    assert time.perf_counter() - started < 0.2
    # the 127 of models.json, 4 of models-extra.json and its 7 follow-ups (Suno, Veo: issue 10 item 5)
    assert len(catalog) == 138
    assert len(catalog.enabled()) >= 100
    assert len(catalog.version) == 12
    assert load_catalog().version == catalog.version


def test_every_kie_model_is_present(catalog, kie_models):
    for model_id in kie_models:
        entry = catalog.get(model_id)
        assert entry is not None, model_id
        assert entry.enabled or entry.disabled_reason, model_id


def test_disabled_models_have_the_agreed_reasons(catalog):
    reasons = {e.id: e.disabled_reason for e in catalog if not e.enabled}
    for model_id in (
        "midjourney",
        "sora-2-text-to-video",
        "sora-2-pro-image-to-video",
        "sora-watermark-remover",
    ):
        assert reasons[model_id] == "availability uncertain in 2026"
    # Once disabled for "needs a previous Kie task": now follow-up actions on a Grok video's result.
    for model_id in ("grok-imagine/upscale", "grok-imagine/extend"):
        assert model_id not in reasons
        assert is_follow_up(catalog.get(model_id))
    assert reasons["wan/2-6-flash-image-to-video"] == "no documented price"
    assert reasons["omnihuman-1-5/subject-detection"] == "no documented price"


def test_field_names_match_kie_minus_listed_ones(catalog, kie_models):
    for model_id, raw in kie_models.items():
        entry = catalog.get(model_id)
        kie_names = {i["name"] for i in raw["inputs"]}
        ours = set(entry.schema.properties)
        assert ours <= kie_names, (model_id, ours - kie_names)
        assert kie_names - ours == NOT_USER_FIELDS.get(model_id, set()), model_id


# Models added from models-extra.json: their fields are a subset of the capture's, minus these.
EXTRA_MODELS = {
    "nano-banana-2-lite": set(),
    "ideogram/v3-reframe": set(),
    "elevenlabs/sound-effect-v2": {"output_format"},  # fixed to MP3, which Telegram plays
    "elevenlabs/speech-to-text": set(),
}


def test_models_from_the_extra_capture_are_present_with_their_fields(catalog):
    extra = load_extra_models()
    for model_id, not_asked in EXTRA_MODELS.items():
        entry = catalog.get(model_id)
        assert entry is not None and entry.enabled, model_id
        kie_names = {i["name"] for i in extra[model_id]["inputs"]}
        assert set(entry.schema.properties) == kie_names - not_asked, model_id
        assert set(entry.fixed) == not_asked, model_id
    assert catalog.get("elevenlabs/speech-to-text").supports.output == "text"
    # Sora 2 stays disabled, with its reason.
    for model_id in ("sora-2-text-to-video", "sora-2-image-to-video"):
        assert catalog.get(model_id).disabled_reason == "availability uncertain in 2026"


def test_fixed_and_derived_fields_cover_what_the_runtime_sends(catalog):
    assert catalog.get("veo3_fast").fixed == {"model": "veo3_fast"}
    assert catalog.get("flux-kontext-max").fixed == {"model": "flux-kontext-max"}
    assert catalog.get("kling-3.0/video").fixed == {
        "multi_shots": False,
        "multi_prompt": [],
        "kling_elements": [],
    }


def test_slugs_fit_a_deep_link(catalog):
    for entry in catalog:
        assert len(f"m-{entry.slug}") <= 64
        assert catalog.by_slug(entry.slug) is entry


def test_ordering_and_free_tier(catalog):
    images = catalog.by_type("image")
    assert images[0].id == "google/nano-banana"
    assert [e.rank for e in images] == sorted(e.rank for e in images)
    assert catalog.by_type("video")[0].id == "veo3_fast"
    assert catalog.by_type("audio")[0].id == "suno"
    free = {e.id for e in catalog.free()}
    assert {"z-image", "google/nano-banana", "recraft/remove-background", "recraft/crisp-upscale"} <= free
    assert 4 <= len(free) <= 6


def test_every_enabled_example_validates(catalog):
    for entry in catalog.enabled():
        assert entry.examples, entry.id
        for example in entry.examples:
            assert validate_input(entry, example) == [], entry.id


def _values_for(entry, example: dict, combo: dict) -> dict:
    values = dict(example)
    for name, value in combo.items():
        field = entry.schema.properties[name]
        if value == NONEMPTY:
            url = "https://example.com/clip.mp4"
            values[name] = [url] if isinstance(field, FileListField) else url
        elif value == EMPTY:
            values.pop(name, None)
        else:
            values[name] = value
    return values


def test_every_reachable_option_combination_has_a_price(catalog):
    policy = load_policy()
    for entry in catalog.enabled():
        media = {
            n: 7.0 for n, f in entry.schema.properties.items() if isinstance(f, FileField | FileListField)
        }
        priced = 0
        for combo in reachable_combinations(entry):
            values = _values_for(entry, entry.examples[0], combo)
            if validate_input(entry, values):
                continue  # refused with the example's other options (GPT Image 2: 4K needs a ratio)
            assert price_kopecks(entry, values, policy, media) > 0, (entry.id, combo)
            priced += 1
        assert priced, entry.id


# --- corrupted copies ---------------------------------------------------------------------------------


def _corrupt(tmp_path: Path, file_name: str, mutate) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in DATA_FILES:
        shutil.copy(DATA_DIR / name, target / name)
    path = target / file_name
    entries = json.loads(path.read_text(encoding="utf-8"))
    mutate(entries)
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return target


def _entry(entries: list, model_id: str) -> dict:
    return next(e for e in entries if e["id"] == model_id)


def _load_error(directory: Path) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory)
    return str(caught.value)


def test_bad_type_names_file_model_and_path(tmp_path):
    def mutate(entries):
        _entry(entries, "google/nano-banana")["schema"]["properties"]["prompt"]["max_length"] = "long"

    message = _load_error(_corrupt(tmp_path, "images.json", mutate))
    assert "images.json" in message
    assert "'google/nano-banana'" in message
    assert "schema.properties.prompt.max_length" in message


def test_unknown_field_is_rejected(tmp_path):
    def mutate(entries):
        _entry(entries, "suno")["schema"]["properties"]["prompt"]["colour"] = "red"

    message = _load_error(_corrupt(tmp_path, "audio.json", mutate))
    assert "audio.json" in message and "'suno'" in message
    assert "colour" in message and "schema.properties.prompt" in message


def test_missing_price_row_is_named(tmp_path):
    def mutate(entries):
        table = _entry(entries, "kling-3.0/video")["pricing"]["table"]
        table[:] = [r for r in table if r["when"] != {"mode": "4K", "sound": True}]

    message = _load_error(_corrupt(tmp_path, "video.json", mutate))
    assert message == (
        f"{tmp_path / 'data' / 'video.json'}: model 'kling-3.0/video', field 'pricing.table': "
        'no price for mode="4K", sound=true'
    )


def test_bad_default_is_named(tmp_path):
    def mutate(entries):
        _entry(entries, "google/nano-banana")["schema"]["properties"]["aspect_ratio"]["default"] = "7:5"

    message = _load_error(_corrupt(tmp_path, "images.json", mutate))
    assert "images.json" in message and "'google/nano-banana'" in message
    assert "schema.properties.aspect_ratio.default" in message


def test_duplicate_slug_is_named(tmp_path):
    def mutate(entries):
        twin = json.loads(json.dumps(_entry(entries, "google/nano-banana")))
        twin["id"] = "google.nano-banana"
        entries.append(twin)

    message = _load_error(_corrupt(tmp_path, "images.json", mutate))
    assert "images.json" in message and "'google.nano-banana'" in message
    assert "field 'slug'" in message and "duplicate" in message


def test_example_that_breaks_its_schema_is_named(tmp_path):
    def mutate(entries):
        _entry(entries, "veo3_fast")["examples"][0]["resolution"] = "8k"

    message = _load_error(_corrupt(tmp_path, "video.json", mutate))
    assert "'veo3_fast'" in message and "examples[0].resolution" in message and "not_in_enum" in message


def test_fixed_key_that_is_also_a_user_field_is_rejected(tmp_path):
    def mutate(entries):
        _entry(entries, "veo3")["fixed"]["prompt"] = "x"

    message = _load_error(_corrupt(tmp_path, "video.json", mutate))
    assert "'veo3'" in message and "fixed.prompt" in message


def test_malformed_json_names_the_file(tmp_path):
    target = _corrupt(tmp_path, "utilities.json", lambda entries: None)
    (target / "utilities.json").write_text("[{", encoding="utf-8")
    assert "utilities.json: not valid JSON" in _load_error(target)


def test_every_file_list_has_a_maximum(catalog):
    # Issue 13: a list without an item limit let users attach any number of files.
    for entry in catalog:
        for name, field in entry.schema.properties.items():
            if isinstance(field, FileListField):
                assert field.max_items is not None, (entry.id, name)
    assert catalog.get("ideogram/character-remix").schema.properties["image_urls"].max_items == 5
    assert catalog.get("gemini-omni-video").schema.properties["image_urls"].max_items == 7


def test_file_list_without_a_maximum_is_refused_by_the_loader(tmp_path):
    def mutate(entries):
        del _entry(entries, "google/nano-banana-edit")["schema"]["properties"]["image_urls"]["max_items"]

    message = _load_error(_corrupt(tmp_path, "images.json", mutate))
    assert "'google/nano-banana-edit'" in message and "schema.properties.image_urls.max_items" in message
    assert "a file list needs a maximum" in message


def test_file_size_above_what_a_bot_can_download_is_refused_by_the_loader(tmp_path):
    def mutate(entries):
        _entry(entries, "recraft/remove-background")["schema"]["properties"]["image"]["max_bytes"] = (
            30 * 2**20
        )

    message = _load_error(_corrupt(tmp_path, "utilities.json", mutate))
    assert "schema.properties.image.max_bytes" in message and "above the 20 MB" in message


def test_refusing_rule_without_its_source_is_refused_by_the_loader(tmp_path):
    def mutate(entries):
        rule = next(
            r for r in _entry(entries, "runway")["schema"]["rules"] if r["rule"] == "forbid_combination"
        )
        del rule["source"]

    message = _load_error(_corrupt(tmp_path, "video.json", mutate))
    assert "'runway'" in message and "source" in message
