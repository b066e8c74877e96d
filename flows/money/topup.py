"""💳 Пополнить by bank transfer: amount → transfer details with a payment code → «Я оплатил» (a
screenshot may be attached) → every admin gets the request. Only an admin's tap credits money."""

from __future__ import annotations

import html

import msgspec

from flows.context import FlowContext
from flows.incoming import Incoming, MediaInput
from flows.money import common as c
from flows.money.balance import show_balance
from flows.money.effects import CancelTopup, CreateTopup, SubmitTopup
from flows.money.lookup import TopupView
from flows.numbers import ascii_uint
from flows.outcome import Outcome, show
from flows.screens import Button, Screen, SendFile, SendScreen
from flows.session import Session
from flows.texts import t

RECEIPT_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"})
AMOUNT_STEP = "amount"
DETAILS_STEP = "details"
SENT_STEP = "sent"


def amount_screen(lang: str, *, problem: str | None = None, resume: bool = False) -> Screen:
    text = t(lang, "money.amount_title", min=c.rub(c.MIN_TOPUP), max=c.rub(c.MAX_TOPUP))
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    presets = tuple(Button(c.rub(r * 100), data=f"{c.TOPUP_AMOUNT}{r * 100}") for r in c.PRESETS_RUB)
    back = c.TOPUP_RESUME if resume else c.BALANCE
    return Screen(
        text=text,
        buttons=(
            presets[:2],
            presets[2:],
            (Button(t(lang, "stars.option"), data=c.TOPUP_STARS),),
            c.back_row(lang, back),
        ),
    )


def open_amount(incoming: Incoming, session: Session, *, problem: str | None = None) -> Outcome:
    resume = c.resume_of(session)
    flow = {"step": AMOUNT_STEP, **({"resume": resume} if resume else {})}
    screen = amount_screen(incoming.lang, problem=problem, resume=resume is not None)
    return show(incoming, c.at(session, c.PLACE, flow), screen)


def on_amount_text(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    amount = c.parse_amount(incoming.text or "")
    if amount is None:
        problem = t(lang, "money.amount_not_number", text=html.escape((incoming.text or "")[:40]))
    elif not c.MIN_TOPUP <= amount <= c.MAX_TOPUP:
        problem = t(lang, "money.amount_out_of_range", min=c.rub(c.MIN_TOPUP), max=c.rub(c.MAX_TOPUP))
    else:
        return create(incoming, session, ctx, amount)
    return open_amount(incoming, session, problem=problem)


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
            (Button(t(lang, "money.paid"), data=c.TOPUP_PAID + code),),
            (Button(t(lang, "money.cancel_request"), data=c.TOPUP_CANCEL + code),),
            c.back_row(lang, c.TOPUP),
        ),
    )


def create(incoming: Incoming, session: Session, ctx: FlowContext, amount: int) -> Outcome:
    open_requests = [p for p in c.lookup_of(incoming).pending if p.status in ("open", "submitted")]
    if len(open_requests) >= c.MAX_OPEN_TOPUPS:
        # The balance screen lists the open ones, each with its cancel button.
        notice = t(incoming.lang, "money.too_many_open", count=len(open_requests))
        return show_balance(incoming, session, notice=notice)
    code = c.new_code("T")
    flow = {**c.money_flow(session), "step": DETAILS_STEP, "topup": code, "amount": amount}
    flow.pop("shot", None)
    outcome = show(incoming, c.at(session, c.PLACE, flow), details_screen(incoming.lang, ctx, code, amount))
    effect = CreateTopup(code, incoming.user_id, amount)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def on_preset(incoming: Incoming, session: Session, ctx: FlowContext, arg: str) -> Outcome:
    amount = ascii_uint(arg) or 0
    if not c.MIN_TOPUP <= amount <= c.MAX_TOPUP:
        return open_amount(incoming, session)
    return create(incoming, session, ctx, amount)


def on_screenshot(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    flow = c.money_flow(session)
    lang = incoming.lang
    media = incoming.media
    if media is None or not is_receipt(media):
        note = t(lang, "money.screenshot_wrong")
        screen = details_screen(lang, ctx, flow["topup"], flow["amount"], note=note, shot="shot" in flow)
        return show(incoming, session, screen)
    flow["shot"] = {"file_id": media.file_id, "kind": media.kind}
    screen = details_screen(lang, ctx, flow["topup"], flow["amount"], shot=True)
    return show(incoming, c.at(session, c.PLACE, flow), screen)


def is_receipt(media: MediaInput) -> bool:
    """A payment proof an admin can look at: a photo, a picture sent as a file, or a PDF receipt."""
    if media.kind == "photo":
        return True
    mime = (media.mime_type or "").lower()
    return media.kind == "document" and mime in RECEIPT_MIME_TYPES


def on_paid(incoming: Incoming, session: Session, ctx: FlowContext, code: str) -> Outcome:
    lang = incoming.lang
    request = c.lookup_of(incoming).topup
    if request is None or request.user_id != incoming.user_id:
        return show_balance(incoming, session, notice=t(lang, "money.request_unknown"))
    if request.status != "open":
        notice = t(lang, "money.request_not_open", code=code, status=c.status_text(lang, request.status))
        return show_balance(incoming, session, notice=notice)
    flow = c.money_flow(session)
    shot = flow.get("shot") if flow.get("topup") == code else None
    resume = flow.get("resume")
    new_flow = {"step": SENT_STEP, **({"resume": resume} if resume else {})}
    buttons: list[tuple[Button, ...]] = [(Button(t(lang, "balance.button"), data=c.BALANCE),)]
    if resume:
        buttons.insert(0, (Button(t(lang, "money.resume"), data=c.TOPUP_RESUME),))
    buttons.append(c.menu_row(lang))
    screen = Screen(
        text=t(lang, "money.sent", code=code, amount=c.rub(request.amount_kopecks)), buttons=tuple(buttons)
    )
    outcome = show(incoming, c.at(session, c.PLACE, new_flow), screen)
    shot_id = shot["file_id"] if shot else None
    alerts = admin_alerts(incoming, ctx, request, shot)
    return Outcome(
        session=outcome.session,
        actions=outcome.actions + alerts,
        effects=(SubmitTopup(code, shot_id),),
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
            Button(t("ru", "admin.approve"), data=c.DECIDE_OK + request_id),
            Button(t("ru", "admin.reject"), data=c.DECIDE_NO + request_id),
        ),
    )


def admin_alerts(
    incoming: Incoming, ctx: FlowContext, request: TopupView, shot: dict | None
) -> tuple[SendFile | SendScreen, ...]:
    """The request, as every admin sees it: the user, the amount, the code, the screenshot if any."""
    text = admin_request_text("ru", request, incoming.username)
    actions: list[SendFile | SendScreen] = []
    for admin_id in ctx.admin_ids:
        if shot:
            caption = t("ru", "admin.screenshot_caption", code=request.id)
            actions.append(
                SendFile(
                    admin_id, "photo" if shot["kind"] == "photo" else "document", shot["file_id"], caption
                )
            )
        screen = Screen(text=text, buttons=admin_decision_buttons(request.id))
        actions.append(SendScreen(admin_id, screen, control=False))
    return tuple(actions)


def on_cancel(incoming: Incoming, session: Session, code: str) -> Outcome:
    lang = incoming.lang
    request = c.lookup_of(incoming).topup
    if request is None or request.user_id != incoming.user_id:
        return show_balance(incoming, session, notice=t(lang, "money.request_unknown"))
    if request.status not in ("open", "submitted"):
        notice = t(lang, "money.request_not_open", code=code, status=c.status_text(lang, request.status))
        return show_balance(incoming, session, notice=notice)
    lookup = c.lookup_of(incoming)
    # The balance screen shows the request as gone right away (the effect commits with this reply).
    pending = tuple(p for p in lookup.pending if p.id != code)
    incoming = msgspec.structs.replace(incoming, lookup=msgspec.structs.replace(lookup, pending=pending))
    outcome = show_balance(incoming, session, notice=t(lang, "money.cancelled", code=code))
    return Outcome(
        session=outcome.session, actions=outcome.actions, effects=(CancelTopup(code, incoming.user_id),)
    )


def on_message(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome | None:
    """Typed text or a file while the user is in the top-up flow."""
    flow = c.money_flow(session)
    step = flow.get("step")
    if step == AMOUNT_STEP and incoming.kind == "text":
        return on_amount_text(incoming, session, ctx)
    if step == AMOUNT_STEP:
        return open_amount(incoming, session, problem=t(incoming.lang, "money.amount_expected"))
    if step == DETAILS_STEP and incoming.kind == "media":
        return on_screenshot(incoming, session, ctx)
    if step == DETAILS_STEP:
        note = t(incoming.lang, "money.details_hint")
        screen = details_screen(
            incoming.lang, ctx, flow["topup"], flow["amount"], note=note, shot="shot" in flow
        )
        return show(incoming, session, screen)
    return None
