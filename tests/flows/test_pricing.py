"""Worked prices to the kopeck under a fixed policy: 1 credit = $0.005, 95 ₽/$, markup ×2."""

from __future__ import annotations

import pytest

from flows.catalog import (
    card_price_text,
    load_catalog,
    load_policy,
    price_kopecks,
    price_range,
    price_summary,
)
from flows.catalog.pricing import MediaDurationNeeded, NoPrice, PricingPolicy, credits_for, format_rub

POLICY = PricingPolicy(
    usd_per_credit=0.005,
    rub_per_usd=95.0,
    markup=2.0,
    round_step_rub=1,
    minimum_rub=5,
    free_daily_quota=5,
    free_max_credits=4.0,
    stars_per_rub=0.77,
)
PROMPT = {"prompt": "a cat"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_policy_file_decodes():
    policy = load_policy()
    assert policy.usd_per_credit == 0.005
    assert policy.free_daily_quota == 5


def test_per_request_image(catalog):
    # 18 credits × 0.005 × 95 × 2 = 17.10 ₽ → rounded up to 18 ₽
    assert price_kopecks(catalog.get("nano-banana-pro"), PROMPT, POLICY) == 1800
    # resolution 4K (with a ratio: `auto` is 1K only): 16 credits = 15.20 ₽ → 16 ₽
    values = {**PROMPT, "resolution": "4K", "aspect_ratio": "16:9"}
    assert price_kopecks(catalog.get("gpt-image-2-text-to-image"), values, POLICY) == 1600


def test_per_second_video_duration_10_at_1080p(catalog):
    # kling 3.0 "pro" = 1080P, no sound: 18 credits/s × 10 s = 180 credits = 171 ₽
    values = {**PROMPT, "mode": "pro", "sound": False, "duration": "10"}
    assert price_kopecks(catalog.get("kling-3.0/video"), values, POLICY) == 17100
    # with sound: 27 × 10 = 270 credits = 256.50 ₽ → 257 ₽
    assert price_kopecks(catalog.get("kling-3.0/video"), {**values, "sound": True}, POLICY) == 25700
    # wan 2.7: 24 credits/s at 1080p × 10 s = 240 credits = 228 ₽
    wan = catalog.get("wan/2-7-text-to-video")
    assert price_kopecks(wan, {**PROMPT, "resolution": "1080p", "duration": 10}, POLICY) == 22800


def test_tts_per_1000_chars_rounds_units_up(catalog):
    # 2500 chars → 3 units × 12 credits = 36 credits = 34.20 ₽ → 35 ₽
    entry = catalog.get("elevenlabs/text-to-speech-multilingual-v2")
    assert credits_for(entry, {"text": "a" * 2500}) == 36
    assert price_kopecks(entry, {"text": "a" * 2500}, POLICY) == 3500


def test_veo_4k(catalog):
    # veo3 (quality) 4k: 370 credits = 351.50 ₽ → 352 ₽; fast 4k: 180 credits = 171 ₽
    assert price_kopecks(catalog.get("veo3"), {**PROMPT, "resolution": "4k"}, POLICY) == 35200
    assert price_kopecks(catalog.get("veo3_fast"), {**PROMPT, "resolution": "4k"}, POLICY) == 17100
    # default resolution 720p: 60 credits = 57 ₽
    assert price_kopecks(catalog.get("veo3_fast"), PROMPT, POLICY) == 5700


def test_runway_1080p_10s_has_no_price(catalog):
    runway = catalog.get("runway")
    assert price_kopecks(runway, {**PROMPT, "duration": 5, "quality": "1080p"}, POLICY) == 2900  # 28.50 → 29
    with pytest.raises(NoPrice):
        price_kopecks(runway, {**PROMPT, "duration": 10, "quality": "1080p"}, POLICY)


def test_rounding_up_to_the_step(catalog):
    five = PricingPolicy(**{**_fields(POLICY), "round_step_rub": 5})
    assert price_kopecks(catalog.get("nano-banana-pro"), PROMPT, five) == 2000  # 17.10 → 20


def test_minimum_applies(catalog):
    # z-image: 0.8 credits = 0.76 ₽ → the 5 ₽ minimum
    assert price_kopecks(catalog.get("z-image"), {**PROMPT, "aspect_ratio": "1:1"}, POLICY) == 500
    no_minimum = PricingPolicy(**{**_fields(POLICY), "minimum_rub": 0})
    assert price_kopecks(catalog.get("z-image"), {**PROMPT, "aspect_ratio": "1:1"}, no_minimum) == 100


def test_price_follows_reference_video_presence(catalog):
    seedance = catalog.get("bytedance/seedance-2")
    values = {**PROMPT, "resolution": "720p", "duration": 5}
    assert price_kopecks(seedance, values, POLICY) == 19500  # 41 × 5 = 205 credits = 194.75 ₽
    with_video = {**values, "reference_video_urls": ["https://example.com/a.mp4"]}
    # 25 × 5 = 125 credits = 118.75 ₽ (Wan-style extra seconds are not billed by Seedance)
    assert price_kopecks(seedance, with_video, POLICY, {"reference_video_urls": 3}) == 11900


def test_per_second_of_an_input_file(catalog):
    avatar = catalog.get("kling/ai-avatar-standard")
    values = {
        "image_url": "https://example.com/a.jpg",
        "audio_url": "https://example.com/a.mp3",
        "prompt": "hi",
    }
    with pytest.raises(MediaDurationNeeded):
        price_kopecks(avatar, values, POLICY)
    # 9.2 s → 10 s × 8 = 80 credits = 76 ₽; 40 s → 320 credits = 304 ₽ (Kie takes up to 5 minutes and
    # bills every second: no 15-second cap that underprices longer audio)
    assert price_kopecks(avatar, values, POLICY, {"audio_url": 9.2}) == 7600
    assert price_kopecks(avatar, values, POLICY, {"audio_url": 40}) == 30400


def test_wan3_bills_reference_video_seconds_on_top(catalog):
    wan = catalog.get("wan/3-0-video")
    values = {
        **PROMPT,
        "resolution": "720P",
        "duration": 5,
        "reference_video_urls": ["https://example.com/a.mp4"],
    }
    # (5 + ceil(3.2)) s × 16 = 144 credits = 136.80 ₽ → 137 ₽
    assert price_kopecks(wan, values, POLICY, {"reference_video_urls": 3.2}) == 13700


def test_megapixels_and_output_counts(catalog):
    qwen = catalog.get("qwen/text-to-image")
    assert price_kopecks(qwen, {**PROMPT, "image_size": "square_hd"}, POLICY) == 800  # 2 MP × 4 = 8 credits
    ideogram = catalog.get("ideogram/character")
    values = {
        **PROMPT,
        "reference_image_urls": ["https://example.com/a.jpg"],
        "rendering_speed": "QUALITY",
        "num_images": "3",
    }
    assert price_kopecks(ideogram, values, POLICY) == 6900  # 24 × 3 = 72 credits = 68.40 ₽


def test_disabled_model_without_price_never_gets_one(catalog):
    entry = catalog.get("wan/2-6-flash-image-to-video")
    with pytest.raises(NoPrice):
        price_kopecks(
            entry, {"prompt": "x", "image_urls": ["https://example.com/a.jpg"], "audio": True}, POLICY
        )


def test_ranges_and_card_text(catalog):
    fixed = price_summary(catalog.get("google/nano-banana"), POLICY)
    assert (fixed.min_kopecks, fixed.max_kopecks, fixed.varies, fixed.unit) == (500, 500, False, "request")
    assert card_price_text(fixed) == "5 ₽"
    assert price_range(catalog.get("gpt-image-2-text-to-image"), POLICY) == (600, 1600)
    varies = price_summary(catalog.get("gpt-image-2-text-to-image"), POLICY)
    assert varies.varies and card_price_text(varies) == "от 6 ₽"
    # runway: the forbidden 1080p+10 s is not part of the range: 12 → 30 credits
    assert price_range(catalog.get("runway"), POLICY) == (1200, 2900)
    # per second of an uploaded video: no upper bound
    assert price_range(catalog.get("happyhorse/video-edit"), POLICY)[1] is None
    assert format_rub(123456) == "1\u00a0234,56 ₽"


def test_free_models_fit_the_free_budget(catalog):
    policy = load_policy()
    for entry in catalog.free():
        summary = price_summary(entry, policy)
        assert not summary.varies, entry.id
        assert credits_for(entry, entry.examples[0]) <= policy.free_max_credits, entry.id


def _fields(policy: PricingPolicy) -> dict:
    return {name: getattr(policy, name) for name in policy.__struct_fields__}


def test_unreturned_outputs_are_refunded_by_the_price_of_what_came_back(catalog):
    from flows.catalog.pricing import unreturned_refund

    seedream = catalog.get("bytedance/seedream-v4-edit")
    values = {"prompt": "x", "image_urls": ["https://example.com/a.jpg"], "max_images": 6}
    held = price_kopecks(seedream, values, POLICY)  # 30 credits = 28.50 ₽ → 29 ₽
    assert held == 2900
    # 1 image: 5 credits = 4.75 ₽ → the 5 ₽ minimum; 5 images: 25 credits = 23.75 → 24 ₽
    assert [unreturned_refund(seedream, values, held, n, POLICY) for n in (1, 5, 6, 7)] == [2400, 500, 0, 0]
    assert unreturned_refund(seedream, values, 0, 1, POLICY) == 0  # free or admin: nothing was charged
    # Only where the catalog marks the count as an upper bound.
    wan = catalog.get("wan/2-7-image")
    assert unreturned_refund(wan, {"prompt": "x", "n": 4}, 2000, 1, POLICY) == 0
