from flows.texts import keys, t


def test_ru_and_en_have_the_same_keys():
    assert keys("ru") == keys("en")


def test_missing_placeholder_never_crashes_a_screen():
    assert "R-1" in t("ru", "error.generic", request_id="R-1")
    assert t("ru", "error.generic")  # no parameters: blanks, not a KeyError


def test_unknown_language_falls_back_to_russian():
    assert t("de", "nav.back") == t("ru", "nav.back") == "⬅️ Назад"


def test_stable_button_labels():
    # The design fixes these labels (emoji and word exactly; more words may follow).
    for lang in ("ru", "en"):
        assert t(lang, "nav.back").startswith("⬅️ Назад")
        assert t(lang, "nav.cancel").startswith("❌ Отмена")
        assert t(lang, "nav.continue").startswith("✅ Продолжить")
        assert t(lang, "card.launch").startswith("🚀 Запустить")
        assert t(lang, "review.launch", price="12 ₽") == "✅ Запустить · 12 ₽"
        assert t(lang, "review.launch_free") == "✅ Запустить · бесплатно"
