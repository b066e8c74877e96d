"""Routes of the buttons under a job's messages: 🔁 Сделать ещё раз and ❌ while it is still queued."""

from __future__ import annotations

from flows.incoming import Incoming
from flows.jobs.lifecycle import may
from flows.jobs.model import CancelQueuedJob
from flows.menus.screens import main_menu, place_screen
from flows.outcome import Outcome, show
from flows.payloads.jobs import CancelQueued, Repeat
from flows.preload import Needs
from flows.results import cancelled_screen, repeat_unavailable_notice
from flows.routing.registry import Declaration, OnCallback, Request, Route
from flows.screens import AnswerCallback, EditScreen
from flows.session import Session
from flows.texts import t
from flows.wizard.flow import WizardFlow


def _job_needs(event: Incoming, payload, session: Session) -> Needs:
    return Needs(job_id=payload.request_id)


def _cancel_queued(req: Request) -> Outcome:
    """❌ on a progress message: cancel a job nothing was sent to Kie for yet, with its money back."""
    event, lang = req.event, req.event.lang
    job = req.loaded.job
    if job is None or job.user_id != event.user_id:
        screen = place_screen(req.session.place, lang, req.ctx)
        return show(event, req.session, screen, notice=t(lang, "stale.button"))
    if not may(job, "cancel") or event.message_id is None:
        answer = AnswerCallback(event.callback_id or "", text=t(lang, "job.not_cancellable"), alert=True)
        return Outcome(session=req.session, actions=(answer,))
    refunded = 0 if job.free else job.price_kopecks
    screen = cancelled_screen(lang, job.request_id, refunded)
    return Outcome(
        session=req.session,
        actions=(
            AnswerCallback(event.callback_id or ""),
            EditScreen(event.chat_id, event.message_id, screen),
        ),
        effects=(CancelQueuedJob(job.request_id, event.user_id),),
    )


def declarations(wizard: WizardFlow) -> tuple[Declaration, ...]:
    def repeat(req: Request) -> Outcome:
        """🔁 Сделать ещё раз: the same model's confirm step with the job's values."""
        job = req.loaded.job
        catalog = req.ctx.catalog
        entry = catalog.get(job.model_id) if job is not None and catalog is not None else None
        if job is None or job.user_id != req.event.user_id or entry is None or not entry.enabled:
            lang = req.event.lang
            notice = repeat_unavailable_notice(lang)
            screen = main_menu(lang, req.ctx, notice=notice)
            return show(req.event, req.session.at("menu"), screen, notice=notice)
        return wizard.open_review(req, entry, job.wizard_values, dict(job.files), job.parent_job_id)

    return (
        OnCallback(
            Repeat,
            Route("repeat", repeat, needs=_job_needs, target="wizard", label="🔁 the confirm step again"),
        ),
        OnCallback(CancelQueued, Route("cancel_queued", _cancel_queued, needs=_job_needs)),
    )
