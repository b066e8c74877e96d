"""Photo-first input (issue 14 item 4, issue 10 item 7): the subject is asked first, a photo with a
caption fills the file and the description at once and the wizard lands on the next unanswered step;
a text on the card is the description; a version's photo picks its image variant."""

from __future__ import annotations

import pytest

from flows.preload import Loaded
from flows.wizard import chart
from tests.flows.driver import CATALOG, Driver

CAPTION = "Кот в скафандре машет лапой"


def _at_card(model_id: str) -> Driver:
    driver = Driver()
    driver.command(f"/start m-{CATALOG.get(model_id).slug}")
    assert driver.snapshot.state == chart.CARD
    return driver


def test_subject_first_then_description_then_options():
    assert chart.ask_order(CATALOG.get("google/nano-banana-edit")) == ["image_urls", "prompt", "aspect_ratio"]
    assert chart.ask_order(CATALOG.get("hailuo/2-3-image-to-video-pro"))[:2] == ["image_url", "prompt"]
    assert chart.ask_order(CATALOG.get("kling/ai-avatar-pro")) == ["image_url", "audio_url", "prompt"]
    # A first frame or a clip is needed and no text can stand in: both are the subject.
    assert chart.ask_order(CATALOG.get("wan/2-7-image-to-video"))[:3] == [
        "first_frame_url",
        "first_clip_url",
        "prompt",
    ]
    # Switches that decide what else is asked stay in front of what they govern.
    assert chart.ask_order(CATALOG.get("suno"))[:3] == ["customMode", "instrumental", "prompt"]
    # Text-to-X models are unchanged: the description first.
    assert chart.ask_order(CATALOG.get("z-image")) == ["prompt", "aspect_ratio"]


def test_every_condition_field_is_asked_before_the_field_it_hides():
    from flows.catalog.types import HideWhen

    for entry in CATALOG.enabled():
        order = chart.ask_order(entry)
        for rule in entry.schema.rules:
            if isinstance(rule, HideWhen) and rule.field in order:
                for name in rule.when:
                    if name in order:
                        assert order.index(name) < order.index(rule.field), (entry.id, rule)


@pytest.mark.parametrize(
    ("model_id", "file_field", "next_step"),
    [
        ("google/nano-banana-edit", "image_urls", "f_aspect_ratio"),  # a photo edit
        ("kling-2.6/image-to-video", "image_urls", "f_sound"),  # image to video, a file list
        ("hailuo/2-3-image-to-video-pro", "image_url", "f_duration"),  # image to video, one file
    ],
)
def test_photo_with_caption_at_step_one_fills_both_and_lands_on_the_next_step(
    model_id, file_field, next_step
):
    driver = _at_card(model_id)
    driver.press("🚀")
    assert driver.snapshot.state == chart.step_state(file_field)  # step one asks for the photo
    driver.media("photo", file_id="P1", caption=CAPTION)
    snap = driver.snapshot
    value = snap.values[file_field]
    assert value == ["tgfile:P1"] or value == "tgfile:P1"
    assert snap.values["prompt"] == CAPTION
    assert snap.state == next_step
    assert "P1" in snap.files


@pytest.mark.parametrize("model_id", ["google/nano-banana-edit", "kling-2.6/image-to-video"])
def test_photo_with_caption_on_the_card_is_one_step_fewer(model_id):
    steps = Driver()
    steps.command(f"/start m-{CATALOG.get(model_id).slug}")
    steps.press("🚀")
    steps.media("photo", file_id="P1")
    steps.press("✅ Продолжить")
    steps.text(CAPTION)
    shortcut = _at_card(model_id)
    shortcut.media("photo", file_id="P1", caption=CAPTION)
    assert shortcut.snapshot.state == steps.snapshot.state
    assert shortcut.snapshot.values == steps.snapshot.values
    assert len(shortcut.outcomes) < len(steps.outcomes) - 1


def test_text_on_the_card_starts_the_wizard_with_it_as_the_description():
    driver = _at_card("google/nano-banana-edit")
    driver.text(CAPTION)
    assert driver.snapshot.values == {"prompt": CAPTION}
    assert driver.snapshot.state == "f_image_urls"  # the first unanswered step
    driver.media("photo", file_id="P1")  # a list: more may follow, so the step stays
    view = driver.press("✅ Продолжить")
    assert driver.snapshot.state == "f_prompt" and CAPTION in view.text  # shown with its value
    assert view.has("✅ Продолжить")


def test_text_on_the_card_that_breaks_a_limit_stays_on_the_card_with_the_reason():
    driver = _at_card("z-image")
    view = driver.text("x" * 6000)
    assert driver.snapshot.state == chart.CARD and "prompt" not in driver.snapshot.values
    assert "⚠️" in view.text


def test_a_version_routes_by_the_presence_of_a_photo():
    """Kling 2.6 is one button: a photo picks `image-to-video`, text alone `text-to-video`."""
    card = _at_card("kling-2.6/text-to-video")
    assert "📷" in card.view.text and "из фото" in card.view.text  # the card says so
    card.media("photo", file_id="P1", caption=CAPTION)
    assert card.snapshot.model_id == "kling-2.6/image-to-video"
    assert card.snapshot.values == {"image_urls": ["tgfile:P1"], "prompt": CAPTION}
    text = _at_card("kling-2.6/text-to-video")
    text.text(CAPTION)
    assert text.snapshot.model_id == "kling-2.6/text-to-video"
    assert text.snapshot.values == {"prompt": CAPTION}
    # At the untouched first step too (the user tapped 🚀 first).
    started = _at_card("kling-2.6/text-to-video")
    started.press("🚀")
    started.media("photo", file_id="P2")
    assert started.snapshot.model_id == "kling-2.6/image-to-video"
    assert started.snapshot.values == {"image_urls": ["tgfile:P2"]}


def test_an_album_with_a_caption_fills_the_file_list_then_moves_on():
    driver = _at_card("google/nano-banana-edit")
    driver.loaded = Loaded(album_pending=True)
    driver.media("photo", file_id="A1", media_group_id="G1", caption=CAPTION)
    driver.media("photo", file_id="A2", media_group_id="G1")
    assert len(driver.screens) == 1  # nothing drawn while the album arrives
    driver.loaded = Loaded()
    driver.media("photo", file_id="A3", media_group_id="G1")
    snap = driver.snapshot
    assert snap.values["image_urls"] == ["tgfile:A1", "tgfile:A2", "tgfile:A3"]
    assert snap.values["prompt"] == CAPTION
    assert snap.state == "f_aspect_ratio"


def test_an_album_without_a_caption_stays_at_the_file_step():
    driver = _at_card("google/nano-banana-edit")
    driver.press("🚀")
    driver.media("photo", file_id="A1", media_group_id="G2")
    driver.media("photo", file_id="A2", media_group_id="G2")
    assert driver.snapshot.state == "f_image_urls"
    assert driver.snapshot.values == {"image_urls": ["tgfile:A1", "tgfile:A2"]}


def test_a_photo_at_the_description_step_goes_to_the_optional_file_field():
    driver = _at_card("nano-banana-pro")
    driver.press("🚀")
    assert driver.snapshot.state == "f_prompt"
    view = driver.media("photo", file_id="P1")
    assert driver.snapshot.state == "f_prompt"  # the description is still to come
    assert driver.snapshot.values == {"image_input": ["tgfile:P1"]}
    assert "📎" in view.text
    driver.media("photo", file_id="P2", caption=CAPTION)
    assert driver.snapshot.values == {"image_input": ["tgfile:P1", "tgfile:P2"], "prompt": CAPTION}
    assert driver.snapshot.state == "f_aspect_ratio"  # image_input (answered) skipped


def test_a_caption_that_breaks_a_limit_keeps_the_file_and_says_why():
    driver = _at_card("google/nano-banana-edit")
    view = driver.media("photo", file_id="P1", caption="x" * 6000)
    assert driver.snapshot.values == {"image_urls": ["tgfile:P1"]}
    assert "⚠️" in view.text


def test_a_photo_with_a_caption_at_an_edit_step_returns_to_the_review():
    driver = _at_card("google/nano-banana-edit")
    driver.media("photo", file_id="P1", caption=CAPTION)
    driver.press("✅ Продолжить")
    assert driver.snapshot.state == chart.REVIEW
    driver.press("✏️ Фото")
    driver.press("🗑")
    driver.media("photo", file_id="P9", caption="Другое описание")
    assert driver.snapshot.state == chart.REVIEW
    assert driver.snapshot.values["image_urls"] == ["tgfile:P9"]
    assert driver.snapshot.values["prompt"] == "Другое описание"


def test_a_photo_where_no_field_takes_it_gets_a_precise_hint():
    driver = _at_card("z-image")
    view = driver.media("photo", file_id="P1", caption=CAPTION)
    assert driver.snapshot.state == chart.CARD and driver.snapshot.values == {}
    assert "текст" in view.text.lower()
    driver = _at_card("recraft/remove-background")
    driver.media("video", file_id="V1", duration=3)
    assert driver.snapshot.values == {} and "⚠️" in driver.view.text
