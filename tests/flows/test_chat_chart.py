"""The text chat's dialog chart (flows/chat/chart.py): no dead end, nothing unreachable, and every
transition taken by the real routes — each case positions a chat at the source state through the
routes, fires the event through the routes, and reads where the session landed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from flows.chat.chart import CHAT, INSIDE, OUTSIDE, TOPPING_UP, chat_step
from flows.chat.turn import DialogItem, ReserveChatTurn
from flows.incoming import AccountView
from flows.payloads.chat import NewChat, OpenChatModel, OpenDialog, StartChat
from flows.preload import Loaded
from flows.screens import RunChatTurn
from tests.flows.charts import dead_ends, edges, unreachable
from tests.flows.driver import Driver

NOW = dt.datetime(2026, 5, 12, 11, 0, tzinfo=dt.UTC)
ITEM = DialogItem(7, "claude-haiku-4-5", "editor", "Проверь текст", False, NOW)
BROKE = AccountView(available_kopecks=0, free_left=0, free_quota=5)


def _outside() -> Driver:
    driver = Driver()
    driver.command("/start")
    return driver


def _card() -> Driver:
    driver = _outside()
    driver.tap(OpenChatModel("gpt-5-2").data())
    return driver


def _card_modes() -> Driver:
    driver = _card()
    driver.press("🎭")
    return driver


def _dialog() -> Driver:
    driver = _outside()
    driver.tap(StartChat("gpt-5-2").data())
    return driver


def _dialog_modes() -> Driver:
    driver = _dialog()
    driver.command("/mode")
    return driver


def _topping_up() -> Driver:
    driver = _dialog()
    driver.account = BROKE
    driver.text("Напиши эссе о море")
    driver.press("💳")
    return driver


AT: dict[str, Callable[[], Driver]] = {
    OUTSIDE: _outside,
    "card": _card,
    "card_modes": _card_modes,
    "dialog": _dialog,
    "dialog_modes": _dialog_modes,
    TOPPING_UP: _topping_up,
}


def _reopen(driver: Driver) -> None:
    driver.loaded = Loaded(dialog_item=ITEM)
    driver.tap(OpenDialog(7).data())


def _resume(driver: Driver) -> None:
    driver.account = AccountView(available_kopecks=100_00)
    driver.press("⬅️")  # the amount screen's way back leads to the dialog
    sent = [e for e in driver.outcomes[-1].effects if isinstance(e, ReserveChatTurn)]
    assert [e.request.text for e in sent] == ["Напиши эссе о море"], "the kept message goes out"
    assert any(isinstance(a, RunChatTurn) for a in driver.outcomes[-1].actions)


LEAVE: dict[str, Callable[[Driver], object]] = {
    "card": lambda d: d.press("⬅️"),  # to the model list
    "card_modes": lambda d: d.command("/cancel"),
    "dialog": lambda d: d.press("🏠"),
    "dialog_modes": lambda d: d.command("/start"),
    TOPPING_UP: lambda d: d.command("/balance"),
}

FIRE: dict[str, Callable[[Driver], object]] = {
    "open_card": lambda d: d.tap(OpenChatModel("claude-sonnet-4-6").data()),
    "start": lambda d: d.tap(StartChat("gemini-3-flash").data()),
    "new": lambda d: d.tap(NewChat("gpt-5-4").data()),
    "reopen": _reopen,
    "pick_mode": lambda d: d.press("🎭"),
    "typed": lambda d: d.text("Привет"),
    "choose_mode": lambda d: d.press("Переводчик"),
    "back": lambda d: d.press("⬅️"),
    "topup": lambda d: (setattr(d, "account", BROKE), d.text("Сколько стоит?"), d.press("💳")),
    "resume": _resume,
}


def test_chat_chart_has_no_dead_end_and_nothing_unreachable():
    cls = CHAT.chart
    assert not dead_ends(cls, [OUTSIDE])
    assert not unreachable(cls, OUTSIDE)


def test_every_state_inside_can_be_left_and_every_way_in_works_from_anywhere():
    for state in INSIDE:
        assert CHAT.lead(state, "leave") == OUTSIDE
    for state in (OUTSIDE, *INSIDE):
        assert CHAT.lead(state, "start") == "dialog" and CHAT.lead(state, "open_card") == "card"


@pytest.mark.parametrize("edge", sorted(edges(CHAT.chart)), ids=lambda e: f"{e[0]}-{e[1]}")
def test_every_chat_transition_is_taken_by_the_routes(edge):
    source, event, target = edge
    driver = AT[source]()
    assert chat_step(driver.session) == source
    fire = (lambda d: LEAVE[source](d)) if event == "leave" else FIRE[event]
    fire(driver)
    assert chat_step(driver.session) == target, edge
