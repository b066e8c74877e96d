"""A job in the panel: its state, task, error and hold, and a refund (once per job)."""

from __future__ import annotations

import html

import msgspec

from flows.catalog.human import model_title
from flows.jobs.model import Job
from flows.money import common as c
from flows.money.admin.common import LANG, home_row, panel
from flows.money.admin.users import ask
from flows.money.effects import RefundJob
from flows.outcome import Outcome, show
from flows.payloads.money import AdminJobRefund, AdminUser
from flows.routing.registry import Request
from flows.screens import Button, Screen
from flows.texts import t


def _refundable(job: Job) -> bool:
    return not job.refunded and job.price_kopecks > 0 and job.hold_status in ("held", "captured")


def job_screen(job: Job, *, notice: str | None = None) -> Screen:
    lines = [notice, ""] if notice else []
    lines.append(
        t(
            LANG,
            "admin.job",
            request_id=job.request_id,
            user_id=job.user_id,
            model=html.escape(f"{model_title(job.model_id, LANG)} ({job.model_id})"),
            state=job.state,
            price=c.rub(job.price_kopecks) if not job.free else t(LANG, "history.free"),
            task=html.escape(job.kie_task_id or "—"),
            error=html.escape(" ".join(x for x in (job.failure_code, job.failure_message) if x) or "—"),
            hold=job.hold_status or "—",
            at=c.when(job.created_at),
        )
    )
    if job.parent_job_id:
        # A follow-up action (➕ Продлить, 🖥 1080p…) on the result of this job.
        lines.append(t(LANG, "follow.history.from", parent=job.parent_job_id))
    if job.refunded:
        key = "admin.job_refunded_auto" if job.refund_how == "undeliverable" else "admin.job_refunded"
        lines.append(t(LANG, key))
    buttons: list[tuple[Button, ...]] = []
    if _refundable(job):
        label = t(LANG, "admin.job_refund", amount=c.rub(job.price_kopecks))
        buttons.append((Button(label, data=AdminJobRefund(job.request_id).data()),))
    buttons.append((Button(t(LANG, "admin.user_button"), data=AdminUser(job.user_id).data()),))
    buttons.append(home_row())
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


def job_card(req: Request) -> Outcome:
    job = req.loaded.job
    if job is None:
        return ask(req, "job", problem=t(LANG, "admin.job_not_found"))
    return show(req.event, panel(req.session), job_screen(job))


def refund_job(req: Request) -> Outcome:
    job = req.loaded.job
    if job is None:
        return job_card(req)
    if not _refundable(job):
        return show(
            req.event, panel(req.session), job_screen(job, notice=t(LANG, "admin.job_not_refundable"))
        )
    how = "released" if job.hold_status == "held" else "credited"
    shown = msgspec.structs.replace(
        job, refund_how=how, hold_status="released" if how == "released" else job.hold_status
    )
    notice = t(LANG, "admin.job_refund_done", amount=c.rub(job.price_kopecks))
    outcome = show(req.event, panel(req.session), job_screen(shown, notice=notice))
    effect = RefundJob(job.request_id, job.user_id, req.event.user_id, job.price_kopecks, how)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))
