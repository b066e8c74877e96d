"""The money section's routes: balance, history, top-ups by transfer and Stars, payments, the admin
panel, and what a blocked user gets. Each declares what it needs loaded (runtime/preload.py loads it,
locking the request or order it acts on)."""

from __future__ import annotations

from flows.ids import normalize_request_id
from flows.incoming import Incoming
from flows.money import balance, history, plan, stars, topup
from flows.money import common as c
from flows.money.admin import decisions, home, jobs, users
from flows.money.admin.common import state_of
from flows.money.charts import ADMIN
from flows.outcome import Outcome, show
from flows.payloads.money import (
    AdminAdjustConfirm,
    AdminBlock,
    AdminCredit,
    AdminDebit,
    AdminFindJob,
    AdminFindUser,
    AdminHome,
    AdminJob,
    AdminJobRefund,
    AdminPending,
    AdminStarsRefund,
    AdminTopup,
    AdminUser,
    DecideApprove,
    DecideReason,
    DecideReject,
    HistoryItem,
    OpenBalance,
    OpenHistory,
    StarsPack,
    StartTopup,
    TopupAmount,
    TopupCancel,
    TopupPaid,
    TopupResume,
    TopupStars,
)
from flows.preload import NOTHING, Needs
from flows.routing.registry import Declaration, OnCallback, OnCommand, OnEvent, OnMessage, Request, Route
from flows.screens import AnswerCallback, Screen, SendScreen
from flows.session import Session
from flows.states import AdminFlow, WizardSnapshot
from flows.texts import t
from flows.wizard.flow import WizardFlow


def _needs(**fields: object):
    constant = Needs(**fields)  # type: ignore[arg-type]
    return lambda event, payload, session: constant


def _payment_needs(event: Incoming, payload: object, session: Session) -> Needs:
    payment = event.payment
    if payment is None:
        return NOTHING
    # A pre-checkout of a plan's first period is refused while another plan renews: the plan is loaded.
    plan = event.kind == "pre_checkout"
    return Needs(order_id=payment.payload, charge_id=payment.charge_id, plan=plan)


def _topup_needs(event: Incoming, payload, session: Session) -> Needs:
    return Needs(topup_id=payload.code, account=True)


def _request_needs(event: Incoming, payload, session: Session) -> Needs:
    return Needs(topup_id=payload.code)


def _user_needs(event: Incoming, payload, session: Session) -> Needs:
    return Needs(user_ref=str(payload.user_id))


def _job_needs(event: Incoming, payload, session: Session) -> Needs:
    return Needs(job_id=payload.request_id)


def _adjust_needs(event: Incoming, payload, session: Session) -> Needs:
    flow = session.flow
    pending = flow.adjustment if session.place == c.ADMIN_PLACE and isinstance(flow, AdminFlow) else None
    return Needs(user_ref=str(pending.user_id)) if pending is not None else NOTHING


def _topup_input_needs(event: Incoming, payload, session: Session) -> Needs:
    # A typed amount opens a request: the open ones are counted.
    return Needs(account=True) if c.topup_flow(session).step == "amount" and event.kind == "text" else NOTHING


def _admin_text_needs(event: Incoming, payload, session: Session) -> Needs:
    flow = c.admin_flow(session)
    text = (event.text or "").strip()
    match flow.ask:
        case "user":
            return Needs(user_ref=text[:64])
        case "job":
            return Needs(job_id=normalize_request_id(text))
        case "reject":
            return Needs(topup_id=flow.topup_id)
    return NOTHING


def _blocked(req: Request) -> Outcome:
    event, lang = req.event, req.event.lang
    text = t(lang, "money.blocked_notice", contact=req.ctx.support_telegram)
    actions = []
    if event.callback_id:
        actions.append(AnswerCallback(event.callback_id, text=t(lang, "money.blocked"), alert=True))
    if event.kind in ("command", "text", "media", "other", "callback"):
        actions.append(SendScreen(event.chat_id, Screen(text=text), control=False))
    return Outcome(session=req.session, actions=tuple(actions))


def _paysupport(req: Request) -> Outcome:
    lang = req.event.lang
    refund = plan.refund_row(lang, req.loaded.plan, req.event.now, req.ctx)
    return show(req.event, req.session.at("support"), stars.paysupport_screen(lang, req.ctx, refund))


def _admin_text(req: Request) -> Outcome | None:
    """What the admin typed, answering the panel's question (a state of the admin chart that takes text)."""
    flow = c.admin_flow(req.session)
    if req.event.kind != "text" or not ADMIN.allows(state_of(flow), "typed"):
        return None
    match flow.ask:
        case "user":
            return users.user_card(req)
        case "job":
            if normalize_request_id(req.event.text or "") is None:
                return users.ask(req, "job", problem=t("ru", "admin.job_bad_id"))
            return jobs.job_card(req)
        case "reject":
            return decisions.reject_with_text(req)
        case "adjust":
            return users.on_adjust_text(req, flow)
    return None


def declarations(wizard: WizardFlow) -> tuple[Declaration, ...]:
    def resume(req: Request) -> Outcome:
        """Back to the confirm step the user left for a top-up, with everything they had entered."""
        snap = c.resume_of(req.session)
        if not isinstance(snap, WizardSnapshot):  # a dialog's way back is its own button (ChatResume)
            snap = None
        catalog = req.ctx.catalog
        entry = catalog.get(snap.model_id) if snap is not None and catalog is not None else None
        if snap is None or entry is None or not entry.enabled:
            return balance.show_balance(req)
        return wizard.open_review(req, entry, snap.values, snap.files)

    open_balance = Route("open_balance", balance.show_balance, needs=_needs(account=True), target="balance")
    open_history = Route("open_history", history.open_history, needs=_needs(jobs=True), target="generations")
    start_topup = Route("start_topup", topup.open_amount, target="money", label="💳 Пополнить, /topup")
    admin_home = Route(
        "admin_home", home.open_home, needs=_needs(stats=True), target="admin", admin_only=True
    )
    return (
        OnCommand(("balance",), open_balance),
        OnCallback(OpenBalance, open_balance),
        OnCommand(("history",), open_history),
        OnCallback(OpenHistory, open_history),
        OnCallback(
            HistoryItem, Route("history_item", history.open_item, needs=_job_needs, target="generations")
        ),
        OnCommand(("topup",), start_topup),
        OnCallback(StartTopup, start_topup),
        # Opening a request counts the open ones (at most MAX_OPEN_TOPUPS), so the account is loaded.
        OnCallback(TopupAmount, Route("topup_amount", topup.on_preset, needs=_needs(account=True))),
        OnCallback(TopupPaid, Route("topup_paid", topup.on_paid, needs=_topup_needs)),
        OnCallback(TopupCancel, Route("topup_cancel", topup.on_cancel, needs=_topup_needs, target="balance")),
        OnCallback(TopupStars, Route("topup_stars", stars.open_packs)),
        OnCallback(StarsPack, Route("stars_pack", stars.on_pack)),
        OnCallback(
            TopupResume, Route("topup_resume", resume, target="wizard", label="back to the confirm step")
        ),
        OnMessage(c.PLACE, Route("topup_input", topup.on_message, needs=_topup_input_needs)),
        OnCommand(
            ("paysupport",), Route("paysupport", _paysupport, needs=_needs(plan=True), target="support")
        ),
        OnEvent(
            "pre_checkout",
            Route("pre_checkout", stars.on_pre_checkout, needs=_payment_needs, for_blocked=True),
        ),
        OnEvent("payment", Route("payment", stars.on_payment, needs=_payment_needs, for_blocked=True)),
        OnEvent("blocked", Route("blocked", _blocked)),
        # --- the admin panel ---
        OnCommand(("admin",), admin_home),
        OnCallback(AdminHome, admin_home),
        OnCallback(
            AdminPending,
            Route("admin_pending", home.open_pending, needs=_needs(pending=True), admin_only=True),
        ),
        OnCallback(
            AdminFindUser,
            Route("admin_find_user", lambda req: users.ask(req, "user"), admin_only=True),
        ),
        OnCallback(AdminFindJob, Route("admin_find_job", lambda req: users.ask(req, "job"), admin_only=True)),
        OnCallback(
            AdminTopup,
            Route("admin_topup", decisions.topup_card, needs=_request_needs, admin_only=True),
        ),
        OnCallback(
            DecideApprove,
            Route("decide_approve", decisions.approve, needs=_request_needs, admin_only=True),
        ),
        OnCallback(
            DecideReject,
            Route("decide_reject", decisions.ask_reason, needs=_request_needs, admin_only=True),
        ),
        OnCallback(
            DecideReason,
            Route("decide_reason", decisions.reject_with_preset, needs=_request_needs, admin_only=True),
        ),
        OnCallback(AdminUser, Route("admin_user", users.user_card, needs=_user_needs, admin_only=True)),
        OnCallback(AdminBlock, Route("admin_block", users.set_blocked, needs=_user_needs, admin_only=True)),
        OnCallback(AdminCredit, Route("admin_credit", users.ask_credit, admin_only=True)),
        OnCallback(AdminDebit, Route("admin_debit", users.ask_debit, admin_only=True)),
        OnCallback(
            AdminAdjustConfirm,
            Route("admin_adjust", users.adjust, needs=_adjust_needs, admin_only=True),
        ),
        OnCallback(AdminJob, Route("admin_job", jobs.job_card, needs=_job_needs, admin_only=True)),
        OnCallback(
            AdminJobRefund,
            Route("admin_job_refund", jobs.refund_job, needs=_job_needs, admin_only=True),
        ),
        OnCallback(
            AdminStarsRefund,
            Route(
                "admin_stars_refund",
                users.refund_stars,
                needs=lambda event, payload, session: Needs(order_id=payload.order),
            ),
        ),
        OnMessage(c.ADMIN_PLACE, Route("admin_input", _admin_text, needs=_admin_text_needs, admin_only=True)),
    )
