"""Kie's documented limits, refused before any money moves: at the step (what Telegram reports) or at
the review (rules across fields), each refusal naming the limit in words and units, nothing the user
entered lost, and no launch button (so no hold, no Kie request). One case per model of the audit in
issue 10, plus every kind of rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flows.catalog.limits import MediaFacts, file_problem, megabytes
from flows.catalog.types import BooleanField, EnumField, FileField, FileListField
from flows.catalog.validate import build_request_input, validate_input
from flows.jobs.model import CreateJob, Job
from flows.preload import Loaded
from flows.wizard import chart
from tests.flows.driver import CATALOG, Driver

MB = 1024 * 1024
TELEGRAM_KIND = {"image": "photo", "video": "video", "audio": "audio"}
MIME = {"image": None, "video": "video/mp4", "audio": "audio/mpeg"}


def at_step(model_id: str, field: str, **overrides: Any) -> Driver:
    """The wizard of `model_id` at the step of `field`, earlier steps answered from the example."""
    entry = CATALOG.get(model_id)
    example = {**entry.examples[0], **overrides}
    d = Driver()
    d.command(f"/start m-{entry.slug}")
    d.press("🚀")
    for _ in range(30):
        current = chart.field_of(d.snapshot.state)
        if current == field:
            return d
        assert current is not None, f"{model_id}: reached {d.snapshot.state} before {field}"
        answer(d, entry.schema.properties[current], current, example.get(current))
    raise AssertionError(f"{model_id}: never reached {field}")


def answer(d: Driver, spec, name: str, value: Any, *, seconds: float = 5) -> None:
    if value is None:
        d.press("✅ Продолжить")
    elif isinstance(spec, FileField | FileListField):
        kind = spec.accept[0]
        items = value if isinstance(value, list) else [value]
        for index, _ in enumerate(items):
            send_file(d, kind, file_id=f"{name}-{index}", seconds=seconds)
        if isinstance(spec, FileListField):
            d.press("✅ Продолжить")
    elif isinstance(spec, EnumField):
        index = [str(v) for v in spec.values].index(str(value))
        offered = [data for _, data in d.view.buttons if data.endswith(f":choose:{index}")]
        # An option the step does not offer (it would complete a refused combination) can still come
        # from an old or forged button: the review must refuse it then.
        d.tap(offered[0] if offered else f"w:{d.snapshot.version}:choose:{index}")
    elif isinstance(spec, BooleanField):
        d.press("✅ Продолжить")
    else:
        d.text(str(value))


def send_file(d: Driver, kind: str, *, file_id: str = "F1", size: int = 200_000, seconds: float = 5, **kw):
    extra = {"duration": seconds} if kind in ("video", "audio") else {}
    mime = kw.pop("mime_type", MIME[kind])
    telegram_kind = kw.pop("telegram_kind", TELEGRAM_KIND[kind])
    return d.media(telegram_kind, file_id=file_id, size=size, mime_type=mime, **extra, **kw)


def to_review(model_id: str, values: dict[str, Any], seconds: dict[str, float] | None = None) -> Driver:
    """Answer every step: files come as Telegram files of `seconds[field]` length."""
    entry = CATALOG.get(model_id)
    example = {**entry.examples[0], **values}
    d = Driver()
    d.command(f"/start m-{entry.slug}")
    d.press("🚀")
    for _ in range(40):
        current = chart.field_of(d.snapshot.state)
        if current is None:
            return d
        spec = entry.schema.properties[current]
        answer(d, spec, current, example.get(current), seconds=(seconds or {}).get(current, 5))
    raise AssertionError(f"{model_id}: did not reach the review")


def refused_at_step(d: Driver, field: str, *words: str) -> None:
    assert d.snapshot.state == f"f_{field}", d.snapshot.state
    for word in words:
        assert word in d.view.text, (word, d.view.text)
    assert not d.effects, "nothing may be created at a refused step"


def refused_at_review(d: Driver, *words: str) -> None:
    assert d.snapshot.state == chart.REVIEW
    for word in words:
        assert word in d.view.text, (word, d.view.text)
    assert not d.view.has("✅ Запустить"), "a refused input has no launch button (so no hold)"
    version = d.snapshot.version
    d.tap(f"w:{version}:next")  # a forged or raced launch
    assert not [e for e in d.effects if isinstance(e, CreateJob)]


# --- the audit's models, one gap each ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "field", "kind", "size", "limit"),
    [
        ("flux-2/pro-image-to-image", "input_urls", "image", 14.2, 10),
        ("ideogram/v3-remix", "image_url", "image", 11, 10),
        ("seedream/5-lite-image-to-image", "image_urls", "image", 12.5, 10),
        ("bytedance/seedance-1.5-pro", "input_urls", "image", 10.5, 10),
        ("kling/v2-1-pro", "image_url", "image", 10.1, 10),
        ("kling/v2-1-standard", "image_url", "image", 19, 10),
        ("wan/2-2-animate-move", "video_url", "video", 15, 10),
        ("recraft/remove-background", "image", "image", 6, 5),
    ],
)
def test_documented_file_size_is_refused_at_the_step(model_id, field, kind, size, limit):
    d = at_step(model_id, field)
    send_file(d, kind, size=int(size * MB))
    shown = f"{size:g}".replace(".", ",")
    refused_at_step(
        d, field, f"Файл {shown} МБ — эта модель принимает до {limit} МБ. Сожмите или пришлите другой."
    )
    send_file(d, kind, size=int((limit - 0.5) * MB))
    assert d.snapshot.state != f"f_{field}" or isinstance(
        CATALOG.get(model_id).schema.properties[field], FileListField
    )


@pytest.mark.parametrize(
    ("model_id", "seconds", "words"),
    [
        ("kling/ai-avatar-standard", 301, "эта модель принимает до 300 с"),
        ("kling/ai-avatar-pro", 420, "эта модель принимает до 300 с"),
        ("omnihuman-1-5", 60, "принимает записи короче 60 с"),
        ("infinitalk/from-audio", 16, "эта модель принимает до 15 с"),
    ],
)
def test_audio_length_is_refused_at_the_step(model_id, seconds, words):
    d = at_step(model_id, "audio_url")
    send_file(d, "audio", seconds=seconds)
    refused_at_step(d, "audio_url", f"Длительность {seconds} с", words)


def test_happyhorse_edit_takes_3_to_60_seconds_of_video():
    d = at_step("happyhorse/video-edit", "video_url")
    send_file(d, "video", seconds=2)
    refused_at_step(d, "video_url", "Длительность 2 с — эта модель принимает от 3 до 60 с")
    send_file(d, "video", seconds=75)
    refused_at_step(d, "video_url", "от 3 до 60 с")
    send_file(d, "video", seconds=59.5)
    assert d.snapshot.values["video_url"] == "tgfile:F1"


def test_flux2_prompt_needs_three_characters():
    for model_id in (
        "flux-2/pro-text-to-image",
        "flux-2/flex-text-to-image",
        "seedream/5-lite-text-to-image",
    ):
        d = at_step(model_id, "prompt")
        d.text("ab")
        refused_at_step(d, "prompt", "не меньше 3 символов")
        d.text("кот")
        assert d.snapshot.values["prompt"] == "кот"


@pytest.mark.parametrize("model_id", ["gpt-image-2-text-to-image", "gpt-image-2-image-to-image"])
def test_gpt_image_2_ratio_and_resolution_kie_refuses_are_refused_at_the_review(model_id):
    for values in (
        {"aspect_ratio": "1:1", "resolution": "4K"},
        {"aspect_ratio": "auto", "resolution": "2K"},
        {"aspect_ratio": "5:4", "resolution": "4K"},
    ):
        # The resolution step does not offer the refused option…
        d = at_step(model_id, "resolution", aspect_ratio=values["aspect_ratio"])
        labels = [label.removeprefix("• ") for label, _ in d.view.buttons]
        assert values["resolution"] not in labels and "1K" in labels, labels
        # …and a forged or old button for it stops at the review.
        d = to_review(model_id, values)
        refused_at_review(d, "Такое сочетание не поддерживается")
    ok = to_review(model_id, {"aspect_ratio": "16:9", "resolution": "4K"})
    assert ok.view.has("✅ Запустить")


def test_gpt_image_2_text_to_image_refuses_wide_ratios_above_1k():
    for ratio in ("3:1", "1:3", "9:21", "4:5"):
        d = to_review("gpt-image-2-text-to-image", {"aspect_ratio": ratio, "resolution": "2K"})
        refused_at_review(d, "Разрешение: 2K")
        assert to_review("gpt-image-2-text-to-image", {"aspect_ratio": ratio, "resolution": "1K"}).view.has(
            "✅ Запустить"
        )


def test_ideogram_edit_mask_must_match_the_image_size():
    entry = CATALOG.get("ideogram/v3-edit")
    values = {
        "prompt": "сделай небо синим",
        "image_url": "https://x.io/a.png",
        "mask_url": "https://x.io/m.png",
    }
    same = {
        "image_url": [MediaFacts(width=1024, height=768)],
        "mask_url": [MediaFacts(width=1024, height=768)],
    }
    other = {
        "image_url": [MediaFacts(width=1024, height=768)],
        "mask_url": [MediaFacts(width=512, height=512)],
    }
    assert validate_input(entry, values, same) == []
    [problem] = validate_input(entry, values, other)
    assert problem.code == "not_same_size" and problem.params["sizes"] == "1024×768 / 512×512"


@pytest.mark.parametrize("model_id", ["google/nano-banana", "google/nano-banana-edit"])
def test_nano_banana_never_asks_or_sends_the_deprecated_image_size(model_id):
    entry = CATALOG.get(model_id)
    assert "image_size" not in entry.schema.properties
    assert "image_size" not in chart.ask_order(entry) + chart.advanced_order(entry)
    d = to_review(model_id, {"aspect_ratio": "16:9"})
    assert d.view.has("✅ Запустить")
    body = build_request_input(entry, d.snapshot.values)
    assert "image_size" not in body and body["aspect_ratio"] == "16:9"


def test_veo_lite_price_follows_the_duration_picked():
    prices = {}
    for duration in (4, 6, 8):
        d = to_review("veo3_lite", {"duration": duration})
        label = next(label for label, _ in d.view.buttons if label.startswith("✅ Запустить"))
        prices[duration] = label
    # 30 credits per 8-second 720p clip, pro rata: 15 / 22.5 / 30 credits → 15 / 22 / 29 ₽
    assert prices == {4: "✅ Запустить · 15 ₽", 6: "✅ Запустить · 22 ₽", 8: "✅ Запустить · 29 ₽"}


def test_kling_motion_control_orientation_image_takes_10_seconds():
    values = {"character_orientation": "image"}
    d = to_review("kling-2.6/motion-control", values, seconds={"video_urls": 20})
    refused_at_review(d, "Длительность 20 с — эта модель принимает от 3 до 10 с")
    ok = to_review("kling-2.6/motion-control", {"character_orientation": "video"}, seconds={"video_urls": 20})
    assert ok.view.has("✅ Запустить")


def test_kling_avatar_image_format_is_refused_by_its_type():
    d = at_step("kling/ai-avatar-standard", "image_url")
    send_file(d, "image", telegram_kind="document", mime_type="image/webp")
    refused_at_step(d, "image_url", "Формат WebP не подходит: эта модель принимает JPEG, PNG")
    send_file(d, "image", telegram_kind="document", mime_type="image/png")
    assert d.snapshot.state == "f_audio_url"


# --- the pure checks --------------------------------------------------------------------------------------


def test_file_problem_names_each_limit():
    field = CATALOG.get("happyhorse/video-edit").schema.properties["video_url"]
    assert file_problem(field, MediaFacts(size_bytes=MB, mime_type="video/mp4", seconds=10)) is None
    assert file_problem(field, MediaFacts(mime_type="video/x-matroska")).code == "bad_format"
    assert file_problem(field, MediaFacts(width=4000, height=2000)).params == {
        "max": 2160,
        "width": 4000,
        "height": 2000,
    }
    assert file_problem(field, MediaFacts(width=300, height=1000)).code == "too_small_px"
    assert file_problem(field, MediaFacts(width=2000, height=400)).code == "bad_aspect"
    # Aliases of one format are the same format.
    audio = CATALOG.get("kling/ai-avatar-pro").schema.properties["audio_url"]
    for alias in ("audio/x-wav", "audio/mp3", "audio/x-m4a", "audio/ogg; codecs=opus"):
        assert file_problem(audio, MediaFacts(mime_type=alias)) is None, alias


def test_megabytes_are_written_like_people_write_them():
    assert megabytes(int(14.2 * MB)) == "14,2"
    assert megabytes(10 * MB) == "10"


def test_list_totals_and_counts_across_fields():
    seedance = CATALOG.get("bytedance/seedance-2")
    base = {"prompt": "кот", "reference_image_urls": ["https://x.io/a.png"] * 9}
    assert validate_input(seedance, base) == []
    videos = {**base, "reference_video_urls": ["https://x.io/v.mp4"] * 2}
    long = {"reference_video_urls": [MediaFacts(seconds=9), MediaFacts(seconds=8)]}
    [problem] = validate_input(seedance, videos, long)
    assert problem.code == "total_too_long" and problem.params == {"seconds": "17", "max": "15"}
    r2v = CATALOG.get("wan/2-7-r2v")
    too_many = {
        "prompt": "x",
        "reference_image": ["https://x.io/a.png"] * 3,
        "reference_video": ["https://x.io/v.mp4"] * 3,
    }
    assert [p.code for p in validate_input(r2v, too_many)] == ["sum_too_many"]
    assert [p.code for p in validate_input(r2v, {"prompt": "x"})] == ["need_one_of"]


def test_wan3_reference_seconds_plus_output_seconds_stay_within_30():
    wan = CATALOG.get("wan/3-0-video")
    values = {"prompt": "x", "reference_video_urls": ["https://x.io/v.mp4"], "duration": 20}
    assert validate_input(wan, values, {"reference_video_urls": [MediaFacts(seconds=10)]}) == []
    [problem] = validate_input(wan, values, {"reference_video_urls": [MediaFacts(seconds=12)]})
    assert problem.code == "sum_too_long" and problem.params["seconds"] == "32"
    # Unknown length (a pasted link): the measured check decides later.
    assert validate_input(wan, values) == []


def test_range_when_codes_name_the_bound_that_applies():
    kontext = CATALOG.get("flux-kontext-pro")
    values = {"prompt": "x", "inputImage": "https://x.io/a.png", "safetyTolerance": 5}
    [problem] = validate_input(kontext, values)
    assert problem.code == "range_value_max" and problem.params["max"] == "2"
    assert validate_input(kontext, {"prompt": "x", "safetyTolerance": 5}) == []
    suno = CATALOG.get("suno")
    simple = {"customMode": False, "instrumental": False, "model": "V5", "prompt": "я" * 501}
    assert [p.code for p in validate_input(suno, simple)] == ["range_length_max"]


def test_refused_options_are_the_ones_that_complete_a_refused_combination():
    from flows.catalog.limits import refused_options

    gpt = CATALOG.get("gpt-image-2-text-to-image")
    resolutions = gpt.schema.properties["resolution"].values
    after_square = refused_options(gpt, {"prompt": "x", "aspect_ratio": "1:1"}, "resolution")
    assert [resolutions[i] for i in after_square] == ["4K"]
    ratios = gpt.schema.properties["aspect_ratio"].values
    at_4k = {ratios[i] for i in refused_options(gpt, {"prompt": "x", "resolution": "4K"}, "aspect_ratio")}
    assert at_4k == {"auto", "1:1", "5:4", "4:5", "3:1", "1:3", "9:21"}
    assert refused_options(gpt, {"prompt": "x"}, "aspect_ratio") == frozenset()  # 1K takes every ratio
    assert refused_options(CATALOG.get("z-image"), {}, "aspect_ratio") == frozenset()


def test_file_steps_state_formats_and_length_up_front():
    from flows.wizard.inputs import file_limits_text

    video = CATALOG.get("happyhorse/video-edit").schema.properties["video_url"]
    assert file_limits_text(video, "ru") == "Подойдёт: MP4, MOV · от 3 до 60 с."
    audio = CATALOG.get("omnihuman-1-5").schema.properties["audio_url"]
    assert file_limits_text(audio, "en") == "Accepted: MP3, WAV, AAC, OGG, M4A · shorter than 60 s."
    assert file_limits_text(CATALOG.get("veo3").schema.properties["imageUrls"], "ru") is None


def test_repeat_of_a_job_made_before_a_field_was_deprecated_drops_it():
    d = Driver()
    job = Job(
        request_id="R-AAAAAA",
        user_id=d.chat_id,
        chat_id=d.chat_id,
        model_id="google/nano-banana",
        price_kopecks=0,
        state="succeeded",
        free=True,
        created_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        input={},
        wizard_values={"prompt": "кот", "image_size": "16:9"},
    )
    d.loaded = Loaded(job=job)
    d.tap("r:R-AAAAAA")
    assert d.snapshot.state == chart.REVIEW and d.snapshot.values == {"prompt": "кот"}
    assert d.view.has("✅ Запустить")
