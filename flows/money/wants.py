"""What an update needs loaded before the money flows decide (pure: reads only the update and the
session). The runtime (runtime/money.py) loads exactly this."""

from __future__ import annotations

from flows.ids import normalize_request_id
from flows.incoming import Incoming
from flows.money import admin
from flows.money import common as c
from flows.money.lookup import Want
from flows.results import CANCEL_PREFIX
from flows.session import Session

USER_COMMANDS = {"balance": Want(account=True), "history": Want(jobs=True)}


def wants(incoming: Incoming, session: Session) -> Want:
    kind = incoming.kind
    if kind in ("pre_checkout", "payment") and incoming.payment is not None:
        payment = incoming.payment
        return Want(order_id=payment.payload, charge_id=payment.charge_id)
    if kind == "command":
        if incoming.command == "admin" and incoming.is_admin:
            return Want(stats=True)
        return USER_COMMANDS.get(incoming.command or "", Want())
    if kind == "callback":
        return _for_callback(incoming, session, incoming.callback_data or "")
    if kind == "text" and incoming.is_admin and session.place == c.ADMIN_PLACE:
        return _for_admin_text(incoming, session)
    if kind == "text" and session.place == c.PLACE and (session.flow or {}).get("step") == "amount":
        return Want(account=True)  # a typed amount opens a request: the open ones are counted
    return Want()


def _for_callback(incoming: Incoming, session: Session, data: str) -> Want:
    if data == c.BALANCE:
        return Want(account=True)
    if data == c.HISTORY:
        return Want(jobs=True)
    if data.startswith(c.HISTORY_ITEM):
        return Want(job_id=data[len(c.HISTORY_ITEM) :])
    if data.startswith(CANCEL_PREFIX):
        return Want(job_id=data[len(CANCEL_PREFIX) :])
    if data.startswith(c.TOPUP_AMOUNT):
        return Want(account=True)  # opens a request: the open ones are counted
    for prefix in (c.TOPUP_PAID, c.TOPUP_CANCEL):
        if data.startswith(prefix):
            return Want(topup_id=data[len(prefix) :], account=True)
    if not incoming.is_admin:
        return Want()
    for prefix in (c.DECIDE_OK, c.DECIDE_NO, admin.TOPUP_CARD):
        if data.startswith(prefix):
            return Want(topup_id=data[len(prefix) :])
    if data.startswith(c.DECIDE_REASON):
        return Want(topup_id=data[len(c.DECIDE_REASON) :].rpartition(":")[0])
    if data == admin.HOME:
        return Want(stats=True)
    if data == admin.PENDING:
        return Want(pending=True)
    for prefix in (admin.USER_CARD, admin.BLOCK):
        if data.startswith(prefix):
            return Want(user_ref=data[len(prefix) :].partition(":")[0])
    if data.startswith(admin.ADJUST_OK):
        pending = (session.flow or {}).get("adjust") if session.place == c.ADMIN_PLACE else None
        return Want(user_ref=str(pending["user_id"])) if pending else Want()
    for prefix in (admin.JOB_REFUND, admin.JOB_CARD):
        if data.startswith(prefix):
            return Want(job_id=data[len(prefix) :])
    if data.startswith(admin.STARS_REFUND):
        return Want(order_id=data[len(admin.STARS_REFUND) :])
    return Want()


def _for_admin_text(incoming: Incoming, session: Session) -> Want:
    flow = session.flow or {}
    text = (incoming.text or "").strip()
    match flow.get("ask"):
        case "user":
            return Want(user_ref=text[:64])
        case "job":
            return Want(job_id=normalize_request_id(text))
        case "reject":
            return Want(topup_id=flow.get("topup"))
    return Want()
