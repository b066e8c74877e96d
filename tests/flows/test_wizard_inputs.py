"""Every kind of input a step can get, right or wrong: each wrong one says what and how, keeps what the
user typed, and shows the navigation buttons."""

import msgspec

from flows.incoming import AccountView
from flows.jobs.model import CreateJob
from flows.preload import Loaded
from flows.wizard import chart
from tests.flows.driver import CATALOG, Driver


def _open(model_id: str, driver: Driver | None = None) -> Driver:
    driver = driver or Driver()
    driver.command(f"/start m-{CATALOG.get(model_id).slug}")
    driver.press("🚀")
    return driver


def _nav_labels(view):
    return [label for label, _ in view.buttons if label.startswith(("⬅️", "❌", "✅ Продолжить"))]


def test_required_text_has_no_continue_until_filled_and_says_so_when_forced():
    d = _open("z-image")
    assert _nav_labels(d.view) == ["⬅️ Назад", "❌ Отмена"]
    version = d.snapshot.version
    d.tap(f"w:{version}:next")  # a forged or raced continue on an empty required step
    assert d.snapshot.state == "f_prompt"
    assert "обязательный" in d.view.text


def test_text_is_trimmed_empty_rejected_and_too_long_explained():
    d = _open("z-image")
    d.text("   ")
    assert "Пусто" in d.view.text and d.snapshot.state == "f_prompt"
    d.text("x" * 6000)
    assert "6000" in d.view.text and "Сократите" in d.view.text
    d.text("  кот в шляпе  ")
    assert d.snapshot.values["prompt"] == "кот в шляпе"
    assert d.snapshot.state == "f_aspect_ratio"


def test_unexpected_sticker_gets_a_hint_and_state_is_unchanged():
    d = _open("z-image")
    d.other("sticker")
    assert d.snapshot.state == "f_prompt" and "нужен текст" in d.view.text
    assert _nav_labels(d.view) == ["⬅️ Назад", "❌ Отмена"]
    d.media("photo")
    assert d.snapshot.state == "f_prompt" and "нужен текст" in d.view.text


def test_enum_by_button_or_typed_case_insensitively():
    d = _open("ideogram/v3-text-to-image")
    d.text("a cat")
    assert d.snapshot.state == "f_rendering_speed"
    d.text("quality")
    assert d.snapshot.values["rendering_speed"] == "QUALITY"
    assert d.snapshot.state == "f_style"
    d.text("nonsense")
    assert "Такого варианта нет" in d.view.text and d.snapshot.state == "f_style"


def test_numbers_accept_decimal_comma_and_explain_ranges():
    d = _open("elevenlabs/text-to-speech-turbo-2-5")
    d.text("Привет!")
    # Number knobs are optional settings: reached from the review.
    while d.snapshot.state != chart.REVIEW:
        d.press("✅ Продолжить")
    d.press("⚙️")
    d.press("✏️ Стабильность")
    assert d.snapshot.state == "e_stability"  # the edit step: its continue and back lead to the review
    d.text("abc")
    assert "Нужно число" in d.view.text
    d.text("7")
    assert "от 0 до 1" in d.view.text
    d.text("0,35")
    assert d.snapshot.values["stability"] == 0.35
    assert d.snapshot.state == chart.REVIEW  # editing returns to the review


def test_boolean_toggles_and_continue_keeps_it():
    d = _open("kling-3.0/video")
    d.text("Закат над морем")
    assert d.snapshot.state == "f_sound"
    assert any(label.startswith("⚪️") for label, _ in d.view.buttons)
    d.press("⚪️")
    assert d.snapshot.values["sound"] is True and d.snapshot.state == "f_sound"
    d.press("✅ Продолжить")
    assert d.snapshot.state == "f_duration"


def test_file_step_accepts_the_right_kind_and_size_only():
    d = _open("recraft/remove-background")
    d.media("video", file_id="V1")
    assert "нужно фото" in d.view.text and d.snapshot.state == "f_image"
    d.media("photo", file_id="P1", size=25 * 1024 * 1024)
    # Recraft documents 5 MB: the limit is named in words and units, before any money moves.
    assert "Файл 25 МБ — эта модель принимает до 5 МБ. Сожмите или пришлите другой." in d.view.text
    d.media("document", file_id="D1", mime_type="application/pdf")
    assert "нужно фото" in d.view.text
    d.media("document", file_id="D2", mime_type="image/png", size=1000)
    assert d.snapshot.values["image"] == "tgfile:D2"
    assert d.snapshot.files["D2"].kind == "image"
    assert d.snapshot.state == chart.REVIEW


def test_file_step_takes_a_public_link_but_never_a_private_one():
    d = _open("recraft/remove-background")
    d.text("http://127.0.0.1/cat.png")
    assert "внутреннюю сеть" in d.view.text
    d.text("ftp://example.com/cat.png")
    assert "https://" in d.view.text
    d.text("https://example.com/cat.png")
    assert d.snapshot.values["image"] == "https://example.com/cat.png"


def test_file_list_collects_an_album_whole_and_enforces_the_limit():
    d = _open("google/nano-banana-edit")
    d.text("Сделай фон белым")
    assert d.snapshot.state == "f_image_urls"
    screens_before = len(d.screens)
    limit = CATALOG.get("google/nano-banana-edit").schema.properties["image_urls"].max_items
    for index in range(limit):
        # The runtime looked in the inbox: more parts of this album are still waiting.
        d.loaded = Loaded(album_pending=index + 1 < limit)
        d.media("photo", file_id=f"A{index}", size=1000, media_group_id="album1")
    d.loaded = Loaded()
    # One screen for the whole album, not one per photo.
    assert len(d.screens) == screens_before + 1
    assert len(d.snapshot.values["image_urls"]) == limit
    assert f"Добавлено: {limit} из {limit}" in d.view.text
    d.media("photo", file_id="extra")
    assert f"Больше {limit} нельзя" in d.view.text
    assert len(d.snapshot.values["image_urls"]) == limit
    d.press("🗑")
    assert "image_urls" not in d.snapshot.values
    assert "✅ Продолжить" not in _nav_labels(d.view)


def test_back_keeps_values_and_cancel_returns_to_menu():
    d = _open("z-image")
    d.text("кот")
    d.press("⬅️")
    assert d.snapshot.state == "f_prompt" and "Сейчас: кот" in d.view.text
    d.press("⬅️")
    assert d.snapshot.state == chart.CARD
    d.press("❌")
    assert d.snapshot is None and "Отменено" in d.view.text


def test_back_from_card_goes_to_the_models_family_and_on_to_the_list():
    d = Driver()
    d.command(f"/start m-{CATALOG.get('kling-2.6/image-to-video').slug}")
    d.press("⬅️")
    assert d.view.text.startswith("<b>Kling</b>") and d.session.place == "browse"
    d.press("📋")
    assert "Выберите модель" in d.view.text


def test_conditional_fields_suno_custom_mode_requires_style_and_title():
    d = _open("suno")
    d.press("⚪️")  # customMode on
    d.press("✅ Продолжить")
    d.press("✅ Продолжить")  # instrumental off
    while d.snapshot.state != chart.REVIEW:
        field = chart.field_of(d.snapshot.state)
        required = field in ("prompt", "style", "title")
        if required:
            assert "обязательно" in d.view.text, field
            assert "✅ Продолжить" not in _nav_labels(d.view), field
            d.text({"prompt": "[Verse] la la", "style": "synthwave", "title": "Night"}[field])
        else:
            d.press("✅ Продолжить")
    d.press("✅ Запустить")
    request = next(e for e in d.effects if isinstance(e, CreateJob)).job
    assert request.input["customMode"] is True and request.input["style"] == "synthwave"
    assert request.input["title"] == "Night" and request.input["prompt"] == "[Verse] la la"


def test_veo_generation_type_is_derived_from_the_number_of_images():
    d = _open("veo3_fast")
    d.text("A fox in the snow")
    d.text("https://example.com/a.jpg")
    d.press("✅ Продолжить")
    while d.snapshot.state != chart.REVIEW:
        d.press("✅ Продолжить")
    d.press("✅ Запустить")
    request = next(e for e in d.effects if isinstance(e, CreateJob)).job
    assert request.input["generationType"] == "FIRST_AND_LAST_FRAMES_2_VIDEO"
    assert request.input["model"] == "veo3_fast"


def test_review_shows_exact_price_balance_after_and_edit_buttons():
    d = _open("kling-3.0/video", Driver(account=AccountView(available_kopecks=500_00)))
    d.text("Закат")
    while d.snapshot.state != chart.REVIEW:
        d.press("✅ Продолжить")
    text = d.view.text
    assert "Цена:" in text and "На балансе: 500 ₽" in text and "после запуска" in text
    assert any(label.startswith("✅ Запустить · ") and label.endswith("₽") for label, _ in d.view.buttons)
    assert any(label.startswith("✏️ ") for label, _ in d.view.buttons)


def test_not_enough_money_offers_top_up_and_loses_nothing():
    d = _open("kling-3.0/video", Driver(account=AccountView(available_kopecks=10_00)))
    d.text("Закат")
    while d.snapshot.state != chart.REVIEW:
        d.press("✅ Продолжить")
    d.press("✅ Запустить")
    assert "Не хватает" in d.view.text and d.view.has("💳 Пополнить")
    assert not [e for e in d.effects if isinstance(e, CreateJob)]
    assert d.snapshot.state == chart.INSUFFICIENT and d.snapshot.values["prompt"] == "Закат"
    d.press("⬅️")
    assert "проверьте и запустите" in d.view.text


def test_free_model_runs_free_while_the_quota_lasts():
    d = _open("z-image", Driver(account=AccountView(available_kopecks=0, free_left=3, free_quota=5)))
    d.text("кот")
    d.press("✅ Продолжить")
    assert "осталось 3 из 5" in d.view.text
    d.press("✅ Запустить · бесплатно")
    request = next(e for e in d.effects if isinstance(e, CreateJob)).job
    assert request.free and request.price_kopecks == 0


def test_admin_runs_at_zero_price():
    d = _open("kling-3.0/video", Driver(account=AccountView(available_kopecks=0), is_admin=True))
    d.text("Закат")
    while d.snapshot.state != chart.REVIEW:
        d.press("✅ Продолжить")
    d.press("✅ Запустить · бесплатно")
    request = next(e for e in d.effects if isinstance(e, CreateJob)).job
    assert request.price_kopecks == 0 and not request.free


def test_stale_button_gets_notice_and_current_screen_without_changing_state():
    d = _open("z-image")
    old = d.view
    d.text("кот")
    state = d.snapshot.state
    d.press("❌", on=old)  # the cancel button of the previous screen
    assert d.notices[-1] and "устарела" in d.notices[-1]
    assert d.snapshot is not None and d.snapshot.state == state


def test_double_tap_on_launch_creates_one_job():
    d = _open("z-image")
    d.text("кот")
    d.press("✅ Продолжить")
    review = d.view
    d.press("✅ Запустить", on=review)
    d.press("✅ Запустить", on=review)
    assert len([e for e in d.effects if isinstance(e, CreateJob)]) == 1
    assert "уже отправлен" in d.notices[-1]


def test_schema_change_under_a_live_session_restarts_at_the_card_with_a_note():
    d = _open("z-image")
    d.text("кот")
    d.session = msgspec.structs.replace(
        d.session, flow=msgspec.structs.replace(d.session.flow, schema_hash="0" * 12)
    )
    d.text("ещё текст")
    assert d.snapshot.state == chart.CARD and d.snapshot.values == {}
    assert "обновилась" in d.view.text


def test_unknown_deep_link_lands_in_the_menu_with_a_note():
    d = Driver()
    d.command("/start m-no-such-model")
    assert "Такой модели нет" in d.view.text


def test_callback_data_stays_within_64_bytes_everywhere():
    for entry in CATALOG.enabled():
        d = Driver()
        d.command(f"/start m-{entry.slug}")
        for screen in d.screens:
            for row in screen.buttons:
                for button in row:
                    assert button.data is None or len(button.data.encode()) <= 64, (entry.id, button.data)


def test_review_lists_what_to_fix_and_hides_launch_until_fixed():
    d = _open("bytedance/seedance-2")
    while d.snapshot.state != chart.REVIEW:
        d.press("✅ Продолжить")
    assert "Нужно поправить" in d.view.text
    assert not d.view.has("✅ Запустить")
    d.press("✏️ Описание")
    d.text("A cat surfing a wave at sunset")
    assert d.snapshot.state == chart.REVIEW
    assert "Нужно поправить" not in d.view.text and d.view.has("✅ Запустить")


def test_media_priced_by_its_length_must_be_sent_as_a_file():
    d = _open("elevenlabs/audio-isolation")
    d.text("https://example.com/noisy.mp3")
    assert "Пришлите сам файл" in d.view.text and d.snapshot.state == "f_audio_url"
    d.media("audio", file_id="AU1", duration=61)
    assert d.snapshot.state == chart.REVIEW
    assert "Цена:" in d.view.text


def test_long_option_lists_are_paged_and_keep_the_global_choice():
    d = _open("elevenlabs/text-to-speech-turbo-2-5")
    d.text("Привет, мир")
    assert d.snapshot.state == "f_voice"
    options = [label for label, data in d.view.buttons if ":choose:" in data]
    assert len(options) == 18 and options[0].startswith("• ")  # the default is on the first page
    d.press("Дальше ▶️")
    page_two = [data for _, data in d.view.buttons if ":choose:" in data]
    assert page_two[0].endswith(":choose:18")
    assert d.view.has("◀️") and d.snapshot.state == "f_voice"
    label = next(label for label, data in d.view.buttons if data.endswith(":choose:20"))
    d.press(label)
    voices = CATALOG.get("elevenlabs/text-to-speech-turbo-2-5").schema.properties["voice"].values
    assert d.snapshot.values["voice"] == voices[20]
    assert d.snapshot.state != "f_voice"
