"""What the user sees of a generation job: the progress message, the Result View, the failure view.

Pure functions of plain values (no rows, no I/O): the job workers in runtime/jobs pick the values,
these pick the words. Failure causes are a closed set so that every cause has its own plain words;
an unknown cause falls back to "internal" with the request id, never to "unknown error".
"""

from __future__ import annotations

import html
from typing import Literal

from flows.catalog.human import model_title
from flows.catalog.pricing import format_rub
from flows.payloads.jobs import CancelQueued, Repeat
from flows.payloads.menus import OpenMenu, OpenSupport
from flows.screens import Button, Screen
from flows.texts import t

ProgressStage = Literal["queued", "generating"]

FailureCause = Literal[
    "invalid_input",
    "content_policy",
    "generation_failed",
    "kie_unavailable",
    "kie_credits",
    "model_unavailable",
    "submit_uncertain",
    "timeout",
    "empty_result",
    "input_file",
    "media_longer",
    "media_unreadable",
    "input_url",
    "internal",
]
FAILURE_CAUSES: tuple[str, ...] = FailureCause.__args__  # type: ignore[attr-defined]

# Causes whose words already tell the user what to do; Kie's own text would only add noise there.
_WITHOUT_DETAIL = frozenset(
    {
        "invalid_input",
        "kie_credits",
        "kie_unavailable",
        "submit_uncertain",
        "timeout",
        "internal",
        "media_longer",
        "media_unreadable",
        "input_url",
    }
)
_MAX_DETAIL = 300


def repeat_data(request_id: str) -> str:
    return Repeat(request_id).data()


def eta_text(seconds: int, lang: str) -> str:
    if seconds <= 60:
        return t(lang, "job.eta.seconds")
    return t(lang, "job.eta.minutes", minutes=-(-seconds // 60))


def _title(model_id: str, lang: str) -> str:
    return f"<b>{html.escape(model_title(model_id, lang))}</b>"


def progress_screen(
    lang: str, request_id: str, model_id: str, stage: ProgressStage, eta_seconds: int
) -> Screen:
    # While the job is only queued nothing was sent to Kie yet, so it can still be cancelled for free.
    buttons = (
        ((Button(t(lang, "job.cancel"), data=CancelQueued(request_id).data()),),) if stage == "queued" else ()
    )
    return Screen(
        text=t(
            lang,
            f"job.progress.{stage}",
            request_id=request_id,
            title=_title(model_id, lang),
            eta=eta_text(eta_seconds, lang),
        ),
        buttons=buttons,
    )


def cancelled_screen(lang: str, request_id: str, refunded_kopecks: int) -> Screen:
    money = t(lang, "job.cancelled_money", amount=format_rub(refunded_kopecks)) if refunded_kopecks else ""
    return Screen(
        text=t(lang, "job.cancelled", request_id=request_id, money=money),
        buttons=_after_buttons(lang, request_id, support=False),
    )


def _after_buttons(lang: str, request_id: str, *, support: bool) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = [
        (
            Button(t(lang, "job.repeat"), data=repeat_data(request_id)),
            Button(t(lang, "job.other_model"), data=OpenMenu().data()),
        )
    ]
    if support:
        rows.append((Button(t(lang, "job.support"), data=OpenSupport().data()),))
    return tuple(rows)


def result_screen(
    lang: str,
    request_id: str,
    model_id: str,
    *,
    links_sent: bool = False,
    actions: tuple[tuple[Button, ...], ...] = (),
) -> Screen:
    """The Result View: status and request id on top, then what to do next: repeat or another model,
    then the follow-up actions on this result with their prices (flows/follow/screens.py)."""
    text = t(lang, "job.done", request_id=request_id, title=_title(model_id, lang))
    if links_sent:
        text += "\n" + t(lang, "job.done.links_note")
    return Screen(text=text, buttons=(*_after_buttons(lang, request_id, support=False), *actions))


def failure_screen(
    lang: str,
    request_id: str,
    model_id: str,
    cause: str,
    *,
    detail: str | None = None,
    refunded_kopecks: int | None = None,
    params: dict[str, object] | None = None,
) -> Screen:
    """Plain words by cause, the request id, whether money came back, and the ways on.

    `refunded_kopecks` > 0 only when the release really moved money: a free or zero-price run says
    nothing about money at all.
    """
    if cause not in FAILURE_CAUSES:
        cause = "internal"
    clean = _detail(detail)
    lines = [t(lang, "job.failed.title", request_id=request_id, title=_title(model_id, lang))]
    if cause == "invalid_input":
        lines.append(t(lang, "job.failed.invalid_input", detail=clean or "—"))
    else:
        lines.append(t(lang, f"job.failed.{cause}", **(params or {})))
        if clean and cause not in _WITHOUT_DETAIL:
            lines.append(t(lang, "job.failed.detail", detail=clean))
    if refunded_kopecks:
        lines.append(t(lang, "job.money_returned", amount=format_rub(refunded_kopecks)))
    return Screen(text="\n\n".join(lines), buttons=_after_buttons(lang, request_id, support=True))


def _detail(detail: str | None) -> str | None:
    if not detail or not detail.strip():
        return None
    text = " ".join(detail.split())
    if len(text) > _MAX_DETAIL:
        text = text[: _MAX_DETAIL - 1] + "…"
    return html.escape(text)


def links_text(lang: str, urls: list[str], *, unreachable: bool = False) -> str:
    links = "\n".join(
        f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>' for label, url in _numbered(urls)
    )
    return t(lang, "job.unreachable" if unreachable else "job.links", links=links)


def _numbered(urls: list[str]) -> list[tuple[str, str]]:
    if len(urls) == 1:
        return [("⬇️ " + _label(urls[0]), urls[0])]
    return [(f"⬇️ {n}. {_label(url)}", url) for n, url in enumerate(urls, start=1)]


def _label(url: str) -> str:
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name[:60] or "file"


def admin_alert_text(lang: str, kind: str, request_id: str) -> str:
    return t(lang, f"job.admin.{kind}", request_id=request_id)


def repeat_unavailable_notice(lang: str) -> str:
    return t(lang, "job.repeat_unavailable")
