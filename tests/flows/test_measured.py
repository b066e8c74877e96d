"""The downloaded files as measured against the catalog: what the runtime enforces and prices after
Telegram's client-set durations only pre-checked the step."""

from __future__ import annotations

import pytest

from flows.catalog import load_policy, price_kopecks
from flows.catalog.limits import MediaFacts
from flows.catalog.measured import check_measured, check_measured_input, measured_seconds, needed_facts
from tests.flows.driver import CATALOG

MB = 1024 * 1024
POLICY = load_policy()
AVATAR = CATALOG.get("kling/ai-avatar-standard")
AVATAR_VALUES = {"image_url": "https://x.io/a.jpg", "audio_url": "https://x.io/a.mp3", "prompt": "привет"}


def _codes(problems):
    return [(p.field, p.code) for p in problems]


def test_measured_length_decides_what_the_client_claimed():
    # Telegram said 10 s (client-set); the file really lasts 6 minutes: refused with the real length.
    [problem] = check_measured(AVATAR, "audio_url", MediaFacts(seconds=360.4, mime_type="audio/mpeg"))
    assert problem.code == "duration_max" and problem.params == {"seconds": "360,4", "max": "300"}
    assert check_measured(AVATAR, "audio_url", MediaFacts(seconds=42, mime_type="audio/mpeg")) == []


def test_unreadable_or_zero_length_is_refused_not_priced():
    for facts in (MediaFacts(mime_type="audio/mpeg"), MediaFacts(seconds=0, mime_type="audio/mpeg")):
        [problem] = check_measured(AVATAR, "audio_url", facts)
        assert problem.code == "media_unreadable" and problem.params == {"missing": ["seconds"]}


def test_content_type_by_content_and_size_are_checked():
    assert _codes(check_measured(AVATAR, "image_url", MediaFacts(mime_type="image/gif", size_bytes=MB))) == [
        ("image_url", "bad_format")
    ]
    assert _codes(
        check_measured(AVATAR, "image_url", MediaFacts(mime_type="image/png", size_bytes=11 * MB))
    ) == [("image_url", "too_big")]
    [problem] = check_measured(AVATAR, "image_url", MediaFacts(size_bytes=MB))
    assert problem.params == {"missing": ["mime_type"]}


def test_needed_facts_follow_limits_rules_and_price():
    assert needed_facts(AVATAR, "audio_url") == ("seconds", "mime_type")
    edit = CATALOG.get("ideogram/v3-edit")
    assert needed_facts(edit, "mask_url") == ("pixels", "mime_type")
    topaz = CATALOG.get("topaz/video-upscale")
    assert "seconds" in needed_facts(topaz, "video_url")  # priced per second of it


def test_whole_input_with_measured_files_checks_rules_across_fields():
    edit = CATALOG.get("ideogram/v3-edit")
    values = {"prompt": "небо", "image_url": "https://x.io/a.png", "mask_url": "https://x.io/m.png"}
    image = MediaFacts(mime_type="image/png", width=1024, height=1024, size_bytes=MB)
    mask = MediaFacts(mime_type="image/png", width=1024, height=1000, size_bytes=MB)
    assert _codes(check_measured_input(edit, values, {"image_url": [image], "mask_url": [mask]})) == [
        (None, "not_same_size")
    ]
    assert check_measured_input(edit, values, {"image_url": [image], "mask_url": [image]}) == []


def test_list_items_and_totals_are_measured_one_by_one():
    seedance = CATALOG.get("bytedance/seedance-2")
    ok = MediaFacts(seconds=7, mime_type="video/mp4", width=1280, height=720, size_bytes=MB)
    assert check_measured(seedance, "reference_video_urls", [ok, ok]) == []
    [problem] = check_measured(seedance, "reference_video_urls", [ok, ok, ok])
    assert problem.code == "total_too_long"
    with pytest.raises(ValueError):
        check_measured(seedance, "prompt", ok)


def test_price_is_computed_from_the_measured_seconds():
    media = {"audio_url": [MediaFacts(seconds=9.2, mime_type="audio/mpeg")]}
    assert measured_seconds(media) == {"audio_url": 9.2}
    # 10 s × 8 credits = 80 credits = 76 ₽ — whatever the client claimed.
    assert price_kopecks(AVATAR, AVATAR_VALUES, POLICY, measured_seconds(media)) == 7600
    unknown = {"audio_url": [MediaFacts(mime_type="audio/mpeg")]}
    assert measured_seconds(unknown) == {}
