"""/admin (ADMIN_ID only): stats, waiting top-ups (approve/reject), a user (balance, operations,
block, credit/debit, Stars refund) and a job (state, refund). Every change is an effect that writes
an audit row; every button carries the id it acts on, so a repeat is recognised and applied once."""

from __future__ import annotations

import html
import secrets

import msgspec

from flows.catalog.human import model_title
from flows.context import FlowContext
from flows.ids import normalize_request_id
from flows.incoming import Incoming
from flows.money import common as c
from flows.money.balance import operation_line
from flows.money.effects import (
    AdjustBalance,
    ApproveTopup,
    RefundJob,
    RefundStarsOrder,
    RejectTopup,
    SetBlocked,
)
from flows.money.lookup import JobView, TopupView, UserView
from flows.money.topup import admin_decision_buttons, admin_request_text
from flows.numbers import ascii_uint
from flows.outcome import Effect, Outcome, show
from flows.screens import Action, AnswerCallback, Button, EditScreen, RefundStarPayment, Screen, SendScreen
from flows.session import Session
from flows.texts import t

HOME = "adm:home"
PENDING = "adm:pend"
FIND_USER = "adm:fu"
FIND_JOB = "adm:fj"
TOPUP_CARD = "adm:t:"  # + T-id
USER_CARD = "adm:u:"  # + user id
BLOCK = "adm:b:"  # + user id + ":1" (block) / ":0" (unblock)
CREDIT = "adm:cr:"  # + user id
DEBIT = "adm:db:"  # + user id
ADJUST_OK = "adm:adj:"  # + one-time key
JOB_CARD = "adm:j:"  # + R-id
JOB_REFUND = "adm:jr:"  # + R-id
STARS_REFUND = "adm:sr:"  # + S-id

REASONS = ("not_found", "wrong_amount", "no_code", "duplicate")
MAX_REASON = 300
MAX_ADJUST = 100_000_00


def _lang() -> str:
    return "ru"  # the operator's language


def _home_row() -> tuple[Button, ...]:
    return (Button(t(_lang(), "admin.home"), data=HOME),)


# --- panel -------------------------------------------------------------------------------------------


def home_screen(incoming: Incoming, *, notice: str | None = None) -> Screen:
    lang = _lang()
    stats = c.lookup_of(incoming).stats
    lines = [notice, ""] if notice else []
    lines.append(t(lang, "admin.title"))
    if stats is not None:
        jobs = ", ".join(f"{k}: {v}" for k, v in sorted(stats.jobs_today.items())) or "0"
        kie = f"{stats.kie_credits:g}" if stats.kie_credits is not None else "—"
        lines.append(
            t(
                lang,
                "admin.stats",
                users=stats.users,
                active=stats.active_today,
                jobs=jobs,
                revenue_today=c.rub(stats.revenue_today),
                revenue_30d=c.rub(stats.revenue_30d),
                holds=stats.open_holds,
                holds_sum=c.rub(stats.open_holds_kopecks),
                kie=kie,
            )
        )
    pending = stats.pending_topups if stats is not None else len(c.lookup_of(incoming).pending)
    return Screen(
        text="\n".join(lines),
        buttons=(
            (Button(t(lang, "admin.pending_button", count=pending), data=PENDING),),
            (
                Button(t(lang, "admin.find_user"), data=FIND_USER),
                Button(t(lang, "admin.find_job"), data=FIND_JOB),
            ),
            c.menu_row(lang),
        ),
    )


def open_home(incoming: Incoming, session: Session, *, notice: str | None = None) -> Outcome:
    return show(incoming, c.at(session, c.ADMIN_PLACE, {}), home_screen(incoming, notice=notice))


def pending_screen(incoming: Incoming) -> Screen:
    lang = _lang()
    pending = c.lookup_of(incoming).pending
    if not pending:
        return Screen(text=t(lang, "admin.pending_empty"), buttons=(_home_row(),))
    lines = [t(lang, "admin.pending_title")]
    buttons = []
    for request in pending[:20]:
        lines.append(
            t(
                lang,
                "admin.pending_line",
                code=request.id,
                amount=c.rub(request.amount_kopecks),
                who=html.escape(c.who(request.user_id, request.username)),
                status=c.status_text(lang, request.status),
                at=c.when(request.created_at),
            )
        )
        buttons.append(
            (Button(f"{request.id} · {c.rub(request.amount_kopecks)}", data=TOPUP_CARD + request.id),)
        )
    buttons.append(_home_row())
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


# --- top-up decisions ---------------------------------------------------------------------------------


def _edit_or_show(incoming: Incoming, session: Session, screen: Screen, notice: str | None = None) -> Outcome:
    """Change the message the admin tapped (a request message is not the control message)."""
    if incoming.kind == "callback" and incoming.message_id is not None:
        actions: list[Action] = []
        if incoming.callback_id:
            actions.append(AnswerCallback(incoming.callback_id, text=notice))
        actions.append(EditScreen(incoming.chat_id, incoming.message_id, screen))
        return Outcome(session=session, actions=tuple(actions))
    return show(incoming, session, screen, notice=notice)


def _handled_text(request: TopupView) -> str:
    lang = _lang()
    if request.status in ("approved", "rejected"):
        by = html.escape(c.who(request.decided_by or 0, request.decided_by_name))
        key = "admin.already_approved" if request.status == "approved" else "admin.already_rejected"
        return t(lang, key, code=request.id, by=by, reason=html.escape(request.reason or ""))
    return t(lang, "admin.not_decidable", code=request.id, status=c.status_text(lang, request.status))


def _decidable(request: TopupView | None) -> bool:
    return request is not None and request.status in ("open", "submitted")


def topup_card(incoming: Incoming, session: Session) -> Outcome:
    request = c.lookup_of(incoming).topup
    if request is None:
        return _edit_or_show(
            incoming, session, Screen(text=t(_lang(), "admin.unknown_topup"), buttons=(_home_row(),))
        )
    text = admin_request_text(_lang(), request, request.username)
    if not _decidable(request):
        text += "\n\n" + _handled_text(request)
        return show(incoming, session, Screen(text=text, buttons=(_home_row(),)))
    buttons = (*admin_decision_buttons(request.id), (Button(t(_lang(), "nav.back"), data=PENDING),))
    return show(incoming, session, Screen(text=text, buttons=buttons))


def approve(incoming: Incoming, session: Session) -> Outcome:
    lang = _lang()
    request = c.lookup_of(incoming).topup
    if request is None:
        return _edit_or_show(incoming, session, Screen(text=t(lang, "admin.unknown_topup")))
    if not _decidable(request):
        text = admin_request_text(lang, request, request.username) + "\n\n" + _handled_text(request)
        return _edit_or_show(incoming, session, Screen(text=text), notice=t(lang, "admin.already_notice"))
    me = html.escape(c.who(incoming.user_id, incoming.username))
    text = admin_request_text(lang, request, request.username) + "\n\n" + t(lang, "admin.approved_by", by=me)
    outcome = _edit_or_show(
        incoming, session, Screen(text=text, buttons=(_home_row(),)), notice=t(lang, "admin.done")
    )
    user_lang = request.user_lang
    note = Screen(
        text=t(user_lang, "money.credited", amount=c.rub(request.amount_kopecks), code=request.id),
        buttons=((Button(t(user_lang, "balance.button"), data=c.BALANCE),), c.menu_row(user_lang)),
    )
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, SendScreen(request.user_id, note, control=False)),
        effects=(ApproveTopup(request.id, incoming.user_id),),
    )


def ask_reason(incoming: Incoming, session: Session) -> Outcome:
    lang = _lang()
    request = c.lookup_of(incoming).topup
    if not _decidable(request):
        return approve(incoming, session)  # the same "unknown / already handled" answers
    assert request is not None
    text = admin_request_text(lang, request, request.username) + "\n\n" + t(lang, "admin.reason_prompt")
    buttons = [
        (Button(t(lang, f"admin.reason.{key}"), data=f"{c.DECIDE_REASON}{request.id}:{i}"),)
        for i, key in enumerate(REASONS)
    ]
    buttons.append((Button(t(lang, "nav.back"), data=TOPUP_CARD + request.id),))
    outcome = _edit_or_show(incoming, session, Screen(text=text, buttons=tuple(buttons)))
    return Outcome(
        session=c.at(session, c.ADMIN_PLACE, {"ask": "reject", "topup": request.id}), actions=outcome.actions
    )


def reject(incoming: Incoming, session: Session, reason_ru: str, reason_user: str | None = None) -> Outcome:
    lang = _lang()
    request = c.lookup_of(incoming).topup
    if not _decidable(request):
        return approve(incoming, session)
    assert request is not None
    me = html.escape(c.who(incoming.user_id, incoming.username))
    text = (
        admin_request_text(lang, request, request.username)
        + "\n\n"
        + t(lang, "admin.rejected_by", by=me, reason=html.escape(reason_ru))
    )
    outcome = _edit_or_show(
        incoming,
        c.at(session, c.ADMIN_PLACE, {}),
        Screen(text=text, buttons=(_home_row(),)),
        notice=t(lang, "admin.done"),
    )
    user_lang = request.user_lang
    note = Screen(
        text=t(
            user_lang,
            "money.rejected",
            code=request.id,
            amount=c.rub(request.amount_kopecks),
            reason=html.escape(reason_user or reason_ru),
        ),
        buttons=((Button(t(user_lang, "money.topup"), data=c.TOPUP),), c.menu_row(user_lang)),
    )
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, SendScreen(request.user_id, note, control=False)),
        effects=(RejectTopup(request.id, incoming.user_id, reason_ru),),
    )


def reject_with_preset(incoming: Incoming, session: Session, arg: str) -> Outcome:
    index = ascii_uint(arg.rpartition(":")[2])
    if index is None or index >= len(REASONS):
        return ask_reason(incoming, session)
    key = f"admin.reason.{REASONS[index]}"
    request = c.lookup_of(incoming).topup
    user_lang = request.user_lang if request is not None else "ru"
    return reject(incoming, session, t(_lang(), key), t(user_lang, key))


# --- users --------------------------------------------------------------------------------------------


def user_screen(user: UserView, *, notice: str | None = None) -> Screen:
    lang = _lang()
    lines = [notice, ""] if notice else []
    lines.append(
        t(
            lang,
            "admin.user",
            who=html.escape(c.who(user.id, user.username)),
            name=html.escape(user.first_name or "—"),
            available=c.rub(user.available_kopecks),
            held=c.rub(user.held_kopecks),
            state=t(lang, "admin.user_blocked" if user.blocked else "admin.user_active"),
        )
    )
    if user.operations:
        lines += ["", t(lang, "balance.operations_title")]
        lines += [operation_line(lang, op) for op in user.operations[:10]]
    buttons: list[tuple[Button, ...]] = [
        (
            Button(t(lang, "admin.credit"), data=f"{CREDIT}{user.id}"),
            Button(t(lang, "admin.debit"), data=f"{DEBIT}{user.id}"),
        ),
        (
            Button(t(lang, "admin.unblock"), data=f"{BLOCK}{user.id}:0")
            if user.blocked
            else Button(t(lang, "admin.block"), data=f"{BLOCK}{user.id}:1"),
        ),
    ]
    for order in user.stars_orders:
        if order.status == "paid":
            label = t(
                lang,
                "admin.stars_refund",
                code=order.id,
                stars=order.stars,
                amount=c.rub(order.amount_kopecks),
            )
            buttons.append((Button(label, data=STARS_REFUND + order.id),))
    buttons.append(_home_row())
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


def user_card(incoming: Incoming, session: Session, *, notice: str | None = None) -> Outcome:
    user = c.lookup_of(incoming).user
    if user is None:
        return ask(incoming, session, "user", problem=t(_lang(), "admin.user_not_found"))
    return show(incoming, c.at(session, c.ADMIN_PLACE, {}), user_screen(user, notice=notice))


def set_blocked(incoming: Incoming, session: Session, arg: str) -> Outcome:
    user = c.lookup_of(incoming).user
    blocked = arg.endswith(":1")
    if user is None:
        return user_card(incoming, session)
    if user.id in (incoming.user_id,) and blocked:
        return user_card(incoming, session, notice=t(_lang(), "admin.cannot_block_self"))

    shown = msgspec.structs.replace(user, blocked=blocked)
    notice = t(_lang(), "admin.blocked_done" if blocked else "admin.unblocked_done")
    outcome = show(incoming, c.at(session, c.ADMIN_PLACE, {}), user_screen(shown, notice=notice))
    effects: tuple[Effect, ...] = ()
    actions = outcome.actions
    if user.blocked != blocked:
        effects = (SetBlocked(user.id, blocked, incoming.user_id),)
    return Outcome(session=outcome.session, actions=actions, effects=effects)


def ask(
    incoming: Incoming, session: Session, what: str, *, problem: str | None = None, **extra: object
) -> Outcome:
    lang = _lang()
    text = t(lang, f"admin.ask_{what}", **extra)
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    back = f"{USER_CARD}{extra['user_id']}" if "user_id" in extra else HOME
    flow = {"ask": what, **{k: v for k, v in extra.items() if k == "user_id"}}
    if what in ("credit", "debit"):
        flow = {"ask": "adjust", "sign": 1 if what == "credit" else -1, "user_id": extra["user_id"]}
    return show(
        incoming,
        c.at(session, c.ADMIN_PLACE, flow),
        Screen(text=text, buttons=((Button(t(lang, "nav.back"), data=back),),)),
    )


def on_adjust_text(incoming: Incoming, session: Session) -> Outcome:
    lang = _lang()
    flow = dict(session.flow or {})
    user_id = int(flow["user_id"])
    what = "credit" if flow.get("sign", 1) > 0 else "debit"
    amount_text, _, reason = (incoming.text or "").strip().partition(" ")
    amount = c.parse_amount(amount_text)
    reason = reason.strip()[:MAX_REASON]
    if amount is None or not 0 < amount <= MAX_ADJUST or not reason:
        return ask(incoming, session, what, problem=t(lang, "admin.adjust_bad"), user_id=user_id)
    signed = amount * int(flow.get("sign", 1))
    key = f"adj:{incoming.user_id}:{secrets.token_hex(6)}"
    flow = {"ask": "confirm", "adjust": {"user_id": user_id, "amount": signed, "reason": reason, "key": key}}
    text = t(
        lang,
        f"admin.adjust_confirm_{what}",
        amount=c.rub(amount),
        user_id=user_id,
        reason=html.escape(reason),
    )
    buttons = (
        (
            Button(
                t(lang, "admin.approve") + " · " + c.signed_rub(signed),
                data=ADJUST_OK + key.rsplit(":", 1)[1],
            ),
        ),
        (Button(t(lang, "nav.cancel"), data=f"{USER_CARD}{user_id}"),),
    )
    return show(incoming, c.at(session, c.ADMIN_PLACE, flow), Screen(text=text, buttons=buttons))


def adjust(incoming: Incoming, session: Session, token: str) -> Outcome:
    lang = _lang()
    pending = (session.flow or {}).get("adjust") if session.place == c.ADMIN_PLACE else None
    if not pending or not str(pending.get("key", "")).endswith(":" + token):
        return open_home(incoming, session, notice=t(lang, "admin.adjust_stale"))
    user = c.lookup_of(incoming).user
    amount = int(pending["amount"])
    if user is None:
        return open_home(incoming, session, notice=t(lang, "admin.user_not_found"))
    if amount < 0 and user.available_kopecks < -amount:
        notice = t(lang, "admin.adjust_too_much", available=c.rub(user.available_kopecks))
        return show(incoming, c.at(session, c.ADMIN_PLACE, {}), user_screen(user, notice=notice))

    shown = msgspec.structs.replace(user, available_kopecks=user.available_kopecks + amount)
    notice = t(lang, "admin.adjust_done", amount=c.signed_rub(amount))
    outcome = show(incoming, c.at(session, c.ADMIN_PLACE, {}), user_screen(shown, notice=notice))
    effect = AdjustBalance(user.id, amount, str(pending["reason"]), incoming.user_id, str(pending["key"]))
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def refund_stars(incoming: Incoming, session: Session) -> Outcome:
    lang = _lang()
    lookup = c.lookup_of(incoming)
    order, user = lookup.order, lookup.user
    if order is None or user is None:
        return open_home(incoming, session, notice=t(lang, "admin.unknown_order"))
    if order.status != "paid" or not order.charge_id:
        return show(
            incoming,
            c.at(session, c.ADMIN_PLACE, {}),
            user_screen(user, notice=t(lang, "admin.order_not_paid", code=order.id)),
        )
    if user.available_kopecks < order.amount_kopecks:
        notice = t(
            lang,
            "admin.refund_spent",
            code=order.id,
            amount=c.rub(order.amount_kopecks),
            available=c.rub(user.available_kopecks),
        )
        return show(incoming, c.at(session, c.ADMIN_PLACE, {}), user_screen(user, notice=notice))

    shown = msgspec.structs.replace(
        user,
        available_kopecks=user.available_kopecks - order.amount_kopecks,
        stars_orders=tuple(o for o in user.stars_orders if o.id != order.id),
    )
    notice = t(lang, "admin.stars_refunded", code=order.id, stars=order.stars)
    outcome = show(incoming, c.at(session, c.ADMIN_PLACE, {}), user_screen(shown, notice=notice))
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, RefundStarPayment(order.user_id, order.charge_id)),
        effects=(RefundStarsOrder(order.id, incoming.user_id),),
    )


# --- jobs ---------------------------------------------------------------------------------------------


def _refundable(job: JobView) -> bool:
    return not job.refunded_by_admin and job.price_kopecks > 0 and job.hold_status in ("held", "captured")


def job_screen(job: JobView, *, notice: str | None = None) -> Screen:
    lang = _lang()

    lines = [notice, ""] if notice else []
    lines.append(
        t(
            lang,
            "admin.job",
            request_id=job.request_id,
            user_id=job.user_id,
            model=html.escape(f"{model_title(job.model_id, lang)} ({job.model_id})"),
            state=job.state,
            price=c.rub(job.price_kopecks) if not job.free else t(lang, "history.free"),
            task=html.escape(job.kie_task_id or "—"),
            error=html.escape(" ".join(x for x in (job.failure_code, job.failure_message) if x) or "—"),
            hold=job.hold_status or "—",
            at=c.when(job.created_at),
        )
    )
    if job.refunded_by_admin:
        key = "admin.job_refunded_auto" if job.refund_how == "undeliverable" else "admin.job_refunded"
        lines.append(t(lang, key))
    buttons: list[tuple[Button, ...]] = []
    if _refundable(job):
        buttons.append(
            (
                Button(
                    t(lang, "admin.job_refund", amount=c.rub(job.price_kopecks)),
                    data=JOB_REFUND + job.request_id,
                ),
            )
        )
    buttons.append((Button(t(lang, "admin.user_button"), data=f"{USER_CARD}{job.user_id}"),))
    buttons.append(_home_row())
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


def job_card(incoming: Incoming, session: Session) -> Outcome:
    job = c.lookup_of(incoming).job
    if job is None:
        return ask(incoming, session, "job", problem=t(_lang(), "admin.job_not_found"))
    return show(incoming, c.at(session, c.ADMIN_PLACE, {}), job_screen(job))


def refund_job(incoming: Incoming, session: Session) -> Outcome:
    lang = _lang()
    job = c.lookup_of(incoming).job
    if job is None:
        return job_card(incoming, session)
    if not _refundable(job):
        return show(
            incoming,
            c.at(session, c.ADMIN_PLACE, {}),
            job_screen(job, notice=t(lang, "admin.job_not_refundable")),
        )
    how = "released" if job.hold_status == "held" else "credited"

    shown = msgspec.structs.replace(
        job, refunded_by_admin=True, hold_status="released" if how == "released" else job.hold_status
    )
    notice = t(lang, "admin.job_refund_done", amount=c.rub(job.price_kopecks))
    outcome = show(incoming, c.at(session, c.ADMIN_PLACE, {}), job_screen(shown, notice=notice))
    effect = RefundJob(job.request_id, job.user_id, incoming.user_id, job.price_kopecks, how)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


# --- dispatch -----------------------------------------------------------------------------------------


def on_callback(incoming: Incoming, session: Session, ctx: FlowContext, data: str) -> Outcome | None:
    if data.startswith(c.DECIDE_OK):
        return approve(incoming, session)
    if data.startswith(c.DECIDE_NO):
        return ask_reason(incoming, session)
    if data.startswith(c.DECIDE_REASON):
        return reject_with_preset(incoming, session, data)
    if data == HOME:
        return open_home(incoming, session)
    if data == PENDING:
        return show(incoming, c.at(session, c.ADMIN_PLACE, {}), pending_screen(incoming))
    if data == FIND_USER:
        return ask(incoming, session, "user")
    if data == FIND_JOB:
        return ask(incoming, session, "job")
    if data.startswith(TOPUP_CARD):
        return topup_card(incoming, session)
    if data.startswith(USER_CARD):
        return user_card(incoming, session)
    if data.startswith(BLOCK):
        return set_blocked(incoming, session, data)
    for prefix, what in ((CREDIT, "credit"), (DEBIT, "debit")):
        user_id = ascii_uint(data[len(prefix) :]) if data.startswith(prefix) else None
        if user_id is not None:
            return ask(incoming, session, what, user_id=user_id)
    if data.startswith(ADJUST_OK):
        return adjust(incoming, session, data[len(ADJUST_OK) :])
    if data.startswith(JOB_REFUND):
        return refund_job(incoming, session)
    if data.startswith(JOB_CARD):
        return job_card(incoming, session)
    if data.startswith(STARS_REFUND):
        return refund_stars(incoming, session)
    return None


def on_text(incoming: Incoming, session: Session) -> Outcome | None:
    flow = session.flow or {}
    match flow.get("ask"):
        case "user":
            return user_card(incoming, session)
        case "job":
            if normalize_request_id(incoming.text or "") is None:
                return ask(incoming, session, "job", problem=t(_lang(), "admin.job_bad_id"))
            return job_card(incoming, session)
        case "reject":
            reason = (incoming.text or "").strip()[:MAX_REASON]
            if not reason:
                return None
            return reject(incoming, session, reason)
        case "adjust":
            return on_adjust_text(incoming, session)
    return None
