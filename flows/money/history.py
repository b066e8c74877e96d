"""🗂 История: the user's recent generations; open one to get its result again (by the stored
Telegram file_ids) or repeat it (🔁, a route of flows/results_routes.py)."""

from __future__ import annotations

import html

from flows.catalog.human import model_title
from flows.follow.screens import action_rows
from flows.jobs.model import Job, JobState
from flows.money import common as c
from flows.outcome import Outcome, show
from flows.payloads.money import HistoryItem, OpenBalance, OpenHistory
from flows.results import repeat_data
from flows.routing.registry import Request
from flows.screens import AnswerCallback, Button, EditScreen, MediaKind, Screen, SendFile, SendScreen
from flows.texts import t

MAX_JOBS = 10
PLACE = "generations"
_KIND_FOR_OUTPUT: dict[str, MediaKind] = {"image": "photo", "video": "video", "audio": "audio"}
STATE_ICON = {
    JobState.SUCCEEDED: "✅",
    JobState.FAILED: "❌",
    JobState.TIMED_OUT: "⌛",
    JobState.QUEUED: "⏳",
    JobState.SUBMITTING: "⏳",
    JobState.RUNNING: "⏳",
}


def price_text(lang: str, job: Job) -> str:
    return t(lang, "history.free") if job.free or not job.price_kopecks else c.rub(job.price_kopecks)


def job_line(lang: str, job: Job) -> str:
    line = _line(lang, job)
    if job.parent_job_id:
        line += " " + t(lang, "follow.history.from", parent=job.parent_job_id)
    return line


def _line(lang: str, job: Job) -> str:
    return t(
        lang,
        "history.line",
        icon=STATE_ICON.get(job.state, "•"),
        request_id=job.request_id,
        title=html.escape(model_title(job.model_id, lang)),
        price=price_text(lang, job),
        status=t(lang, f"history.state.{job.state}"),
        at=c.when(job.created_at),
    )


def history_screen(lang: str, jobs: tuple[Job, ...]) -> Screen:
    jobs = jobs[:MAX_JOBS]
    if not jobs:
        return Screen(
            text=t(lang, "history.empty"), buttons=(c.back_row(lang, OpenBalance().data()), c.menu_row(lang))
        )
    lines = [t(lang, "history.title"), ""] + [job_line(lang, job) for job in jobs]
    buttons = [
        tuple(
            Button(
                f"{STATE_ICON.get(job.state, '•')} {job.request_id}", data=HistoryItem(job.request_id).data()
            )
            for job in jobs[i : i + 2]
        )
        for i in range(0, len(jobs), 2)
    ]
    buttons.append(c.menu_row(lang))
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


def open_history(req: Request) -> Outcome:
    return show(req.event, req.session.at(PLACE), history_screen(req.event.lang, req.loaded.jobs))


def open_item(req: Request) -> Outcome:
    event, lang = req.event, req.event.lang
    job = req.loaded.job
    if job is None or job.user_id != event.user_id:
        screen = Screen(text=t(lang, "history.unknown"), buttons=(c.back_row(lang, OpenHistory().data()),))
        return show(event, req.session, screen)
    lines = [job_line(lang, job)]
    files: list[SendFile] = []
    if job.state == JobState.SUCCEEDED:
        entry = req.ctx.catalog.get(job.model_id) if req.ctx.catalog is not None else None
        kind = _KIND_FOR_OUTPUT.get(entry.supports.output, "document") if entry is not None else "document"
        files = [SendFile(event.chat_id, kind, file_id) for file_id in job.result_file_ids or ()]
        lines.append(t(lang, "history.result_below" if files else "history.result_gone"))
    elif job.state in (JobState.FAILED, JobState.TIMED_OUT):
        lines.append(t(lang, "history.failed_note"))
    else:
        lines.append(t(lang, "history.running_note"))
    rows = [(Button(t(lang, "job.repeat"), data=repeat_data(job.request_id)),)]
    if job.state == JobState.SUCCEEDED and files and not job.refunded:
        # An old result can be followed up too (➕ Продлить, 🔍 Улучшить…), at today's prices.
        rows += action_rows(lang, job, req.ctx.catalog, req.ctx.policy)
    if job.parent_job_id:
        label = t(lang, "follow.history.open_parent", parent=job.parent_job_id)
        rows.append((Button(label, data=HistoryItem(job.parent_job_id).data()),))
    screen = Screen(text="\n".join(lines), buttons=(*rows, c.back_row(lang, OpenHistory().data())))
    # The files first, then the screen under them, so its buttons sit at the bottom of the chat.
    outcome = show(event, req.session.at(PLACE), screen)
    if not files:
        return outcome
    answers = tuple(a for a in outcome.actions if isinstance(a, AnswerCallback))
    rest = tuple(a for a in outcome.actions if not isinstance(a, AnswerCallback))
    rest = tuple(SendScreen(a.chat_id, a.screen) if isinstance(a, EditScreen) else a for a in rest)
    return Outcome(session=outcome.session, actions=(*answers, *files, *rest))
