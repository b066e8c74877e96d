"""The admin's compose conversation: the post, the button, the preview and the audience, the confirm.
Each handler asks the chart (flows/broadcast/chart.py) whether its event is allowed at the stored step
and where it leads."""

from __future__ import annotations

import html

import msgspec

from flows import ids
from flows.broadcast.chart import BROADCAST
from flows.broadcast.effects import StartBroadcast
from flows.broadcast.post import MAX_CAPTION, MAX_TEXT, html_problem, parse_button, post_screen
from flows.money.admin.common import home_row, panel
from flows.money.admin.home import open_home
from flows.outcome import Outcome, show
from flows.payloads.broadcast import BcAudience, BcBack, BcCancel, BcConfirm, BcSkip
from flows.routing.registry import Request
from flows.screens import Action, AnswerCallback, Button, Screen, SendScreen
from flows.session import Session
from flows.states import BroadcastFlow
from flows.texts import t

PLACE = "broadcast"
LANG = "ru"  # the operator's language
AUDIENCES = ("all", "active30", "paid")


def flow_of(session: Session) -> BroadcastFlow | None:
    flow = session.flow
    return flow if session.place == PLACE and isinstance(flow, BroadcastFlow) else None


def _nav(*, skip: bool = False) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = []
    if skip:
        rows.append((Button(t(LANG, "nav.continue"), data=BcSkip().data()),))
    rows.append(
        (
            Button(t(LANG, "nav.back"), data=BcBack().data()),
            Button(t(LANG, "nav.cancel"), data=BcCancel().data()),
        )
    )
    return tuple(rows)


def _at(req: Request, flow: BroadcastFlow, screen: Screen) -> Outcome:
    return show(req.event, req.session.at(PLACE, flow), screen)


def _ask(key: str, problem: str | None = None, **params: object) -> str:
    text = t(LANG, key, **params)
    return f"⚠️ {problem}\n\n{text}" if problem else text


def compose_screen(problem: str | None = None) -> Screen:
    return Screen(text=_ask("bc.compose", problem), buttons=_nav())


def button_screen(flow: BroadcastFlow, problem: str | None = None) -> Screen:
    text = _ask("bc.button", problem)
    if flow.button_text and flow.button_url:
        current = t(
            LANG, "bc.button_now", text=html.escape(flow.button_text), url=html.escape(flow.button_url)
        )
        text = f"{text}\n\n{current}"
    return Screen(text=text, buttons=_nav(skip=True))


def audience_screen(req: Request) -> Screen:
    counts = req.loaded.audiences
    rows = tuple(
        (Button(t(LANG, f"bc.audience.{a}", count=counts.get(a, 0)), data=BcAudience(a).data()),)  # type: ignore[arg-type]
        for a in AUDIENCES
    )
    return Screen(text=t(LANG, "bc.audience"), buttons=(*rows, *_nav()))


def confirm_screen(req: Request, flow: BroadcastFlow) -> Screen:
    count = req.loaded.audiences.get(flow.audience or "all", 0)
    who = t(LANG, f"bc.audience.{flow.audience}", count=count)
    assert flow.token is not None
    buttons = (
        (Button(t(LANG, "bc.send", count=count), data=BcConfirm(flow.token).data()),),
        *_nav(),
    )
    return Screen(text=t(LANG, "bc.confirm", who=who, count=count), buttons=buttons)


def open_compose(req: Request) -> Outcome:
    return _at(req, BroadcastFlow(), compose_screen())


def _preview(req: Request, flow: BroadcastFlow) -> Outcome:
    """The post sent to the admin as the users will get it, then the audience question below it."""
    flow = msgspec.structs.replace(flow, step="audience", audience=None, token=None)
    event = req.event
    actions: list[Action] = []
    if event.kind == "callback" and event.callback_id:
        actions.append(AnswerCallback(event.callback_id))
    actions.append(SendScreen(event.chat_id, Screen(text=t(LANG, "bc.preview_title")), control=False))
    actions.append(SendScreen(event.chat_id, post_screen(flow), control=False))
    actions.append(SendScreen(event.chat_id, audience_screen(req), control=True))
    return Outcome(session=req.session.at(PLACE, flow), actions=tuple(actions))


def on_message(req: Request) -> Outcome | None:
    """What the admin sent at a step that takes it: the post, then the button."""
    flow = flow_of(req.session)
    if flow is None or not BROADCAST.allows(flow.step, "typed"):
        return None
    event = req.event
    if flow.step == "compose":
        photo = event.media.file_id if event.media is not None and event.media.kind == "photo" else None
        # Formatting made with Telegram's own buttons arrives as entities (event.html); else tags typed.
        text = (event.html or event.text or "").strip()
        if event.kind not in ("text", "media") or (event.kind == "media" and photo is None) or not text:
            return _at(req, flow, compose_screen(t(LANG, "bc.need_text")))
        limit = MAX_CAPTION if photo else MAX_TEXT
        if len((event.text or "").strip()) > limit:  # Telegram counts the text without the tags
            return _at(req, flow, compose_screen(t(LANG, "bc.too_long", limit=limit)))
        problem = html_problem(text)
        if problem is not None:
            return _at(req, flow, compose_screen(t(LANG, "bc.bad_html", what=problem)))
        flow = BroadcastFlow(step="button", text=text, photo=photo)
        return _at(req, flow, button_screen(flow))
    parsed = parse_button(event.text or "") if event.kind == "text" else None
    if parsed is None:
        return _at(req, flow, button_screen(flow, t(LANG, "bc.bad_button")))
    label, url = parsed
    return _preview(req, msgspec.structs.replace(flow, button_text=label, button_url=url))


def skip(req: Request) -> Outcome | None:
    flow = flow_of(req.session)
    if flow is None or not BROADCAST.allows(flow.step, "skip"):
        return None
    return _preview(req, flow)  # ✅ Продолжить keeps the button chosen before, if any


def pick(req: Request) -> Outcome | None:
    flow = flow_of(req.session)
    if flow is None or not BROADCAST.allows(flow.step, "pick"):
        return None
    token = ids.token(req.event.entropy)
    flow = msgspec.structs.replace(flow, step="review", audience=req.payload.audience, token=token)
    return _at(req, flow, confirm_screen(req, flow))


def confirm(req: Request) -> Outcome:
    flow = flow_of(req.session)
    if flow is None:  # started or cancelled already (a double tap lands here)
        return open_home(req, notice=t(LANG, "bc.stale"))
    if not BROADCAST.allows(flow.step, "send") or flow.token != req.payload.token:
        # The confirm of an earlier composition: the one in progress stays.
        return redraw(req, t(LANG, "stale.button"))
    assert flow.text is not None and flow.audience is not None
    count = req.loaded.audiences.get(flow.audience, 0)
    screen = Screen(text=t(LANG, "bc.started", count=count), buttons=(home_row(),))
    outcome = show(req.event, panel(req.session), screen)
    effect = StartBroadcast(
        key=f"bc:{req.event.user_id}:{flow.token}",
        admin_id=req.event.user_id,
        audience=flow.audience,
        text=flow.text,
        photo=flow.photo,
        button_text=flow.button_text,
        button_url=flow.button_url,
    )
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))  # type: ignore[arg-type]


def back(req: Request) -> Outcome | None:
    flow = flow_of(req.session)
    if flow is None:
        return None
    target = BROADCAST.lead(flow.step, "back")
    match target:
        case "compose":
            return _at(req, BroadcastFlow(), compose_screen())
        case "button":
            flow = msgspec.structs.replace(flow, step="button")
            return _at(req, flow, button_screen(flow))
        case "audience":
            flow = msgspec.structs.replace(flow, step="audience", audience=None, token=None)
            return _at(req, flow, audience_screen(req))
    return open_home(req)


def redraw(req: Request, notice: str) -> Outcome | None:
    """A stale tap while composing: the step again (from the audience or the confirm, the button step,
    whose ✅ Продолжить sends a fresh preview with fresh counts); the post is kept."""
    flow = flow_of(req.session)
    if flow is None:
        return None
    if flow.step == "compose":
        return show(req.event, req.session, compose_screen(), notice=notice)
    flow = msgspec.structs.replace(flow, step="button", audience=None, token=None)
    return show(req.event, req.session.at(PLACE, flow), button_screen(flow), notice=notice)


def cancel(req: Request) -> Outcome:
    return open_home(req, notice=t(LANG, "bc.cancelled"))
