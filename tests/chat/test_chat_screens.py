"""The chat screens and texts as the lead's route registry will call them (callback data passed in)."""

from __future__ import annotations

import pytest

from flows.catalog import load_catalog, load_policy
from flows.chat import screens
from flows.chat.modes import MODES, mode_name, system_prompt
from flows.chat.turn import TurnRefusal
from flows.screens import Button
from flows.texts import t

CATALOG = load_catalog()
POLICY = load_policy()
GPT = CATALOG.text.get("gpt-5-2")
BACK = ((Button("⬅️ Назад", data="back"),),)


def test_the_stable_labels_of_the_design():
    # Pinned in Russian by the design; the English interface says them in English (issue 14).
    assert t("ru", "menu.texts") == "💬 Тексты"
    assert t("ru", "chat.button.start") == "💬 Начать диалог"
    assert t("ru", "chat.button.new").startswith("🧹 Новый диалог")
    assert t("ru", "chat.button.other").startswith("🧭 Другая модель")
    assert t("ru", "chat.button.stop").startswith("❌ Остановить")
    assert [t("en", f"chat.button.{k}") for k in ("start", "new", "other", "stop")] == [
        "💬 Start a dialog",
        "🧹 New dialog",
        "🧭 Another model",
        "❌ Stop",
    ]
    assert screens.free_left_text("ru", 17, 20) == "осталось 17 из 20"


def test_model_list_lines_and_buttons():
    assert screens.model_line("ru", GPT, POLICY) == "GPT-5.2 · ~0,33 ₽"
    flash = CATALOG.text.get("gemini-2.5-flash")
    assert (
        screens.model_line("ru", flash, POLICY, free_left=17, quota=20)
        == "Gemini 2.5 Flash · бесплатно, осталось 17 из 20"
    )
    screen = screens.model_list_screen(
        "ru",
        CATALOG.text,
        POLICY,
        model_data=lambda m: f"tm:{m.slug}",
        back=BACK,
        free_model_id=flash.id,
        free_left=17,
    )
    labels = screen.button_texts()
    assert labels[0].startswith("Gemini 2.5 Flash · бесплатно") and labels[1] == "GPT-5.2 · ~0,33 ₽"
    assert labels[-1] == "⬅️ Назад" and len(labels) == len(CATALOG.text.enabled()) + 1
    assert screen.buttons[1][0].data == "tm:gpt-5-2"


def test_model_card():
    card = screens.model_card(
        "ru", GPT, POLICY, mode="coder", start_data="s", mode_data="m", back=BACK, free_left=None
    )
    assert "GPT-5.2" in card.text and "1 000 слов: вопрос 0,17 ₽ · ответ 1,33 ₽" in card.text
    assert "Понимает фото" in card.text and "Программист" in card.text
    assert card.button_texts() == ["💬 Начать диалог", "🎭 Режим: Программист", "⬅️ Назад"]


def test_footer_under_an_answer():
    assert (
        screens.answer_footer("ru", cost_kopecks=42, balance_kopecks=281_58)
        == "· 0,42 ₽ · на балансе 281,58 ₽"
    )
    assert screens.answer_footer("ru", cost_kopecks=0, balance_kopecks=0, free_left=17, quota=20) == (
        "· бесплатно · осталось 17 из 20"
    )
    stopped = screens.answer_footer("ru", cost_kopecks=5, balance_kopecks=100, stopped=True, cut=False)
    assert stopped.startswith("⏹ Остановлено\n")
    rows = screens.answer_buttons("ru", new_data="n", other_data="o")
    assert [b.text for b in rows[0]] == ["🧹 Новый диалог", "🧭 Другая модель"]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_mode_has_a_name_and_a_system_prompt(lang):
    for mode in MODES:
        assert mode_name(lang, mode) and len(system_prompt(lang, mode)) > 50
    assert system_prompt(lang, "unknown") == system_prompt(lang, "assistant")
    picker = screens.mode_picker(lang, GPT, "editor", mode_data=lambda m: f"mode:{m}", back=BACK)
    assert len(picker.buttons) == len(MODES) + 1 and any(
        b.text.startswith("✅ ") for row in picker.buttons for b in row
    )


def test_refusals_name_what_to_do():
    claude = CATALOG.text.get("claude-sonnet-4-6")
    no_vision = screens.refusal_text("ru", TurnRefusal("no_vision"), claude, CATALOG.text)
    assert "Claude Sonnet 4.6 не понимает фото" in no_vision and "Gemini 2.5 Flash" in no_vision
    funds = screens.refusal_text(
        "ru", TurnRefusal("funds", needed_kopecks=405, available_kopecks=100), GPT, CATALOG.text
    )
    assert "до 4,05 ₽" in funds and "доступно 1 ₽" in funds and "Пополните" in funds
    assert "слов" in screens.refusal_text(
        "ru", TurnRefusal("too_long", budget_tokens=32000), GPT, CATALOG.text
    )
    assert "текстом" in screens.voice_hint("ru")
    assert "R-7K2F9Q" in screens.failure_text("ru", "timeout", "R-7K2F9Q")
    assert screens.failure_text("ru", "nonsense", "R-7K2F9Q") == screens.failure_text(
        "ru", "generic", "R-7K2F9Q"
    )


def test_every_enabled_text_model_has_texts():
    for lang in ("ru", "en"):
        for model in CATALOG.text.models:
            assert t(lang, f"chat.model.{model.id}.title") and t(lang, f"chat.model.{model.id}.good_at")
