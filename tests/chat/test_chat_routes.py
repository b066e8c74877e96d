"""The routes of 💬 Тексты as pure flows (tests/flows/driver.py): what each button, command and message
decides — the session, the screen, the effects and the hand-over to the runtime."""

from __future__ import annotations

import datetime as dt

from flows.chat.turn import NewDialog, ReopenDialog, ReserveChatTurn, SetDialogMode
from flows.incoming import AccountView, MediaInput, PaymentInfo
from flows.payloads.chat import ChooseChatMode, OpenChatHistory, OpenDialog, OpenTexts, StartChat, StopAnswer
from flows.preload import Loaded
from flows.screens import AnswerCallback, RunChatTurn
from flows.states import ChatFlow
from flows.views import ChatAccount, DialogItem, DialogView, OrderView
from tests.flows.driver import Driver

NOW = dt.datetime(2026, 5, 12, 11, 0, tzinfo=dt.UTC)


def _in_dialog(model_id: str = "gpt-5-2") -> Driver:
    driver = Driver()
    driver.command("/start")
    driver.tap(StartChat(model_id).data())
    return driver


def _reserved(driver: Driver) -> list[ReserveChatTurn]:
    return [e for e in driver.outcomes[-1].effects if isinstance(e, ReserveChatTurn)]


def test_a_message_in_the_dialog_holds_the_money_and_hands_the_answer_to_the_runtime():
    driver = _in_dialog()
    driver.text("  Привет  ")
    (reserve,) = _reserved(driver)
    request = reserve.request
    assert (request.model_id, request.text, request.mode, request.free) == (
        "gpt-5-2",
        "Привет",
        "assistant",
        False,
    )
    assert request.request_id == "R-7K2F9Q" and request.hold_kopecks == 139
    assert driver.outcomes[-1].actions == (RunChatTurn(key="R-7K2F9Q:1001:gpt-5-2", chat_id=1001),)
    assert driver.session.place == "chat" and driver.session.flow.step == "dialog"


def test_the_free_model_answers_free_while_todays_quota_lasts():
    driver = _in_dialog("gemini-2.5-flash")
    driver.loaded = Loaded(chat=ChatAccount(available_kopecks=0, free_left=3, free_quota=20))
    driver.text("Привет")
    (reserve,) = _reserved(driver)
    assert reserve.request.free and reserve.request.hold_kopecks == 0


def test_a_mode_chosen_on_the_card_is_the_dialogs_mode():
    driver = Driver()
    driver.command("/start m-gpt-5-2")  # the deep link of a chat model opens its card
    assert driver.session.place == "chat" and driver.view.has("💬 Начать диалог")
    driver.press("🎭")
    driver.press("Программист")
    assert SetDialogMode(user_id=1001, model_id="gpt-5-2", mode="coder") in driver.effects
    assert "🎭 Режим «Программист» — со следующего сообщения." in driver.view.text
    driver.press("💬 Начать диалог")
    driver.text("Напиши сортировку")
    assert _reserved(driver)[0].request.mode == "coder"


def test_the_card_and_the_list_show_the_free_answers_left():
    driver = Driver()
    driver.loaded = Loaded(chat=ChatAccount(available_kopecks=0, free_left=17, free_quota=20))
    driver.tap(OpenTexts().data())
    assert driver.view.buttons[0][0] == "Gemini 2.5 Flash · бесплатно, осталось 17 из 20"
    driver.press("Gemini 2.5 Flash")
    assert "🎁 Бесплатно сегодня: осталось 17 из 20." in driver.view.text


def test_starting_a_dialog_with_context_offers_a_fresh_one():
    driver = Driver()
    driver.loaded = Loaded(
        dialog=DialogView(dialog_id=3, model_id="gpt-5-2", mode="editor", turns=6, context_tokens=900)
    )
    driver.tap(StartChat("gpt-5-2").data())
    assert (
        "В памяти прежний разговор (6 сообщ.)" in driver.view.text
        and "«Редактор и корректор»" in driver.view.text
    )
    driver.press("🧹 Новый диалог")
    assert NewDialog(user_id=1001, model_id="gpt-5-2") in driver.effects
    assert "🧹 Начали новый диалог" in driver.view.text and driver.session.flow.mode == "editor"


def test_new_and_mode_outside_a_dialog_say_where_to_start_one():
    driver = Driver()
    driver.command("/start")
    for command in ("/new", "/mode"):
        view = driver.command(command)
        assert view.text.startswith("Сейчас нет открытого диалога") and view.has("💬 Тексты")
    assert driver.effects == [] and driver.session.place == "menu"


def test_an_old_mode_button_outside_the_picker_is_stale():
    driver = _in_dialog()
    driver.tap(ChooseChatMode(1).data())
    assert "устарела" in (driver.notices[-1] or "")
    assert not [e for e in driver.effects if isinstance(e, SetDialogMode)]
    # Where the user is gets drawn again: still the dialog (messages still go to the model).
    assert "💬 Диалог с <b>GPT-5.2</b>" in driver.view.text and driver.session.flow.step == "dialog"


def test_an_album_becomes_one_message_with_all_its_photos():
    driver = _in_dialog()
    driver.loaded = Loaded(album_pending=True)
    driver.media("photo", file_id="p1", media_group_id="g1")
    assert driver.outcomes[-1].effects == () and driver.outcomes[-1].actions == ()
    driver.loaded = Loaded()
    # The last part carries the caption, as Telegram sends it on one of the album's messages.
    driver._handle(
        kind="media", text="Что общего?", media=MediaInput(kind="photo", file_id="p2", media_group_id="g1")
    )
    (reserve,) = _reserved(driver)
    assert reserve.request.photo_file_ids == ("p1", "p2") and reserve.request.text == "Что общего?"
    assert driver.session.flow.album is None


def test_a_message_the_balance_cannot_cover_is_kept_for_after_the_top_up():
    driver = _in_dialog()
    driver.account = AccountView(available_kopecks=50)
    view = driver.text("Длинный вопрос")
    assert "Для ответа нужно до 1,39 ₽" in view.text and view.has("💳 Пополнить")
    assert driver.session.flow.kept_text == "Длинный вопрос" and not _reserved(driver)
    driver.press("💳 Пополнить")
    assert driver.session.place == "money" and driver.session.flow.resume.kept_text == "Длинный вопрос"
    assert driver.view.data_for("⬅️") == "tx:resume:gpt-5-2"
    driver.account = AccountView(available_kopecks=100_00)  # topped up meanwhile
    driver.press("⬅️")
    assert [e.request.text for e in _reserved(driver)] == ["Длинный вопрос"]
    assert driver.notices[-1] == "💬 Ваше сообщение ушло модели."


def test_a_stars_top_up_for_a_dialog_offers_the_way_back_at_once():
    driver = _in_dialog()
    driver.account = AccountView(available_kopecks=0)
    driver.text("Вопрос")
    driver.press("💳 Пополнить")
    driver.press("⭐")
    order = OrderView("S-4K7Q2M", 1001, 100_00, 77, "open")
    driver.loaded = Loaded(order=order)
    payment = PaymentInfo("XTR", 77, "S-4K7Q2M", charge_id="ch-1")
    view = driver._handle(kind="payment", payment=payment)
    assert view.has("💬 Вернуться к диалогу") and view.data_for("💬") == "tx:resume:gpt-5-2"


def test_voice_and_other_files_get_a_hint_and_nothing_is_held():
    driver = _in_dialog()
    assert "Голосовые пока не распознаю" in driver.media("voice", file_id="v1").text
    assert "Такой файл модель не прочтёт" in driver.media("document", file_id="d1").text
    assert "Такой файл модель не прочтёт" in driver.other("sticker").text
    assert driver.effects == [] and driver.session.flow.step == "dialog"


def test_the_stop_button_only_answers_the_tap():
    driver = _in_dialog()
    session = driver.session
    driver.tap(StopAnswer().data(), message_id=555)
    assert driver.outcomes[-1].actions == (AnswerCallback("cb2", text="⏹ Останавливаю ответ"),)
    assert driver.session == session


def test_a_dialog_from_history_comes_back_or_is_said_to_be_gone():
    item = DialogItem(9, "claude-haiku-4-5", "editor", "Проверь текст", False, NOW)
    driver = Driver()
    driver.loaded = Loaded(dialogs=(item,))
    driver.tap(OpenChatHistory().data())
    assert driver.view.buttons[0] == ("Claude Haiku 4.5 · Проверь текст · 12.05", "tx:open:9")
    driver.loaded = Loaded(dialog_item=item)
    driver.press("Claude Haiku 4.5")
    assert ReopenDialog(user_id=1001, dialog_id=9) in driver.effects
    assert driver.session.flow == ChatFlow("claude-haiku-4-5", step="dialog", mode="editor")
    driver.loaded = Loaded()  # someone else's dialog, or gone
    driver.tap(OpenDialog(10).data())
    assert driver.view.text.startswith("Этого диалога больше нет") and driver.session.place == "chat_history"


def test_a_model_no_longer_offered_leads_back_to_the_list():
    driver = Driver()
    view = driver.tap(StartChat("gpt-5-6-luna").data())  # in the catalog, but disabled
    assert view.text.startswith("Эта модель сейчас недоступна") and driver.session.place == "texts"
