"""The money section: balance, top-ups (transfer and Telegram Stars), history and the admin panel.

`handle` is called by the router before anything else: it answers blocked users, payments, its own
commands and buttons, and messages typed while the user is in a money screen; None for everything
else. Pure: the data it needs arrives in `incoming.lookup` (see wants.py and runtime/money.py).
"""

from __future__ import annotations

from flows.context import FlowContext
from flows.incoming import Incoming
from flows.money import admin, balance, history, stars, topup
from flows.money import common as c
from flows.money.effects import MONEY_EFFECTS, MoneyEffect
from flows.money.lookup import MoneyLookup, Want
from flows.money.wants import wants
from flows.outcome import Outcome, show
from flows.screens import AnswerCallback, AnswerPreCheckout, Screen, SendScreen
from flows.session import Session
from flows.texts import t
from flows.wizard import handlers as wizard
from flows.wizard.snapshot import snapshot_from_state

__all__ = ["MONEY_EFFECTS", "MoneyEffect", "MoneyLookup", "Want", "handle", "wants"]


def handle(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome | None:
    lookup = c.lookup_of(incoming)
    if incoming.kind == "payment":
        # Money has arrived: credit it even for a blocked user.
        return stars.on_payment(incoming, session, ctx)
    if incoming.kind == "pre_checkout":
        if lookup.blocked and not incoming.is_admin and incoming.payment and incoming.payment.query_id:
            answer = AnswerPreCheckout(
                incoming.payment.query_id, ok=False, error_message=t(incoming.lang, "money.blocked")
            )
            return Outcome(session=session, actions=(answer,))
        return stars.on_pre_checkout(incoming, session)
    if lookup.blocked and not incoming.is_admin:
        return _blocked(incoming, session, ctx)
    if incoming.kind == "command":
        return _command(incoming, session, ctx)
    if incoming.kind == "callback":
        return _callback(incoming, session, ctx, incoming.callback_data or "")
    if session.place == c.PLACE and incoming.kind in ("text", "media", "other"):
        return topup.on_message(incoming, session, ctx)
    if session.place == c.ADMIN_PLACE and incoming.is_admin and incoming.kind == "text":
        return admin.on_text(incoming, session)
    return None


def _blocked(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    text = t(lang, "money.blocked_notice", contact=ctx.support_telegram)
    actions = []
    if incoming.callback_id:
        actions.append(AnswerCallback(incoming.callback_id, text=t(lang, "money.blocked"), alert=True))
    if incoming.kind in ("command", "text", "media", "other", "callback"):
        actions.append(SendScreen(incoming.chat_id, Screen(text=text), control=False))
    return Outcome(session=session, actions=tuple(actions))


def _command(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome | None:
    match incoming.command:
        case "balance":
            return balance.show_balance(incoming, session)
        case "topup":
            return topup.open_amount(incoming, session)
        case "history":
            return history.open_history(incoming, session)
        case "paysupport":
            return show(incoming, c.at(session, "support"), stars.paysupport_screen(incoming.lang, ctx))
        case "admin" if incoming.is_admin:
            return admin.open_home(incoming, session)
    return None  # /admin for everyone else is an unknown command (the router says so)


def _callback(incoming: Incoming, session: Session, ctx: FlowContext, data: str) -> Outcome | None:
    if data == c.BALANCE:
        return balance.show_balance(incoming, session)
    if data == c.HISTORY:
        return history.open_history(incoming, session)
    if data.startswith(c.HISTORY_ITEM):
        return history.open_item(incoming, session, ctx, data[len(c.HISTORY_ITEM) :])
    if data == c.TOPUP:
        return topup.open_amount(incoming, session)
    if data.startswith(c.TOPUP_AMOUNT):
        return topup.on_preset(incoming, session, ctx, data[len(c.TOPUP_AMOUNT) :])
    if data.startswith(c.TOPUP_PAID):
        return topup.on_paid(incoming, session, ctx, data[len(c.TOPUP_PAID) :])
    if data.startswith(c.TOPUP_CANCEL):
        return topup.on_cancel(incoming, session, data[len(c.TOPUP_CANCEL) :])
    if data == c.TOPUP_STARS:
        return stars.open_packs(incoming, session, ctx)
    if data.startswith(c.STARS_PACK):
        return stars.on_pack(incoming, session, ctx, data[len(c.STARS_PACK) :])
    if data == c.TOPUP_RESUME:
        return _resume(incoming, session, ctx)
    if incoming.is_admin and (data.startswith(c.ADMIN) or data.startswith("tp:")):
        return admin.on_callback(incoming, session, ctx, data)
    return None


def _resume(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    """Back to the confirm step the user left for a top-up, with everything they had entered."""
    resume = c.resume_of(session)
    snap = snapshot_from_state(resume.get("flow")) if resume else None
    entry = ctx.catalog.get(snap.model_id) if snap is not None and ctx.catalog is not None else None
    if snap is None or entry is None or not entry.enabled:
        return balance.show_balance(incoming, session)
    restored = Session(
        place=wizard.PLACE,
        control_message_id=session.control_message_id,
        flow=resume["flow"],
        seq=session.seq,
    )
    return wizard.open_review(incoming, restored, ctx, entry, snap.values, snap.files)
