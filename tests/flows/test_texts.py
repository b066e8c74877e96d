import re

from flows.texts import keys, t


def test_ru_and_en_have_the_same_keys():
    assert keys("ru") == keys("en")


def test_missing_placeholder_never_crashes_a_screen():
    assert "R-1" in t("ru", "error.generic", request_id="R-1")
    assert t("ru", "error.generic")  # no parameters: blanks, not a KeyError


def test_unknown_language_falls_back_to_russian():
    assert t("de", "nav.back") == t("ru", "nav.back") == "⬅️ Назад"


def test_stable_button_labels():
    # The design fixes these labels in Russian (emoji and word exactly; more words may follow); English
    # keeps the emoji and says it in English.
    assert t("ru", "nav.back").startswith("⬅️ Назад")
    assert t("ru", "nav.cancel").startswith("❌ Отмена")
    assert t("ru", "nav.continue").startswith("✅ Продолжить")
    assert t("ru", "card.launch").startswith("🚀 Запустить")
    assert t("ru", "review.launch", price="12 ₽") == "✅ Запустить · 12 ₽"
    assert t("ru", "review.launch_free") == "✅ Запустить · бесплатно"
    assert t("en", "nav.back") == "⬅️ Back"
    assert t("en", "nav.cancel") == "❌ Cancel"
    assert t("en", "nav.continue") == "✅ Continue"
    assert t("en", "card.launch") == "🚀 Start"
    assert t("en", "review.launch", price="12 ₽") == "✅ Start · 12 ₽"
    assert t("en", "review.launch_free") == "✅ Start · free"


# Names people read in their own language whatever the interface's (the language switch).
OWN_NAMES = {"settings.language_ru", "settings.language_en"}


def test_english_texts_are_entirely_english():
    """Regression: English buttons read `🎨 Изображения · Images`, `⬅️ Назад · Back`."""
    checked = keys("en") - OWN_NAMES
    mixed = {k: t("en", k) for k in checked if re.search("[А-Яа-яЁё]", t("en", k))}
    assert not mixed
    assert [t("en", k) for k in ("menu.images", "menu.video", "menu.audio", "menu.tools")] == [
        "🎨 Images",
        "🎬 Video",
        "🎵 Audio",
        "🧰 Tools",
    ]


def test_russian_interface_words_are_russian():
    """The Russian interface says its own words in Russian (model and brand names aside)."""
    english_words = re.compile(r"\b(Back|Cancel|Continue|Start|Images|Video|Audio|Tools|Free|Menu|Popular)\b")
    assert not {k: t("ru", k) for k in keys("ru") if english_words.search(t("ru", k))}
