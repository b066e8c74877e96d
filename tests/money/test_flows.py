"""The money flows without Telegram or a database: screens, inputs, decisions and their effects."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flows.app import REGISTRY
from flows.book import Book
from flows.context import FlowContext
from flows.incoming import AccountView, Incoming, MediaInput, PaymentInfo
from flows.jobs.model import Job
from flows.money import common as c
from flows.money.effects import ApproveTopup, CreateTopup, PayStarsOrder, RejectTopup, SubmitTopup
from flows.money.stars import stars_for
from flows.outcome import Outcome
from flows.preload import Loaded
from flows.screens import AnswerPreCheckout, EditScreen, SendFile, SendInvoice, SendScreen
from flows.session import Session
from flows.states import TopupFlow, WizardSnapshot
from flows.views import OrderView, TopupView
from tests.flows.driver import CATALOG, POLICY, Driver, decide

BALANCE, TOPUP, HISTORY, TOPUP_STARS, TOPUP_RESUME = (
    "m:balance",
    "top:start",
    "m:history",
    "top:stars",
    "top:resume",
)

NOW = dt.datetime(2026, 5, 12, 11, 0, tzinfo=dt.UTC)
CTX = FlowContext(
    support_text="24/7",
    support_telegram="@trt_support",
    admin_ids=(900001, 900002),
    catalog=CATALOG,
    policy=POLICY,
    payment_bank="Тестбанк",
    payment_card_holder="Иван И.",
    payment_phone="+7 900 000-00-00",
    book=Book(),
)


@dataclass
class Chat:
    user_id: int = 501
    is_admin: bool = False
    session: Session = field(default_factory=lambda: Session(control_message_id=10))
    lookup: Loaded = field(default_factory=Loaded)
    outcomes: list[Outcome] = field(default_factory=list)

    def handle(self, **kw: Any) -> Outcome:
        incoming = Incoming(
            chat_id=self.user_id,
            user_id=self.user_id,
            is_admin=self.is_admin,
            username="anna",
            entropy="4K7Q2M0000000000",
            **kw,
        )
        assert REGISTRY.match(incoming, self.session).needs is not None
        account = AccountView(available_kopecks=123_45, free_left=3, free_quota=5)
        outcome = decide(incoming, self.session, CTX, self.lookup, account)
        self.outcomes.append(outcome)
        self.session = outcome.session
        return outcome

    def tap(self, data: str, message_id: int = 10) -> Outcome:
        return self.handle(kind="callback", callback_id="cb", callback_data=data, message_id=message_id)

    def text(self, text: str) -> Outcome:
        return self.handle(kind="text", text=text)

    def command(self, name: str) -> Outcome:
        return self.handle(kind="command", command=name, text=f"/{name}")


def screens(outcome: Outcome):
    return [a.screen for a in outcome.actions if isinstance(a, SendScreen | EditScreen)]


def last_text(outcome: Outcome) -> str:
    return screens(outcome)[-1].text


def buttons(outcome: Outcome) -> dict[str, str]:
    return {b.text: b.data or b.url or "" for row in screens(outcome)[-1].buttons for b in row}


def request(status: str = "submitted", **kw: Any) -> TopupView:
    return TopupView(
        **{
            "id": "T-4K7Q2M",
            "user_id": 501,
            "username": "anna",
            "amount_kopecks": 500_00,
            "status": status,
            "created_at": NOW,
            **kw,
        }
    )


@pytest.mark.parametrize(
    ("typed", "kopecks"),
    [
        ("500", 500_00),
        ("1 000", 1000_00),
        ("150,50", 150_50),
        ("150.5", 150_50),
        ("300 ₽", 300_00),
        ("300р", 300_00),
        ("abc", None),
        ("1,234", None),
        ("-5", None),
        ("", None),
    ],
)
def test_amounts_as_typed(typed, kopecks):
    assert c.parse_amount(typed) == kopecks


def test_balance_screen_shows_money_quota_pending_and_a_way_back():
    chat = Chat(lookup=Loaded(pending=(request(),)))
    outcome = chat.tap(BALANCE)
    text = last_text(outcome)
    assert "123,45 ₽" in text and "осталось 3 из 5" in text and "T-4K7Q2M" in text
    labels = buttons(outcome)
    assert labels["💳 Пополнить"] == TOPUP and "🗂 История" in labels and "🏠 В меню" in labels
    assert labels["❌ Отменить T-4K7Q2M"] == "top:x:T-4K7Q2M"


def test_topup_wrong_amount_keeps_the_step_then_details_with_a_code():
    chat = Chat()
    chat.tap(TOPUP)
    outcome = chat.text("12")
    assert "от 50 ₽" in last_text(outcome) and chat.session.flow.step == "amount"
    outcome = chat.text("750")
    (effect,) = outcome.effects
    assert isinstance(effect, CreateTopup) and effect.amount_kopecks == 750_00
    text = last_text(outcome)
    assert effect.topup_id in text and "Тестбанк" in text and "Иван И." in text and "+7 900" in text
    assert "Я оплатил" in buttons(outcome)
    # A screenshot on that step is kept and goes to every admin with the request.
    chat.handle(kind="media", media=MediaInput(kind="photo", file_id="SHOT"))
    chat.lookup = Loaded(topup=request("open", id=effect.topup_id, amount_kopecks=750_00))
    outcome = chat.tap(f"top:paid:{effect.topup_id}")
    assert outcome.effects == (SubmitTopup(effect.topup_id, "SHOT"),)
    files = [a for a in outcome.actions if isinstance(a, SendFile)]
    alerts = [a for a in outcome.actions if isinstance(a, SendScreen) and a.chat_id in CTX.admin_ids]
    assert [f.chat_id for f in files] == [900001, 900002] and files[0].file_id == "SHOT"
    assert len(alerts) == 2 and not alerts[0].control
    admin_text = alerts[0].screen.text
    assert (
        "@anna" in admin_text
        and "501" in admin_text
        and "750 ₽" in admin_text
        and effect.topup_id in admin_text
    )
    assert [b.text for row in alerts[0].screen.buttons for b in row] == ["✅ Подтвердить", "🚫 Отклонить"]


def test_admin_approve_decides_once_on_a_locked_row():
    admin = Chat(user_id=900001, is_admin=True, lookup=Loaded(topup=request()))
    outcome = admin.tap("tp:ok:T-4K7Q2M", message_id=77)
    assert outcome.effects == (ApproveTopup("T-4K7Q2M", 900001),)
    told = [a for a in outcome.actions if isinstance(a, SendScreen) and a.chat_id == 501]
    assert "Баланс пополнен на 500 ₽" in told[0].screen.text
    # The second tap (or the second admin) sees the row already approved: nothing happens again.
    done = request("approved", decided_by=900001, decided_by_name="boss")
    second = Chat(user_id=900002, is_admin=True, lookup=Loaded(topup=done))
    outcome = second.tap("tp:ok:T-4K7Q2M", message_id=78)
    assert outcome.effects == ()
    assert "уже подтверждена" in last_text(outcome) and "@boss" in last_text(outcome)


def test_admin_reject_asks_a_reason_then_tells_the_user():
    admin = Chat(user_id=900001, is_admin=True, lookup=Loaded(topup=request()))
    outcome = admin.tap("tp:no:T-4K7Q2M", message_id=77)
    assert "Перевод не найден" in buttons(outcome)
    outcome = admin.text("Нет такого перевода")
    assert outcome.effects == (RejectTopup("T-4K7Q2M", 900001, "Нет такого перевода"),)
    told = [a for a in outcome.actions if isinstance(a, SendScreen) and a.chat_id == 501]
    assert "Нет такого перевода" in told[0].screen.text


def test_expired_request_is_not_approved():
    admin = Chat(user_id=900001, is_admin=True, lookup=Loaded(topup=request("expired")))
    outcome = admin.tap("tp:ok:T-4K7Q2M", message_id=77)
    assert outcome.effects == () and "истекла" in last_text(outcome)


def test_stars_pack_invoice_and_pre_checkout_checks():
    chat = Chat()
    outcome = chat.tap("st:500")
    invoice = next(a for a in outcome.actions if isinstance(a, SendInvoice))
    assert invoice.stars == stars_for(500_00, CTX) == 385 and invoice.payload.startswith("S-")
    assert stars_for(1, CTX) == 1
    order = OrderView(invoice.payload, 501, 500_00, 385, "open")
    chat.lookup = Loaded(order=order)

    def answer(total: int, currency: str = "XTR") -> AnswerPreCheckout:
        payment = PaymentInfo(currency, total, invoice.payload, query_id="q1")
        (action,) = chat.handle(kind="pre_checkout", payment=payment).actions
        return action

    assert answer(385).ok is True
    assert answer(384).ok is False and answer(384).error_message
    assert answer(385, "RUB").ok is False
    payment = PaymentInfo("XTR", 385, invoice.payload, charge_id="ch1")
    outcome = chat.handle(kind="payment", payment=payment)
    assert outcome.effects == (PayStarsOrder(invoice.payload, 501, "ch1", 500_00),)
    chat.lookup = Loaded(order=order, order_charged=True)
    assert chat.handle(kind="payment", payment=payment).effects == ()


def test_history_reopens_results_by_file_id_or_says_they_are_gone():
    job = Job(
        request_id="R-7K2F9Q",
        user_id=501,
        chat_id=501,
        model_id="google/imagen4-fast",
        price_kopecks=12_00,
        state="succeeded",
        free=False,
        created_at=NOW,
        input={},
        result_file_ids=["F1"],
    )
    chat = Chat(lookup=Loaded(jobs=(job,)))
    outcome = chat.tap(HISTORY)
    assert "R-7K2F9Q" in last_text(outcome) and "12 ₽" in last_text(outcome)
    chat.lookup = Loaded(job=job)
    outcome = chat.tap("h:R-7K2F9Q")
    files = [a for a in outcome.actions if isinstance(a, SendFile)]
    assert [(f.kind, f.file_id) for f in files] == [("photo", "F1")]
    assert buttons(outcome)["🔁 Сделать ещё раз"] == "r:R-7K2F9Q"
    chat.lookup = Loaded(
        job=Job(
            request_id="R-7K2F9Q",
            user_id=501,
            chat_id=501,
            model_id="google/imagen4-fast",
            price_kopecks=12_00,
            state="succeeded",
            free=False,
            created_at=NOW,
            input={},
        )
    )
    assert "больше недоступен" in last_text(chat.tap("h:R-7K2F9Q"))
    # Another user's job is not shown.
    chat.lookup = Loaded(
        job=Job(
            request_id="R-7K2F9Q",
            user_id=999,
            chat_id=999,
            model_id="google/imagen4-fast",
            price_kopecks=12_00,
            state="succeeded",
            free=False,
            created_at=NOW,
            input={},
        )
    )
    assert not [a for a in chat.tap("h:R-7K2F9Q").actions if isinstance(a, SendFile)]


def test_non_admin_gets_no_admin_panel_and_blocked_user_gets_a_notice():
    chat = Chat()
    assert "Такой команды нет" in last_text(chat.command("admin"))
    assert chat.tap("tp:ok:T-4K7Q2M").effects == ()
    blocked = Chat(lookup=Loaded(blocked=True))
    outcome = blocked.tap("c:anything")
    assert outcome.effects == () and "ограничен" in last_text(outcome)


def test_every_money_screen_has_a_way_back_and_short_callback_data():
    chat = Chat(lookup=Loaded(pending=(request(),)))
    admin = Chat(user_id=900001, is_admin=True, lookup=Loaded(topup=request(), pending=(request(),)))
    outcomes = [
        chat.tap(BALANCE),
        chat.tap(TOPUP),
        chat.tap(TOPUP_STARS),
        chat.tap("st:100"),
        chat.tap(HISTORY),
        chat.command("paysupport"),
        chat.tap("top:a:10000"),
        admin.command("admin"),
        admin.tap("adm:pend"),
        admin.tap("adm:fu"),
        admin.tap("adm:fj"),
        admin.tap("adm:t:T-4K7Q2M"),
        admin.tap("tp:no:T-4K7Q2M"),
    ]
    back = ("⬅️ Назад", "🏠 В меню", "🛠 Админка")
    for outcome in outcomes:
        for screen in screens(outcome):
            labels = [b.text for row in screen.buttons for b in row]
            assert any(label.startswith(back) for label in labels), screen.text
            assert all(len((b.data or "").encode()) <= 64 for row in screen.buttons for b in row)


def test_texts_have_the_same_keys_in_ru_and_en():
    folder = Path(__file__).resolve().parents[2] / "flows" / "texts"
    ru = json.loads((folder / "ru.money.json").read_text(encoding="utf-8"))
    en = json.loads((folder / "en.money.json").read_text(encoding="utf-8"))
    assert set(ru) == set(en)
    assert all(k.split(".")[0] in ("money", "admin", "balance", "history", "stars") for k in ru)


def test_resume_returns_to_the_wizard_with_the_input_kept():
    driver = Driver(chat_id=501)
    driver.command("/start m-google-imagen4-fast")
    driver.press("🚀")
    driver.text("кот в шляпе")
    wizard = driver.session
    chat = Chat(session=wizard)
    chat.tap(TOPUP)
    flow = chat.session.flow
    assert chat.session.place == c.PLACE and isinstance(flow, TopupFlow)
    assert flow.resume is not None and flow.resume.values == wizard.flow.values
    chat.tap(TOPUP_RESUME)
    snap = chat.session.flow
    assert chat.session.place == "wizard" and isinstance(snap, WizardSnapshot)
    assert snap.model_id == "google/imagen4-fast" and snap.values["prompt"] == "кот в шляпе"


def test_back_from_the_reject_reason_does_not_reject_on_the_next_typed_text():
    """Regression: ⬅️ from «why rejected?» showed the request again but left the question open, so the
    admin's next message (say, a user id for the search) rejected the request with it as the reason."""
    admin = Chat(user_id=900001, is_admin=True, lookup=Loaded(topup=request()))
    admin.tap("tp:no:T-4K7Q2M", message_id=77)
    admin.tap("adm:t:T-4K7Q2M", message_id=77)
    outcome = admin.text("605")
    assert not any(isinstance(e, RejectTopup) for e in outcome.effects)
