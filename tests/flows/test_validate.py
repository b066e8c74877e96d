"""User values, whole inputs, ask order and the body sent to Kie."""

from __future__ import annotations

import pytest

from flows.catalog import (
    InputError,
    build_request_input,
    effective_fields,
    load_catalog,
    validate_input,
    validate_value,
)
from flows.catalog.types import (
    BooleanField,
    EnumField,
    FileField,
    FileListField,
    IntegerField,
    NumberField,
    TextField,
    UrlField,
)
from flows.catalog.validate import advanced_fields

IMG = "https://example.com/cat.jpg"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _code(field, raw) -> str:
    with pytest.raises(InputError) as caught:
        validate_value(field, raw)
    return caught.value.code


# --- one value ----------------------------------------------------------------------------------------


def test_text_is_trimmed_and_limited():
    field = TextField(min_length=3, max_length=5)
    assert validate_value(field, "  abcd \n") == "abcd"
    assert _code(field, "   ") == "empty"
    assert _code(field, "ab") == "too_short"
    with pytest.raises(InputError) as caught:
        validate_value(field, "abcdef")
    assert (caught.value.code, caught.value.params) == ("too_long", {"max": 5, "length": 6})
    assert _code(field, 42) == "not_text"


def test_numbers_accept_decimal_comma_and_check_ranges():
    number = NumberField(minimum=0.0, maximum=1.0)
    assert validate_value(number, "0,5") == 0.5
    assert validate_value(number, " 1 ") == 1.0
    assert _code(number, "1,5") == "out_of_range"
    assert _code(number, "half") == "not_a_number"
    assert _code(number, True) == "not_a_number"
    integer = IntegerField(minimum=4, maximum=15)
    assert validate_value(integer, "10") == 10
    assert validate_value(integer, "10,0") == 10
    assert _code(integer, "4,5") == "not_an_integer"
    assert _code(integer, "16") == "out_of_range"
    assert _code(IntegerField(minimum=0, step=5), "7") == "bad_step"


def test_enum_matches_case_insensitively_and_keeps_kie_types():
    resolution = EnumField(values=("720p", "1080p", "4k"))
    assert validate_value(resolution, "4K") == "4k"
    assert validate_value(resolution, " 1080P ") == "1080p"
    assert _code(resolution, "8k") == "not_in_enum"
    durations = EnumField(values=(4, 6, 8))
    assert validate_value(durations, "6") == 6  # Veo: int stays int
    strings = EnumField(values=("5", "10"))
    assert validate_value(strings, 10) == "10"  # Kling: "10" stays a string
    assert _code(EnumField(values=(1, 2)), True) == "not_in_enum"


def test_booleans():
    field = BooleanField()
    assert validate_value(field, "да") is True
    assert validate_value(field, "OFF") is False
    assert _code(field, "maybe") == "not_a_boolean"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.jpg",
        "http://10.1.2.3/a.jpg",
        "https://192.168.0.10/a.jpg",
        "http://172.16.0.1/a.jpg",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/a.jpg",
        "http://files.localhost/a.jpg",
        "http://printer.local/a.jpg",
        "http://db.internal/a.jpg",
        "http://[::1]/a.jpg",
        "http://[::ffff:127.0.0.1]/a.jpg",
        "http://[fe80::1]/a.jpg",
        "http://2130706433/a.jpg",
        "http://127.1/a.jpg",
        "http://0.0.0.0/a.jpg",
        "http://intranet/a.jpg",
    ],
)
def test_private_hosts_are_rejected(url):
    assert _code(UrlField(), url) == "private_url"


def test_urls_must_be_http_links():
    field = UrlField()
    assert validate_value(field, " https://example.com/a.jpg ") == "https://example.com/a.jpg"
    assert validate_value(field, "http://8.8.8.8/a.jpg") == "http://8.8.8.8/a.jpg"
    for bad in (
        "ftp://example.com/a",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com",
        "https://",
        "https://user:pw@example.com/",
        "http://example.com:99999/",
    ):
        assert _code(field, bad) == "bad_url", bad
    assert _code(field, "") == "empty"
    assert _code(UrlField(max_length=20), "https://example.com/very/long") == "too_long"


def test_files_and_file_lists():
    assert validate_value(FileField(accept=("image",)), IMG) == IMG
    assert _code(FileField(accept=("image",)), "http://10.0.0.1/x.jpg") == "private_url"
    files = FileListField(accept=("image",), min_items=1, max_items=2)
    assert validate_value(files, (IMG, IMG)) == [IMG, IMG]
    assert _code(files, [IMG] * 3) == "too_many_files"
    assert _code(files, []) == "too_few_files"
    assert _code(files, 5) == "not_a_list"


# --- whole inputs -----------------------------------------------------------------------------------------


def _codes(problems) -> set[tuple[str | None, str]]:
    return {(p.field, p.code) for p in problems}


def test_required_unknown_and_wrong_type(catalog):
    entry = catalog.get("kling-3.0/video")
    assert ("prompt", "required") in _codes(validate_input(entry, {}))
    assert ("colour", "unknown_field") in _codes(validate_input(entry, {"prompt": "x", "colour": "red"}))
    assert ("duration", "wrong_type") in _codes(validate_input(entry, {"prompt": "x", "duration": 10}))
    assert validate_input(entry, {"prompt": "x", "duration": "10"}) == []


def test_suno_conditional_required_fields(catalog):
    suno = catalog.get("suno")
    simple = {"customMode": False, "instrumental": False}
    assert _codes(validate_input(suno, simple)) == {("prompt", "required")}
    assert effective_fields(suno, simple)[:4] == ["customMode", "instrumental", "prompt", "model"]
    assert "style" not in effective_fields(suno, simple)

    custom = {"customMode": True, "instrumental": False}
    assert _codes(validate_input(suno, custom)) == {
        ("prompt", "required"),
        ("style", "required"),
        ("title", "required"),
    }
    assert effective_fields(suno, custom)[:6] == [
        "customMode",
        "instrumental",
        "prompt",
        "style",
        "title",
        "model",
    ]

    instrumental = {"customMode": True, "instrumental": True, "style": "lo-fi", "title": "Rain"}
    assert validate_input(suno, instrumental) == []
    assert "prompt" not in effective_fields(suno, instrumental)
    assert "vocalGender" not in effective_fields(suno, instrumental)
    body = build_request_input(suno, {**instrumental, "prompt": "ignored: hidden"})
    assert body == {
        "customMode": True,
        "instrumental": True,
        "style": "lo-fi",
        "title": "Rain",
        "model": "V5",
    }
    assert "callBackUrl" not in body  # the runtime adds it


def test_veo_generation_type_is_derived(catalog):
    veo = catalog.get("veo3_fast")
    assert build_request_input(veo, {"prompt": "x"}) == {
        "prompt": "x",
        "resolution": "720p",
        "duration": 8,  # the price depends on it: always sent
        "generationType": "TEXT_2_VIDEO",
        "model": "veo3_fast",
    }
    one = build_request_input(veo, {"prompt": "x", "imageUrls": [IMG]})
    two = build_request_input(
        veo, {"prompt": "x", "imageUrls": (IMG, IMG), "resolution": "4k", "duration": 6}
    )
    assert one["generationType"] == two["generationType"] == "FIRST_AND_LAST_FRAMES_2_VIDEO"
    assert two["imageUrls"] == [IMG, IMG] and two["duration"] == 6 and two["resolution"] == "4k"
    assert "generationType" not in veo.schema.properties and "model" not in veo.schema.properties
    assert ("imageUrls", "too_many_files") in _codes(
        validate_input(veo, {"prompt": "x", "imageUrls": [IMG] * 3})
    )


def test_seedance_exclusive_groups(catalog):
    seedance = catalog.get("bytedance/seedance-2")
    both = {"prompt": "a cat", "first_frame_url": IMG, "reference_image_urls": [IMG]}
    problems = validate_input(seedance, both)
    assert [p.code for p in problems] == ["exclusive"]
    assert problems[0].params["groups"] == [
        ["first_frame_url", "last_frame_url"],
        ["reference_image_urls", "reference_video_urls", "reference_audio_urls"],
    ]
    assert validate_input(seedance, {"first_frame_url": IMG, "last_frame_url": IMG}) == []
    assert [p.code for p in validate_input(seedance, {})] == ["need_one_of"]


def test_runway_forbidden_combination_and_hidden_aspect_ratio(catalog):
    runway = catalog.get("runway")
    bad = {"prompt": "x", "duration": 10, "quality": "1080p"}
    [problem] = validate_input(runway, bad)
    assert problem.code == "forbidden_combination" and problem.params["message"] == "runway_1080p_10s"
    assert "aspectRatio" in effective_fields(runway, {"prompt": "x"})
    with_image = {"prompt": "x", "imageUrl": IMG, "aspectRatio": "16:9"}
    assert "aspectRatio" not in effective_fields(runway, with_image)
    assert "aspectRatio" not in build_request_input(runway, with_image)


def test_ask_order_required_first_and_advanced_only_in_settings(catalog):
    entry = catalog.get("flux-2/pro-image-to-image")
    assert effective_fields(entry, {}) == ["input_urls", "prompt", "aspect_ratio", "resolution"]
    assert advanced_fields(entry, {}) == ["nsfw_checker"]
    qwen = catalog.get("qwen/text-to-image")
    asked = effective_fields(qwen, {})
    assert "seed" not in asked and "guidance_scale" not in asked and "num_inference_steps" not in asked
    assert {"seed", "guidance_scale", "num_inference_steps"} <= set(advanced_fields(qwen, {}))


def test_request_body_sends_required_and_price_defaults_plus_fixed(catalog):
    kling = catalog.get("kling-3.0/video")
    body = build_request_input(kling, {"prompt": "x"})
    assert body == {
        "prompt": "x",
        "sound": False,
        "duration": "5",
        "aspect_ratio": "16:9",
        "mode": "pro",
        "multi_shots": False,
        "multi_prompt": [],
        "kling_elements": [],
    }
    flux = catalog.get("flux-kontext-pro")
    assert build_request_input(flux, {"prompt": "x"}) == {"prompt": "x", "model": "flux-kontext-pro"}
