"""📣 Рассылка's compose chart: no dead end, nothing unreachable, back and cancel on every input state,
and every transition taken by the real routes (the pure router, an admin's chat)."""

from __future__ import annotations

from typing import Any

import pytest

from flows.broadcast.chart import BROADCAST
from flows.broadcast.effects import StartBroadcast
from flows.payloads.broadcast import BcAudience, BcConfirm, BcStart
from flows.preload import Loaded
from flows.states import BroadcastFlow
from tests.flows.charts import dead_ends, edges, unreachable
from tests.flows.driver import Driver

ADMIN_ID = 900001
COUNTS = Loaded(audiences={"all": 12, "active30": 7, "paid": 3})
FINALS = ("started", "closed")


def _state(driver: Driver) -> str:
    session = driver.session
    if session.place == "broadcast" and isinstance(session.flow, BroadcastFlow):
        return session.flow.step
    assert session.place == "admin", session
    return "started" if "поставлена в очередь" in driver.view.text else "closed"


def _compose() -> Driver:
    driver = Driver(chat_id=ADMIN_ID, is_admin=True)
    driver.command("/admin")
    driver.press("📣 Рассылка")
    return driver


def _button() -> Driver:
    driver = _compose()
    driver.text("<b>Новинка</b>: Kling 2.6")
    return driver


def _audience() -> Driver:
    driver = _button()
    driver.loaded = COUNTS
    driver.press("✅ Продолжить")
    return driver


def _review() -> Driver:
    driver = _audience()
    driver.press("🕒")
    return driver


def _then(driver: Driver, *steps: Any) -> Driver:
    for step in steps:
        step(driver)
    return driver


CASES = {
    ("compose", "typed"): _button,
    ("compose", "back"): lambda: _then(_compose(), lambda d: d.press("⬅️")),
    ("compose", "cancel"): lambda: _then(_compose(), lambda d: d.press("❌")),
    ("button", "typed"): lambda: _then(
        _button(), lambda d: setattr(d, "loaded", COUNTS), lambda d: d.text("Открыть | https://example.com")
    ),
    ("button", "skip"): _audience,
    ("button", "back"): lambda: _then(_button(), lambda d: d.press("⬅️")),
    ("button", "cancel"): lambda: _then(_button(), lambda d: d.press("❌")),
    ("audience", "pick"): _review,
    ("audience", "back"): lambda: _then(_audience(), lambda d: d.press("⬅️")),
    ("audience", "cancel"): lambda: _then(_audience(), lambda d: d.press("❌")),
    ("review", "send"): lambda: _then(_review(), lambda d: d.press("✅ Отправить")),
    ("review", "back"): lambda: _then(_review(), lambda d: d.press("⬅️")),
    ("review", "cancel"): lambda: _then(_review(), lambda d: d.press("❌")),
}


def test_broadcast_chart_has_no_dead_end_and_nothing_unreachable():
    assert not dead_ends(BROADCAST.chart, list(FINALS))
    assert not unreachable(BROADCAST.chart, "compose")


def test_every_input_state_has_back_and_cancel():
    for state in BROADCAST.chart.states:
        if state.id not in FINALS:
            assert BROADCAST.allows(state.id, "back") and BROADCAST.allows(state.id, "cancel"), state.id


@pytest.mark.parametrize("edge", sorted(edges(BROADCAST.chart)), ids=lambda e: f"{e[0]}-{e[1]}")
def test_every_broadcast_transition_is_taken_by_the_flows(edge):
    source, event, target = edge
    case = CASES.get((source, event))
    assert case is not None, f"add a case for {edge}"
    assert _state(case()) == target, edge


def test_the_preview_comes_before_the_audience_question_and_confirm_fixes_the_post():
    driver = _button()
    driver.loaded = COUNTS
    driver.text("Открыть | https://example.com/new")
    sent = [a.screen for a in driver.outcomes[-1].actions if hasattr(a, "screen")]
    assert [s.text for s in sent][1] == "<b>Новинка</b>: Kling 2.6"
    assert sent[1].buttons[0][0].url == "https://example.com/new"
    assert sent[-1].text == "Кому отправить?" and "👥 Всем · 12" in sent[-1].button_texts()
    driver.press("💳")
    assert "💳 Платившим · 3" in driver.view.text and driver.view.has("✅ Отправить · 3")
    driver.press("✅ Отправить")
    [effect] = driver.effects
    assert effect == StartBroadcast(
        key=f"bc:{ADMIN_ID}:{driver.entropy[6:].lower()}",
        admin_id=ADMIN_ID,
        audience="paid",
        text="<b>Новинка</b>: Kling 2.6",
        button_text="Открыть",
        button_url="https://example.com/new",
    )
    # The same confirm again (a double tap) starts nothing more.
    driver.tap(BcConfirm(effect.key.rsplit(":", 1)[1]).data())
    assert len(driver.effects) == 1 and "уже запущена" in driver.view.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [("<b>жирный", "<b>"), ("<script>x</script>", "<script>"), ("Tom & Jerry", "&"), ("", None)],
)
def test_a_post_telegram_would_refuse_is_refused_at_compose(text, problem):
    driver = _compose()
    if text:
        driver.text(text)
        assert f"«{problem}»" in driver.view.text
    else:
        driver.media("photo")  # a photo without a caption
        assert "Нужен текст" in driver.view.text
    assert _state(driver) == "compose" and driver.effects == []


def test_a_bad_button_is_asked_again():
    driver = _button()
    driver.text("Открыть example.com")
    assert "Не похоже на кнопку" in driver.view.text and _state(driver) == "button"


def test_a_photo_with_a_caption_is_the_post():
    driver = _compose()
    driver.media("photo", file_id="PHOTO1", caption="<i>Скидки</i>")
    flow = driver.session.flow
    assert isinstance(flow, BroadcastFlow) and flow.photo == "PHOTO1" and flow.text == "<i>Скидки</i>"


def test_non_admins_reach_none_of_it():
    user = Driver(chat_id=1001)
    user.command("/start")
    for data in (BcStart().data(), BcAudience("all").data(), BcConfirm("abc").data(), "bc:back", "bc:x"):
        user.tap(data)
        assert user.session.place != "broadcast" and user.effects == []
    user.command("/broadcast")
    assert user.session.place != "broadcast"


def test_formatting_made_with_telegram_buttons_becomes_the_posts_html():
    driver = _compose()
    driver._handle(
        kind="text", text="Скидка 😀 до пятницы & ещё", html="Скидка 😀 <b>до пятницы</b> &amp; ещё"
    )
    flow = driver.session.flow
    assert isinstance(flow, BroadcastFlow) and flow.text == "Скидка 😀 <b>до пятницы</b> &amp; ещё"


def test_entities_become_html_counted_in_utf16_and_nested():
    from flows.broadcast.entities import TextEntity as E
    from flows.broadcast.entities import to_html

    text = "Hi 😀 bold & <x>"
    assert to_html(text, [E("bold", 6, 4), E("italic", 3, 7)]) == "Hi <i>😀 <b>bold</b></i> &amp; &lt;x&gt;"
    assert to_html("see", [E("text_link", 0, 3, url='https://a.b/?q=1&r="2"')]) == (
        '<a href="https://a.b/?q=1&amp;r=&quot;2&quot;">see</a>'
    )
    assert to_html("code", [E("pre", 0, 4, language="py"), E("mention", 0, 2)]) == (
        '<pre><code class="language-py">code</code></pre>'
    )


def test_back_to_the_button_step_and_continue_keeps_the_button():
    driver = _button()
    driver.loaded = COUNTS
    driver.text("Открыть | https://example.com/new")
    driver.press("⬅️")
    assert _state(driver) == "button" and "«Открыть» → https://example.com/new" in driver.view.text
    driver.press("✅ Продолжить")
    flow = driver.session.flow
    assert _state(driver) == "audience" and flow.button_url == "https://example.com/new"


def test_a_stale_tap_while_composing_keeps_the_post_and_shows_the_step():
    driver = _review()
    driver.tap(BcConfirm("zzzz").data())  # a confirm of another composition
    assert _state(driver) == "button" and driver.effects == [] and "устарела" in (driver.notices[-1] or "")
    driver = _review()
    driver.tap("bc:to:nobody")  # not a payload any route declares
    assert (
        _state(driver) == "button"
        and driver.notices[-1] == "Эта кнопка устарела — показываю актуальный экран."
    )
    assert driver.session.flow.text == "<b>Новинка</b>: Kling 2.6" and driver.effects == []
    driver = _compose()
    driver.tap(BcAudience("all").data())  # the audience before any post
    assert _state(driver) == "compose" and driver.effects == []
