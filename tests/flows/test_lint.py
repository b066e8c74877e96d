"""`trt catalog check` and `trt catalog diff`: green on the shipped catalog, red on every kind of planted
gap (named by model), and the operator's monthly diff of a new capture."""

from __future__ import annotations

import copy
import json

import msgspec
import pytest

from flows.catalog.capture_diff import diff_capture
from flows.catalog.kie_sources import (
    MODELS_JSON,
    load_constraints,
    load_extra_models,
    load_models,
    read_json,
)
from flows.catalog.lint import lint, report
from flows.catalog.types import ForbidCombination, RangeWhen, RequireSameSize, SumMax, TextField
from runtime.cli import main
from tests.flows.driver import CATALOG

CONSTRAINTS = load_constraints()


def _with(model_id: str, **changes):
    """The catalog's entries with one entry changed (schema properties/rules or pricing)."""
    entries = []
    for entry in CATALOG:
        if entry.id == model_id:
            schema = entry.schema
            if "properties" in changes:
                schema = msgspec.structs.replace(schema, properties=changes.pop("properties"))
            if "rules" in changes:
                schema = msgspec.structs.replace(schema, rules=changes.pop("rules"))
            entry = msgspec.structs.replace(entry, schema=schema, **changes)
        entries.append(entry)
    return entries


def _field(model_id: str, name: str, **changes):
    props = dict(CATALOG.get(model_id).schema.properties)
    props[name] = msgspec.structs.replace(props[name], **changes)
    return _with(model_id, properties=props)


def _without_rules(model_id: str, kind):
    rules = tuple(r for r in CATALOG.get(model_id).schema.rules if not isinstance(r, kind))
    return _with(model_id, rules=rules)


def _messages(entries) -> list[str]:
    return [str(gap) for gap in lint(entries, CONSTRAINTS)]


def test_the_shipped_catalog_holds_every_documented_limit():
    assert lint(CATALOG, CONSTRAINTS) == []


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            lambda: _field("flux-2/pro-image-to-image", "input_urls", max_bytes=20 * 1024 * 1024),
            "flux-2/pro-image-to-image: input_urls: max_bytes (MB) is 20, Kie documents at most 10",
        ),
        (
            lambda: _field("kling/ai-avatar-pro", "audio_url", max_seconds=None),
            "kling/ai-avatar-pro: audio_url: max_seconds is unset, Kie documents at most 300",
        ),
        (
            lambda: _field("omnihuman-1-5", "audio_url", max_seconds_exclusive=False),
            "omnihuman-1-5: audio_url: Kie wants strictly less than 60 s",
        ),
        (
            lambda: _field("kling/ai-avatar-standard", "image_url", formats=("image/jpeg", "image/webp")),
            "kling/ai-avatar-standard: image_url: formats ['image/webp'] are not among Kie's",
        ),
        (
            lambda: _field("happyhorse/video-edit", "video_url", min_seconds=None),
            "happyhorse/video-edit: video_url: min_seconds is unset, Kie documents at least 3",
        ),
        (
            lambda: _field("flux-2/pro-text-to-image", "prompt", min_length=None),
            "flux-2/pro-text-to-image: prompt: min_length is unset, Kie documents at least 3",
        ),
        (
            lambda: _field("gemini-omni-video", "image_urls", max_items=10),
            "gemini-omni-video: image_urls: max_items is 10, Kie documents at most 7",
        ),
        (
            lambda: _without_rules("gpt-image-2-image-to-image", ForbidCombination),
            "gpt-image-2-image-to-image: rules[0] forbid_combination: Kie refuses aspect_ratio='1:1', "
            "resolution='4K', the catalog accepts (and prices) it",
        ),
        (
            lambda: _without_rules("ideogram/v3-edit", RequireSameSize),
            "ideogram/v3-edit: rules[0] same_size: ['image_url', 'mask_url'] must have the same pixel size",
        ),
        (
            lambda: _without_rules("kling-2.6/motion-control", RangeWhen),
            "kling-2.6/motion-control: rules[0] range_when: with character_orientation='image' Kie takes "
            "seconds 3–10; the catalog accepts 10.5",
        ),
        (
            lambda: _without_rules("bytedance/seedance-2", SumMax),
            "bytedance/seedance-2: rules[1] sum_max: ['reference_image_urls', 'first_frame_url', "
            "'last_frame_url'] together: Kie takes at most 9 items, the catalog allows 11",
        ),
        (
            lambda: _without_rules("suno", RangeWhen),
            "suno: rules[3] max_length_when: with customMode=False Kie takes length …–500; the catalog "
            "accepts 501",
        ),
    ],
)
def test_a_planted_gap_is_reported_with_its_model(entries, expected):
    messages = _messages(entries())
    assert any(message.startswith(expected) for message in messages), messages


def test_deprecated_field_offered_again_is_a_gap():
    entry = CATALOG.get("google/nano-banana")
    props = {**entry.schema.properties, "image_size": TextField()}
    [gap] = lint(_with("google/nano-banana", properties=props), CONSTRAINTS)
    assert gap.where == "image_size" and "deprecated (replaced by aspect_ratio)" in gap.message


def test_a_file_field_without_a_size_limit_is_a_gap():
    constraints = copy.deepcopy(CONSTRAINTS)
    del constraints["_no_documented_limits"]["fields"]["veo3_fast"]
    gaps = lint(CATALOG, constraints)
    assert [str(g) for g in gaps] == [
        "veo3_fast: imageUrls: file field without a documented size limit (and not listed as undocumented)"
    ]


def test_report_lists_every_model_with_a_gap():
    flux = _field("flux-2/pro-image-to-image", "input_urls", max_bytes=20 * 1024 * 1024)
    omni = _field("omnihuman-1-5", "audio_url", max_seconds=90.0)
    gaps = lint(flux, CONSTRAINTS) + lint(omni, CONSTRAINTS)
    text = report(gaps)
    assert text.splitlines()[0] == "flux-2/pro-image-to-image (1)"
    assert "omnihuman-1-5 (1)" in text and "  audio_url: max_seconds is 90" in text


def test_cli_check_is_green_on_the_shipped_catalog_and_red_on_a_stricter_doc(tmp_path, capsys):
    assert main(["catalog", "check"]) == 0
    raw = read_json(MODELS_JSON.parent / "constraints.json")
    raw["models"]["flux-2/pro-text-to-image"]["fields"]["prompt"]["min_length"] = 10
    stricter = tmp_path / "constraints.json"
    stricter.write_text(json.dumps(raw), encoding="utf-8")
    assert main(["catalog", "check", "--constraints", str(stricter)]) == 1
    out = capsys.readouterr().out
    assert "flux-2/pro-text-to-image (1)" in out and "min_length is 3, Kie documents at least 10" in out


# --- diff -----------------------------------------------------------------------------------------------


def _capture() -> list[dict]:
    return copy.deepcopy(read_json(MODELS_JSON))


def test_diff_of_the_shipped_capture_is_empty_but_for_models_it_lacks():
    shipped = {**load_models(), **load_extra_models()}
    diff = diff_capture(_capture(), shipped, CATALOG)
    assert diff.changed == () and diff.added == ()
    # Models added from models-extra.json are not in this capture.
    assert set(diff.removed) <= set(load_extra_models())


def test_diff_names_added_removed_and_changed_models_fields_and_prices(tmp_path, capsys):
    capture = _capture()
    by_id = {m["id"]: m for m in capture}
    by_id["veo3_lite"]["price_credits"]["720p"] = 25.0
    by_id["flux-2/pro-text-to-image"]["inputs"].append({"name": "seed", "type": "integer", "required": False})
    by_id["z-image"]["inputs"] = [i for i in by_id["z-image"]["inputs"] if i["name"] != "aspect_ratio"]
    for field in by_id["google/nano-banana"]["inputs"]:
        if field["name"] == "prompt":
            field["maxLength"] = 3000
    capture = [m for m in capture if m["id"] != "recraft/crisp-upscale"]
    capture.append({"id": "brand-new/model", "category": "image", "api": "market", "inputs": []})
    path = tmp_path / "capture.json"
    path.write_text(json.dumps(capture), encoding="utf-8")
    assert main(["catalog", "diff", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  + brand-new/model" in out
    assert "  - recraft/crisp-upscale" in out
    assert "  ~ veo3_lite (enabled in the catalog)\n      price 720p: 30 → 25 credits" in out
    assert "field + seed (integer, optional)" in out
    assert "  ~ z-image (enabled in the catalog)\n      field - aspect_ratio" in out
    assert "field prompt.maxLength: 5000 → 3000" in out


def test_diff_refuses_a_file_that_is_not_a_capture(tmp_path):
    path = tmp_path / "capture.json"
    path.write_text('{"models": []}', encoding="utf-8")
    assert main(["catalog", "diff", str(path)]) == 2
