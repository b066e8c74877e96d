"""💳 Пополнить by bank transfer: amount → transfer details with a payment code → «Я оплатил» (a
screenshot may be attached) → every admin gets the request. Only an admin's tap credits money.

The steps are the top-up chart's states (flows/money/charts.py): each handler asks the chart where its
event leads; what may still happen to a request is what the request chart allows from its status.
"""

from __future__ import annotations

import html

import msgspec

from flows import ids
from flows.context import FlowContext
from flows.incoming import MediaInput
from flows.money import common as c
from flows.money.balance import show_balance
from flows.money.charts import REQUEST, TOPUP
from flows.money.effects import CancelTopup, CreateTopup, SubmitTopup
from flows.outcome import Outcome, show
from flows.payloads.money import (
    DecideApprove,
    DecideReject,
    OpenBalance,
    StartTopup,
    TopupAmount,
    TopupCancel,
    TopupPaid,
    TopupStars,
)
from flows.routing.registry import Request
from flows.screens import Button, Screen, SendFile, SendScreen
from flows.states import ChatFlow, Screenshot, TopupFlow, TopupStep, WizardSnapshot
from flows.texts import t
from flows.views import TopupView

RECEIPT_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"})


def step_after(step: str, event: str) -> TopupStep:
    """Where the top-up chart leads from `step` on `event`."""
    target = TOPUP.lead(step, event)
    assert target is not None, f"the top-up chart has no {event!r} from {step!r}"
    return target  # type: ignore[return-value]


def amount_screen(
    lang: str, *, problem: str | None = None, resume: WizardSnapshot | ChatFlow | None = None
) -> Screen:
    text = t(lang, "money.amount_title", min=c.rub(c.MIN_TOPUP), max=c.rub(c.MAX_TOPUP))
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    presets = tuple(Button(c.rub(r * 100), data=TopupAmount(r * 100).data()) for r in c.PRESETS_RUB)
    back = c.resume_data(resume) if resume is not None else OpenBalance().data()
    return Screen(
        text=text,
        buttons=(
            presets[:2],
            presets[2:],
            (Button(t(lang, "stars.option"), data=TopupStars().data()),),
            c.back_row(lang, back),
        ),
    )


def open_amount(req: Request, *, problem: str | None = None, resume: WizardSnapshot | None = None) -> Outcome:
    resume = resume or c.resume_of(req.session)
    flow = TopupFlow(step="amount", resume=resume)
    screen = amount_screen(req.event.lang, problem=problem, resume=resume)
    return show(req.event, req.session.at(c.PLACE, flow), screen)


def on_amount_text(req: Request) -> Outcome:
    lang, text = req.event.lang, req.event.text or ""
    amount = c.parse_amount(text)
    if amount is None:
        problem = t(lang, "money.amount_not_number", text=html.escape(text[:40]))
    elif not c.MIN_TOPUP <= amount <= c.MAX_TOPUP:
        problem = t(lang, "money.amount_out_of_range", min=c.rub(c.MIN_TOPUP), max=c.rub(c.MAX_TOPUP))
    else:
        return create(req, amount, "typed")
    return open_amount(req, problem=problem)


def details_screen(
    lang: str, ctx: FlowContext, code: str, amount: int, *, note: str | None = None, shot: bool = False
) -> Screen:
    text = t(
        lang,
        "money.details",
        amount=c.rub(amount),
        bank=html.escape(ctx.payment_bank),
        holder=html.escape(ctx.payment_card_holder),
        phone=html.escape(ctx.payment_phone),
        code=code,
    )
    if shot:
        text += "\n\n" + t(lang, "money.screenshot_attached")
    if note:
        text = f"{note}\n\n{text}"
    return Screen(
        text=text,
        buttons=(
            (Button(t(lang, "money.paid"), data=TopupPaid(code).data()),),
            (Button(t(lang, "money.cancel_request"), data=TopupCancel(code).data()),),
            c.back_row(lang, StartTopup().data()),
        ),
    )


def create(req: Request, amount: int, event: str) -> Outcome:
    open_requests = [p for p in req.loaded.pending if REQUEST.allows(p.status, "approve")]
    if len(open_requests) >= c.MAX_OPEN_TOPUPS:
        # The balance screen lists the open ones, each with its cancel button.
        return show_balance(req, notice=t(req.event.lang, "money.too_many_open", count=len(open_requests)))
    code = ids.code("T", req.event.entropy)
    flow = TopupFlow(
        step=step_after("amount", event),
        topup_id=code,
        amount_kopecks=amount,
        resume=c.topup_flow(req.session).resume,
    )
    screen = details_screen(req.event.lang, req.ctx, code, amount)
    outcome = show(req.event, req.session.at(c.PLACE, flow), screen)
    effect = CreateTopup(code, req.event.user_id, amount)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def on_preset(req: Request) -> Outcome:
    amount = req.payload.kopecks
    if not c.MIN_TOPUP <= amount <= c.MAX_TOPUP:
        return open_amount(req)
    return create(req, amount, "choose_amount")


def _details_again(req: Request, flow: TopupFlow, *, note: str | None = None) -> Outcome:
    assert flow.topup_id is not None and flow.amount_kopecks is not None
    screen = details_screen(
        req.event.lang,
        req.ctx,
        flow.topup_id,
        flow.amount_kopecks,
        note=note,
        shot=flow.screenshot is not None,
    )
    return show(req.event, req.session.at(c.PLACE, flow), screen)


def on_screenshot(req: Request, flow: TopupFlow) -> Outcome:
    media = req.event.media
    if media is None or not is_receipt(media):
        return _details_again(req, flow, note=t(req.event.lang, "money.screenshot_wrong"))
    shot = Screenshot(media.file_id, "photo" if media.kind == "photo" else "document")
    step = step_after(flow.step, "screenshot")
    return _details_again(req, msgspec.structs.replace(flow, step=step, screenshot=shot))


def is_receipt(media: MediaInput) -> bool:
    """A payment proof an admin can look at: a photo, a picture sent as a file, or a PDF receipt."""
    if media.kind == "photo":
        return True
    mime = (media.mime_type or "").lower()
    return media.kind == "document" and mime in RECEIPT_MIME_TYPES


def _refused(req: Request, event: str) -> Outcome | None:
    """The balance screen saying why, when the user's request (locked for this update) is not theirs or
    the request chart no longer allows `event` from its status; None when it may go ahead."""
    lang, code = req.event.lang, req.payload.code
    request = req.loaded.topup
    if request is None or request.user_id != req.event.user_id:
        return show_balance(req, notice=t(lang, "money.request_unknown"))
    if not REQUEST.allows(request.status, event):
        notice = t(lang, "money.request_not_open", code=code, status=c.status_text(lang, request.status))
        return show_balance(req, notice=notice)
    return None


def on_paid(req: Request) -> Outcome:
    refused = _refused(req, "submit")
    if refused is not None:
        return refused
    event, lang = req.event, req.event.lang
    code = req.payload.code
    request = req.loaded.topup
    assert request is not None
    flow = c.topup_flow(req.session)
    shot = flow.screenshot if flow.topup_id == code else None
    new_flow = TopupFlow(step=step_after("details", "paid"), resume=flow.resume)
    buttons: list[tuple[Button, ...]] = [(Button(t(lang, "balance.button"), data=OpenBalance().data()),)]
    if flow.resume is not None:
        buttons.insert(0, (Button(c.resume_label(lang, flow.resume), data=c.resume_data(flow.resume)),))
    buttons.append(c.menu_row(lang))
    screen = Screen(
        text=t(lang, "money.sent", code=code, amount=c.rub(request.amount_kopecks)), buttons=tuple(buttons)
    )
    outcome = show(event, req.session.at(c.PLACE, new_flow), screen)
    alerts = admin_alerts(req, request, shot)
    return Outcome(
        session=outcome.session,
        actions=outcome.actions + alerts,
        effects=(SubmitTopup(code, shot.file_id if shot else None),),
    )


def admin_request_text(lang: str, request: TopupView, username: str | None) -> str:
    return t(
        lang,
        "admin.topup_request",
        who=html.escape(c.who(request.user_id, username)),
        amount=c.rub(request.amount_kopecks),
        code=request.id,
        at=c.when(request.created_at),
    )


def admin_decision_buttons(request_id: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t("ru", "admin.approve"), data=DecideApprove(request_id).data()),
            Button(t("ru", "admin.reject"), data=DecideReject(request_id).data()),
        ),
    )


def admin_alerts(
    req: Request, request: TopupView, shot: Screenshot | None
) -> tuple[SendFile | SendScreen, ...]:
    """The request, as every admin sees it: the user, the amount, the code, the screenshot if any."""
    text = admin_request_text("ru", request, req.event.username)
    actions: list[SendFile | SendScreen] = []
    for admin_id in req.ctx.admin_ids:
        if shot:
            caption = t("ru", "admin.screenshot_caption", code=request.id)
            actions.append(SendFile(admin_id, shot.kind, shot.file_id, caption))
        screen = Screen(text=text, buttons=admin_decision_buttons(request.id))
        actions.append(SendScreen(admin_id, screen, control=False))
    return tuple(actions)


def on_cancel(req: Request) -> Outcome:
    refused = _refused(req, "cancel")
    if refused is not None:
        return refused
    event, lang = req.event, req.event.lang
    code = req.payload.code
    # The balance screen shows the request as gone right away (the effect commits with this reply).
    pending = tuple(p for p in req.loaded.pending if p.id != code)
    loaded = msgspec.structs.replace(req.loaded, pending=pending)
    outcome = show_balance(req, notice=t(lang, "money.cancelled", code=code), loaded=loaded)
    return Outcome(
        session=outcome.session, actions=outcome.actions, effects=(CancelTopup(code, event.user_id),)
    )


def on_message(req: Request) -> Outcome | None:
    """Typed text or a file while the user is in the top-up conversation."""
    flow = c.topup_flow(req.session)
    event = req.event
    if flow.step == "amount" and event.kind == "text":
        return on_amount_text(req)
    if flow.step == "amount":
        return open_amount(req, problem=t(event.lang, "money.amount_expected"))
    if flow.step == "details" and event.kind == "media":
        return on_screenshot(req, flow)
    if flow.step == "details" and flow.topup_id is not None:
        return _details_again(req, flow, note=t(event.lang, "money.details_hint"))
    return None
