"""The charts beside the wizards — the menus (generated from the route registry), the top-up
conversation, a top-up request's life and the admin panel: no dead end, nothing unreachable, and every
transition fired by the flows that run (each case below takes one transition through the real routes)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec
import pytest

from flows.app import REGISTRY
from flows.chat.turn import DialogItem
from flows.jobs.model import Job
from flows.money import charts
from flows.money.admin.common import state_of
from flows.payloads.chat import (
    ChatResume,
    NewChat,
    OpenChatHistory,
    OpenChatModel,
    OpenDialog,
    OpenTexts,
    StartChat,
)
from flows.payloads.follow import FollowUpAction
from flows.payloads.growth import AskPromo, OpenInvite
from flows.payloads.jobs import Repeat
from flows.payloads.menus import (
    ChooseLanguage,
    OpenCategory,
    OpenFamily,
    OpenFree,
    OpenHelp,
    OpenMenu,
    OpenModelList,
    OpenPopular,
    OpenSettings,
    OpenSupport,
)
from flows.payloads.money import (
    DecideApprove,
    DecideReason,
    HistoryItem,
    OpenBalance,
    OpenHistory,
    StartTopup,
    TopupCancel,
    TopupPaid,
    TopupResume,
)
from flows.payloads.wizard import OpenCard
from flows.preload import Loaded
from flows.routing.chart import HOME
from flows.states import AdminFlow, TopupFlow
from flows.views import LedgerLine, OrderView, ReferralStart, ReferralView, TopupView, UserView
from persistence import topups
from tests.flows.charts import dead_ends, edges, unreachable
from tests.flows.driver import Driver

NOW = dt.datetime(2026, 5, 12, 11, 0, tzinfo=dt.UTC)
JOB = Job(
    request_id="R-7K2F9Q",
    user_id=1001,
    chat_id=1001,
    model_id="z-image",
    price_kopecks=5_00,
    state="succeeded",
    free=False,
    created_at=NOW,
    input={},
    wizard_values={"prompt": "кот"},
    files={},
)
TOPUP = TopupView("T-4K7Q2M", 1001, "anna", 500_00, "open", NOW)
DIALOG = DialogItem(7, "gpt-5-2", "coder", "Как устроен двигатель", False, NOW)


def test_menus_chart_has_no_dead_end_and_nothing_unreachable():
    chart = REGISTRY.menus.chart
    assert not dead_ends(chart, [HOME])
    assert not unreachable(chart, "bot")


# route name → how a user takes it: (kind, value, what the runtime loaded, the driver's setup)
MENU_ROUTES: dict[str, tuple[str, Any, Loaded]] = {
    "open_menu": ("tap", OpenMenu(), Loaded()),
    "cancel": ("command", "/cancel", Loaded()),
    "open_help": ("tap", OpenHelp(), Loaded()),
    "open_support": ("tap", OpenSupport(), Loaded()),
    "open_settings": ("tap", OpenSettings(), Loaded()),
    "choose_language": ("tap", ChooseLanguage("en"), Loaded()),
    "open_category": ("tap", OpenCategory("video", 1), Loaded()),
    "open_free": ("tap", OpenFree(0), Loaded()),
    "open_family": ("tap", OpenFamily("kling"), Loaded()),
    "open_popular": ("tap", OpenPopular("video"), Loaded(popular=("veo3_fast", "z-image"))),
    "open_list": ("tap", OpenModelList("image", 1), Loaded()),
    "search": ("text", "клинг", Loaded()),
    "open_card": ("tap", OpenCard("z-image"), Loaded()),
    "deep_link": ("command", "/start m-z-image", Loaded()),
    "open_balance": ("tap", OpenBalance(), Loaded()),
    "open_history": ("tap", OpenHistory(), Loaded(jobs=(JOB,))),
    "history_item": ("tap", HistoryItem("R-7K2F9Q"), Loaded(job=JOB)),
    "start_topup": ("tap", StartTopup(), Loaded()),
    "topup_cancel": ("tap", TopupCancel("T-4K7Q2M"), Loaded(topup=TOPUP)),
    "topup_resume": ("resume", TopupResume(), Loaded()),
    "paysupport": ("command", "/paysupport", Loaded()),
    "admin_home": ("admin", "/admin", Loaded()),
    "bc_start": ("admin", "/broadcast", Loaded()),
    "repeat": ("tap", Repeat("R-7K2F9Q"), Loaded(job=JOB)),
    "follow_up": (
        "tap",
        FollowUpAction("R-7K2F9Q", "upscale"),
        Loaded(
            job=msgspec.structs.replace(JOB, result_file_ids=["F-result"], result_urls=["https://x/r.png"])
        ),
    ),
    "open_texts": ("tap", OpenTexts(), Loaded()),
    "open_chat_card": ("tap", OpenChatModel("gpt-5-2"), Loaded()),
    "start_chat": ("tap", StartChat("gpt-5-2"), Loaded()),
    "new_chat": ("tap", NewChat("claude-sonnet-4-6"), Loaded()),
    "open_chat_history": ("tap", OpenChatHistory(), Loaded(dialogs=(DIALOG,))),
    "reopen_dialog": ("tap", OpenDialog(7), Loaded(dialog_item=DIALOG)),
    "chat_resume": ("tap", ChatResume("gpt-5-2"), Loaded()),
    "open_invite": ("tap", OpenInvite(), Loaded(referral=ReferralView("7K2F9QAB", 2, 1, 30_00))),
    "ask_promo": ("tap", AskPromo(), Loaded()),
    "promo_command": ("command", "/promo SPRING", Loaded()),
    "referral_start": ("command", "/start r-7K2F9QAB", Loaded(referral_start=ReferralStart(5, True, False))),
}


@pytest.mark.parametrize("route", [r for r in REGISTRY.routes if r.target], ids=lambda r: r.name)
def test_every_menus_transition_is_taken_by_its_route(route):
    assert route.name in MENU_ROUTES, f"add a case for the new route {route.name!r}"
    kind, value, loaded = MENU_ROUTES[route.name]
    driver = Driver(is_admin=kind == "admin")
    driver.command("/start")
    if kind == "resume":
        driver.command("/start m-z-image")
        driver.press("🚀")
        driver.text("кот")
        driver.tap(StartTopup().data())
    driver.loaded = loaded
    if kind in ("command", "admin"):
        driver.command(value)
    elif kind == "text":
        driver.text(value)
    else:
        driver.tap(value.data())
    assert driver.session.place == REGISTRY.menus.lead("menu", route.name) == route.target


# --- the top-up conversation -------------------------------------------------------------------


def _at_amount(resume: bool = False) -> Driver:
    driver = Driver()
    if resume:
        driver.command("/start m-z-image")
        driver.press("🚀")
        driver.text("кот")
    driver.tap(StartTopup().data())
    return driver


def _step(driver: Driver) -> str:
    place, flow = driver.session.place, driver.session.flow
    if place == "balance":
        return "left"
    if place == "wizard":
        return "resumed"
    assert place == "money" and isinstance(flow, TopupFlow)
    return flow.step


def _at_details() -> Driver:
    driver = _at_amount()
    driver.press("500")
    return driver


def _open_request(driver: Driver) -> None:
    driver.loaded = Loaded(topup=TopupView(driver.session.flow.topup_id, 1001, None, 500_00, "open", NOW))


def _sent(resume: bool) -> Driver:
    driver = _at_amount(resume)
    driver.press("500")
    _open_request(driver)
    driver.press("Я оплатил")
    driver.loaded = Loaded()
    return driver


def _then(driver: Driver, *steps: Any) -> Driver:
    for step in steps:
        step(driver)
    return driver


TOPUP_CASES = {
    ("amount", "choose_amount"): lambda: _then(_at_amount(), lambda d: d.press("500")),
    ("amount", "typed"): lambda: _then(_at_amount(), lambda d: d.text("750")),
    ("amount", "choose_stars"): lambda: _then(_at_amount(), lambda d: d.press("⭐")),
    ("amount", "back"): lambda: _then(_at_amount(), lambda d: d.press("⬅️")),
    ("amount", "resume"): lambda: _then(_at_amount(resume=True), lambda d: d.press("⬅️")),
    ("stars", "pack"): lambda: _then(_at_amount(), lambda d: d.press("⭐"), lambda d: d.press("500")),
    ("stars", "back"): lambda: _then(_at_amount(), lambda d: d.press("⭐"), lambda d: d.press("⬅️")),
    ("stars", "resume"): lambda: _then(
        _at_amount(resume=True), lambda d: d.press("⭐"), lambda d: d.tap(TopupResume().data())
    ),
    ("details", "screenshot"): lambda: _then(_at_details(), lambda d: d.media("photo")),
    ("details", "typed"): lambda: _then(_at_details(), lambda d: d.text("готово")),
    ("details", "paid"): lambda: _sent(False),
    ("details", "cancel_request"): lambda: _then(
        _at_details(), _open_request, lambda d: d.press("❌ Отменить")
    ),
    ("details", "back"): lambda: _then(_at_details(), lambda d: d.press("⬅️")),
    ("sent", "resume"): lambda: _then(_sent(True), lambda d: d.press("🚀 Вернуться")),
    ("sent", "balance"): lambda: _then(_sent(False), lambda d: d.press("💰")),
}


def test_topup_chart_has_no_dead_end_and_nothing_unreachable():
    cls = charts.TOPUP.chart
    assert not dead_ends(cls, [s.id for s in cls.states if s.final])
    assert not unreachable(cls, "amount")


@pytest.mark.parametrize("edge", sorted(edges(charts.TOPUP.chart)), ids=lambda e: f"{e[0]}-{e[1]}")
def test_every_topup_transition_is_taken_by_the_flows(edge):
    source, event, target = edge
    case = TOPUP_CASES.get((source, event))
    assert case is not None, f"add a case for {edge}"
    assert _step(case()) == target, edge


# --- the admin panel ---------------------------------------------------------------------------------

ADMIN_ID = 900001
USER = UserView(
    id=605, username="anna", first_name="Anna", blocked=False, available_kopecks=300_00, held_kopecks=0
)
PAID_ORDER = OrderView("S-4K7Q2M", 605, 100_00, 77, "paid", charge_id="ch1")
ADMIN_JOB = Job(
    request_id="R-7K2F9Q",
    user_id=605,
    chat_id=605,
    model_id="z-image",
    price_kopecks=5_00,
    state="succeeded",
    free=False,
    created_at=NOW,
    input={},
    hold_status="captured",
)
WITH_STARS = msgspec.structs.replace(USER, stars_orders=(PAID_ORDER,))
LEDGER_LINE = LedgerLine(
    1, 1, NOW, "topup", "available", 605, 605, 500_00, "T-4K7Q2M", "transfer", None, None, None
)
WAITING = TopupView("T-4K7Q2M", 605, "anna", 500_00, "submitted", NOW)


def _admin_state(driver: Driver) -> str:
    session = driver.session
    if session.place == "menu":
        return "closed"
    flow = session.flow if isinstance(session.flow, AdminFlow) else AdminFlow()
    if flow.ask is not None:
        return state_of(flow)
    text = driver.view.text
    for marker, state in (
        ("Подтверждено", "decided"),
        ("Отклонено", "decided"),
        ("Заявки на пополнение", "pending"),
        ("Заявок, ждущих решения, нет", "pending"),
        ("Баланс:", "user_card"),
        ("Задача Kie", "job_card"),
        ("Маржа за", "margin"),
        ("Админка", "home"),
    ):
        if marker in text:
            return state
    if driver.view.has("✅ Подтвердить"):
        return "topup_card"
    raise AssertionError(text)


def _panel() -> Driver:
    driver = Driver(chat_id=ADMIN_ID, is_admin=True)
    driver.command("/admin")
    return driver


def _with(driver: Driver, **loaded: Any) -> Driver:
    driver.loaded = Loaded(**loaded)
    return driver


def _card() -> Driver:
    driver = _with(_panel(), pending=(WAITING,))
    driver.press("🧾")
    _with(driver, topup=WAITING)
    driver.press("T-4K7Q2M")
    return driver


def _user(user: UserView = USER) -> Driver:
    driver = _panel()
    driver.press("🔎 Пользователь")
    _with(driver, user=user)
    driver.text("605")
    return driver


def _adjust() -> Driver:
    driver = _user()
    driver.press("➕")
    return driver


def _job() -> Driver:
    driver = _panel()
    driver.press("🔎 Запрос")
    _with(driver, job=ADMIN_JOB)
    driver.text("R-7K2F9Q")
    return driver


def _reason() -> Driver:
    driver = _card()
    driver.press("🚫")
    return driver


ADMIN_CASES = {
    ("home", "open_pending"): lambda: _then(_with(_panel(), pending=(WAITING,)), lambda d: d.press("🧾")),
    ("home", "ask_user"): lambda: _then(_panel(), lambda d: d.press("🔎 Пользователь")),
    ("home", "ask_job"): lambda: _then(_panel(), lambda d: d.press("🔎 Запрос")),
    ("home", "menu"): lambda: _then(_panel(), lambda d: d.press("🏠")),
    ("pending", "open_topup"): _card,
    ("pending", "go_home"): lambda: _then(
        _with(_panel(), pending=(WAITING,)), lambda d: d.press("🧾"), lambda d: d.press("🛠")
    ),
    ("topup_card", "approve"): lambda: _then(_card(), lambda d: d.press("✅ Подтвердить")),
    ("topup_card", "reject"): _reason,
    ("topup_card", "back"): lambda: _then(
        _card(), lambda d: _with(d, pending=(WAITING,)), lambda d: d.press("⬅️")
    ),
    ("reason", "pick_reason"): lambda: _then(_reason(), lambda d: d.press("Перевод не найден")),
    ("reason", "typed"): lambda: _then(_reason(), lambda d: d.text("Нет такого перевода")),
    ("reason", "back"): lambda: _then(_reason(), lambda d: d.press("⬅️")),
    ("decided", "go_home"): lambda: _then(
        _card(), lambda d: d.press("✅ Подтвердить"), lambda d: d.press("🛠")
    ),
    ("find_user", "typed"): _user,
    ("find_user", "back"): lambda: _then(
        _panel(), lambda d: d.press("🔎 Пользователь"), lambda d: d.press("⬅️")
    ),
    ("user_card", "block"): lambda: _then(_user(), lambda d: d.press("⛔")),
    ("user_card", "credit"): _adjust,
    ("user_card", "debit"): lambda: _then(_user(), lambda d: d.press("➖")),
    ("user_card", "stars_refund"): lambda: _then(
        _user(WITH_STARS),
        lambda d: _with(d, user=WITH_STARS, order=PAID_ORDER),
        lambda d: d.press("↩️"),
    ),
    ("user_card", "go_home"): lambda: _then(_user(), lambda d: d.press("🛠")),
    ("adjust", "typed"): lambda: _then(_adjust(), lambda d: d.text("150 компенсация")),
    ("adjust", "back"): lambda: _then(_adjust(), lambda d: d.press("⬅️")),
    ("adjust_confirm", "confirm"): lambda: _then(
        _adjust(), lambda d: d.text("150 компенсация"), lambda d: d.press("✅")
    ),
    ("adjust_confirm", "back"): lambda: _then(
        _adjust(), lambda d: d.text("150 компенсация"), lambda d: d.press("❌")
    ),
    ("find_job", "typed"): _job,
    ("find_job", "back"): lambda: _then(_panel(), lambda d: d.press("🔎 Запрос"), lambda d: d.press("⬅️")),
    ("job_card", "refund"): lambda: _then(_job(), lambda d: d.press("↩️")),
    ("job_card", "open_user"): lambda: _then(_job(), lambda d: _with(d, user=USER), lambda d: d.press("👤")),
    ("job_card", "go_home"): lambda: _then(_job(), lambda d: d.press("🛠")),
    ("home", "open_margin"): lambda: _then(_panel(), lambda d: d.press("📊")),
    ("margin", "period"): lambda: _then(_panel(), lambda d: d.press("📊"), lambda d: d.press("30 дней")),
    ("margin", "export_csv"): lambda: _then(
        _panel(), lambda d: d.press("📊"), lambda d: _with(d, ledger=(LEDGER_LINE,)), lambda d: d.press("📄")
    ),
    ("margin", "go_home"): lambda: _then(_panel(), lambda d: d.press("📊"), lambda d: d.press("🛠")),
}


def test_admin_chart_has_no_dead_end_and_nothing_unreachable():
    cls = charts.ADMIN.chart
    assert not dead_ends(cls, ["closed"])
    assert not unreachable(cls, "home")


@pytest.mark.parametrize("edge", sorted(edges(charts.ADMIN.chart)), ids=lambda e: f"{e[0]}-{e[1]}")
def test_every_admin_transition_is_taken_by_the_flows(edge):
    source, event, target = edge
    case = ADMIN_CASES.get((source, event))
    assert case is not None, f"add a case for {edge}"
    assert _admin_state(case()) == target, edge


# --- a top-up request's life -------------------------------------------------------------------------


def test_request_chart_has_no_dead_end_and_nothing_unreachable():
    cls = charts.REQUEST.chart
    assert not dead_ends(cls, [s.id for s in cls.states if s.final])
    assert not unreachable(cls, "open")


def _sources(event: str) -> set[str]:
    return {source for source, e, _ in edges(charts.REQUEST.chart) if e == event}


@pytest.mark.parametrize("status", ["open", "submitted", "approved", "rejected", "cancelled", "expired"])
def test_request_transitions_are_what_the_flows_and_the_database_allow(status):
    """Each event of the request chart is fired by one flow (and guarded the same way in SQL)."""
    request = TopupView("T-4K7Q2M", 1001, "anna", 500_00, status, NOW)
    user = Driver()
    user.loaded = Loaded(topup=request)
    user.tap(TopupPaid("T-4K7Q2M").data())
    assert bool(user.effects) == (status in _sources("submit"))
    user = Driver()
    user.loaded = Loaded(topup=request)
    user.tap(TopupCancel("T-4K7Q2M").data())
    assert bool(user.effects) == (status in _sources("cancel"))
    for payload, event in ((DecideApprove("T-4K7Q2M"), "approve"), (DecideReason("T-4K7Q2M", 0), "reject")):
        admin = Driver(chat_id=ADMIN_ID, is_admin=True)
        admin.loaded = Loaded(topup=request)
        admin.tap(payload.data())
        assert bool(admin.effects) == (status in _sources(event)), (status, event)


def test_the_database_guards_each_request_transition_like_the_chart():
    def statuses(sql: str) -> set[str]:
        found = re.search(r"status (?:= '(\w+)'|IN \(([^)]*)\))", sql.split("WHERE", 1)[1])
        assert found, sql
        return {found.group(1)} if found.group(1) else set(re.findall(r"'(\w+)'", found.group(2)))

    assert statuses(topups.SUBMIT) == _sources("submit")
    assert statuses(topups.CANCEL) == _sources("cancel")
    assert statuses(topups.DECIDE) == _sources("approve") == _sources("reject")
    assert statuses(topups.EXPIRE) == _sources("expire")
