"""The route of a follow-up action's button (`fu:`): check the parent job is the user's and finished,
then open the action's wizard with what it takes from the parent filled in — hidden parent fields and
prefilled ones — and move through the steps already answered, as photo-first input does."""

from __future__ import annotations

from flows.files import FileRef, telegram_file_id
from flows.follow.screens import item_count, item_picker, offered
from flows.incoming import Incoming
from flows.jobs.model import JobState
from flows.outcome import Outcome, show
from flows.payloads.follow import FollowUpAction
from flows.preload import Needs
from flows.routing.registry import Declaration, OnCallback, Request, Route
from flows.screens import AnswerCallback
from flows.session import Session
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart
from flows.wizard.photo_first import advance
from flows.wizard.render import PLACE


def _needs(event: Incoming, payload: FollowUpAction, session: Session) -> Needs:
    return Needs(job_id=payload.request_id)


def _refuse(req: Request, key: str) -> Outcome:
    answer = AnswerCallback(req.event.callback_id or "", text=t(req.event.lang, key), alert=True)
    return Outcome(session=req.session, actions=(answer,))


def open_action(req: Request) -> Outcome:
    payload: FollowUpAction = req.payload
    parent = req.loaded.job
    # A forged or foreign request id is answered exactly like an unknown one: nothing about it leaks.
    if parent is None or parent.user_id != req.event.user_id:
        return _refuse(req, "follow.not_yours")
    if parent.state != JobState.SUCCEEDED or parent.refunded:
        return _refuse(req, "follow.unavailable")
    catalog = req.ctx.catalog
    item = payload.item or 0
    found = next(
        (o for o in offered(parent, catalog, req.ctx.policy, item) if o[0].action == payload.action), None
    )
    if found is None:
        return _refuse(req, "follow.unavailable")
    action, entry, values, _ = found
    kind = catalog.get(parent.model_id).supports.output
    if payload.item is None:
        count = item_count(action, entry, parent, catalog)
        if count > 1:
            # Several results (Suno makes two tracks): the user picks the one to work on first.
            return show(req.event, req.session, item_picker(req.event.lang, parent, action, kind, count))
    files: dict[str, FileRef] = {}
    for value in values.values():
        for item in value if isinstance(value, list) else [value]:
            file_id = telegram_file_id(item)
            if file_id is not None and kind in ("image", "video", "audio"):
                files[file_id] = FileRef(kind=kind)
    snap = WizardSnapshot(
        model_id=entry.id,
        schema_hash=req.ctx.book.entry_hash(entry),
        state=chart.CARD,
        values=values,
        files=files,
        version=req.session.seq + 1,
        parent=parent.request_id,
    )
    return advance(req, entry, snap)


DECLARATIONS: tuple[Declaration, ...] = (
    OnCallback(
        FollowUpAction,
        Route("follow_up", open_action, needs=_needs, target=PLACE, label="an action on a result"),
    ),
)
