"""Running one chat turn, outside the update's transaction.

The update's transaction already holds the money (or the free unit) and a pending run row; the
processor's phase 2 calls `run_turn` while the inbox row stays 'replying', so the chat's next message
waits. Here: build the context, stream Kie's answer into Telegram drafts, then ONE transaction settles
the hold (what Kie billed, the rest back), stores the message and the answer, and finishes the run;
only then the final messages go out, so a crash at any point neither charges twice nor loses the answer:

- crash before the settle: the run is picked up again (attempt 2); a run already tried
  `max_attempts` times is given up — money back, the user told;
- crash after the settle: the run is finished but not delivered; delivery reads the stored answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable

import msgspec

from flows.catalog.text import TextModel
from flows.chat import screens
from flows.chat.context import ContextTooLong, ContextTurn, context_budget, trim_context
from flows.chat.modes import system_prompt
from flows.chat.pricing import TurnUsage, charge_kopecks, usage_credits
from flows.chat.tokens import fair_tokens, upper_tokens
from flows.chat.turn import ChatTurnRequest, RunChatTurn
from integrations.kie.chat import ChatAnswer, ChatMessage, ChatRequest
from integrations.kie.chat.client import ChatTimeout
from integrations.kie.errors import (
    KieAuthError,
    KieCreditsExhausted,
    KieError,
    KieServerError,
    KieTransportError,
    KieUpstreamTimeout,
    KieValidationError,
)
from integrations.telegram.errors import TransientSendError, UserBlockedBot
from integrations.telegram.streaming import AnswerStream
from persistence import chat_free, chat_runs, dialogs, ledger
from persistence.chat_runs import Run
from runtime.chat.generate import Generated, generate
from runtime.chat.services import ChatServices
from runtime.jobs.errors import InputFileTransient, InputFileUnavailable

log = logging.getLogger(__name__)

Heartbeat = Callable[[], Awaitable[None]]


class Outcome(msgspec.Struct, frozen=True):
    state: str  # answered | stopped | failed
    text: str = ""
    charge: int = 0
    credits: float | None = None  # what Kie billed (or the usage at its prices): the margin report
    finish_reason: str | None = None
    failure: str | None = None
    reason: str = ""  # Kie's own words for a rejected request


async def run_turn(services: ChatServices, action: RunChatTurn, heartbeat: Heartbeat | None = None) -> None:
    """Answer the pending message with this key (idempotent: a finished run is only delivered)."""
    run = await chat_runs.get(services.pool, action.key)
    if run is None:
        log.error("chat run %s not found; nothing to answer", action.key)
        return
    request = msgspec.convert(run.request, ChatTurnRequest)
    model = services.catalog.text.get(request.model_id)
    if not run.finished and (model is None or run.attempts >= services.timings.max_attempts):
        why = "unknown model" if model is None else f"{run.attempts} attempts"
        log.error("%s: chat answer given up (%s); money back", run.request_id, why)
        run = await _settle(services, run, request, model, Outcome("failed", failure="generic")) or run
    if run.finished:
        if run.delivered_at is None:
            await _deliver_again(services, run, request, model)
        return
    started = await chat_runs.start_attempt(services.pool, action.key)
    if started is None or model is None:
        return
    out = AnswerStream(
        services.bot,
        run.chat_id,
        draft_id=_draft_id(run.key),
        placeholder=screens.thinking_text(request.lang, model),
        stop_buttons=services.buttons.stop_rows(request.lang),
        min_interval=services.timings.update_interval,
        use_drafts=services.use_drafts,
    )
    await out.start()
    outcome = await _answer(services, run, request, model, out, heartbeat)
    finished = await _settle(services, run, request, model, outcome)
    if finished is not None:
        await _deliver(services, finished, request, model, outcome.text, out, outcome.reason)


def _draft_id(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) or 1


async def _answer(
    services: ChatServices,
    run: Run,
    request: ChatTurnRequest,
    model: TextModel,
    out: AnswerStream,
    heartbeat: Heartbeat | None,
) -> Outcome:
    try:
        image_urls = await _upload_photos(services, run, request)
    except (InputFileUnavailable, InputFileTransient, KieError) as exc:
        log.warning("%s: the message's photos could not be prepared: %s", run.request_id, exc)
        return Outcome("failed", failure="generic")
    try:
        chat_request, fair_input = await _build_request(services, run, request, model, image_urls)
    except ContextTooLong:
        return Outcome("failed", failure="rejected", reason="context too long")
    generated: Generated | None = None
    for attempt in (1, 2):
        try:
            generated = await generate(services, run.key, chat_request, model, out, heartbeat)
            break
        except KieError as exc:
            if attempt == 1 and _resendable(exc) and not out.has_text:
                log.warning("%s: Kie refused before answering (%s); sending once more", run.request_id, exc)
                await asyncio.sleep(services.timings.resend_after_seconds)
                continue
            return await _failed(services, run, exc)
    assert generated is not None
    if generated.stopped:
        # Kie's bill for a cut-off stream never arrives: charge the tokens that were generated.
        if not generated.text.strip():
            return Outcome("stopped")
        usage = TurnUsage(input_tokens=fair_input, output_tokens=fair_tokens(generated.text))
        charge = charge_kopecks(model, usage, services.policy, run_hold(request))
        credits = _credits(model, usage)
        return Outcome(
            "stopped", text=generated.text, charge=charge, credits=credits, finish_reason="stopped"
        )
    answer: ChatAnswer | None = generated.answer
    if answer is None or not answer.text.strip():
        return Outcome("failed", failure="empty")
    charge = charge_kopecks(model, answer.usage, services.policy, run_hold(request))
    credits = _credits(model, answer.usage)
    return Outcome(
        "answered", text=answer.text, charge=charge, credits=credits, finish_reason=answer.finish_reason
    )


def _credits(model: TextModel, usage: TurnUsage) -> float:
    return round(float(usage_credits(model, usage)), 6)


def run_hold(request: ChatTurnRequest) -> int:
    return 0 if request.free else request.hold_kopecks


def _resendable(exc: KieError) -> bool:
    """Kie refused without answering (nothing billed): 429, 455, 5xx, or no connection at all."""
    if isinstance(exc, KieTransportError):
        return not exc.request_sent
    return exc.retryable and not isinstance(exc, KieUpstreamTimeout)


async def _failed(services: ChatServices, run: Run, exc: KieError) -> Outcome:
    log.warning("%s: chat answer failed: %s", run.request_id, exc)
    if isinstance(exc, KieCreditsExhausted | KieAuthError):
        kind = "kie_credits" if isinstance(exc, KieCreditsExhausted) else "kie_auth"
        log.error("%s: Kie refused the operator's account (%s)", run.request_id, kind)
        try:
            await services.alert(kind, run.request_id)
        except Exception:
            log.exception("%s: operator alert failed", run.request_id)
        return Outcome("failed", failure="kie_credits")
    if isinstance(exc, ChatTimeout | KieUpstreamTimeout):
        return Outcome("failed", failure="timeout")
    if isinstance(exc, KieValidationError):
        return Outcome("failed", failure="rejected", reason=exc.kie_message)
    if isinstance(exc, KieServerError) or exc.retryable:
        return Outcome("failed", failure="busy")
    return Outcome("failed", failure="generic")


async def _upload_photos(services: ChatServices, run: Run, request: ChatTurnRequest) -> list[str]:
    """Telegram → bytes → Kie's file upload → public URLs (a Telegram file URL would carry the token)."""
    urls = []
    for n, file_id in enumerate(request.photo_file_ids):
        data, _path = await services.fetch_file(file_id)
        urls.append(await services.upload(data, f"{run.request_id}-{n}.jpg", "image/jpeg"))
    return urls


async def _build_request(
    services: ChatServices, run: Run, request: ChatTurnRequest, model: TextModel, image_urls: list[str]
) -> tuple[ChatRequest, int]:
    """The request for Kie, and a fair estimate of its input tokens (what a stopped answer is charged)."""
    system = system_prompt(request.lang, request.mode)
    history = [
        ContextTurn(role="user" if t.role == "user" else "assistant", text=t.content, tokens=t.tokens)
        for t in await dialogs.recent_turns(services.pool, run.dialog_id)
    ]
    new = ContextTurn(
        role="user",
        text=request.text,
        tokens=upper_tokens(request.text, len(image_urls)),
        image_urls=tuple(image_urls),
    )
    budget = context_budget(model, services.policy, request.max_tokens)
    kept = trim_context(upper_tokens(system), history, new, budget)
    messages = tuple(ChatMessage(t.role, t.text, image_urls=t.image_urls) for t in kept.turns)
    params = {
        name: model.param_default(name)
        for name in model.schema.properties
        if name not in ("prompt", "max_tokens") and model.param_default(name) is not None
    }
    chat_request = ChatRequest(
        model_id=model.id,
        protocol=model.protocol,
        endpoint=model.endpoint,
        send_model=model.send_model,
        system=system,
        messages=messages,
        max_tokens=request.max_tokens,
        params=params,
        stream=model.supports.streaming,
    )
    fair_input = (
        sum(fair_tokens(t.text) for t in kept.turns) + fair_tokens(system) + model.hidden_prompt_tokens
    )
    return chat_request, fair_input


async def _settle(
    services: ChatServices, run: Run, request: ChatTurnRequest, model: TextModel | None, outcome: Outcome
) -> Run | None:
    """ONE transaction: the hold settled (charge captured, the rest back), the message and its answer
    stored, the run finished. None when another worker finished the run meanwhile (nothing changes)."""
    kept = bool(outcome.text.strip()) and outcome.state != "failed"
    charge = outcome.charge if kept else 0
    state = outcome.state if kept or outcome.state == "failed" else "stopped"
    try:
        return await _settle_once(services, run, request, outcome, kept, charge, state)
    except _FinishedElsewhere:
        log.info("%s: the chat run was finished by another worker", run.request_id)
        return None


async def _settle_once(
    services: ChatServices,
    run: Run,
    request: ChatTurnRequest,
    outcome: Outcome,
    kept: bool,
    charge: int,
    state: str,
) -> Run:
    async with services.pool.acquire() as conn, conn.transaction():
        await ledger.settle(conn, run.key, charge)
        if request.free and not kept:
            await chat_free.give_back(conn, run.key)
        if kept:
            await dialogs.add_exchange(
                conn,
                run.dialog_id,
                run.request_id,
                question=request.text or "🖼",
                image_urls=(),
                question_tokens=upper_tokens(request.text, len(request.photo_file_ids)),
                answer=outcome.text,
                answer_tokens=upper_tokens(outcome.text),
                cost_kopecks=charge,
            )
        finished = await chat_runs.finish(
            conn,
            run.key,
            state,  # type: ignore[arg-type]
            cost_kopecks=None if state == "failed" else charge,
            kie_credits=outcome.credits if kept else None,
            finish_reason=outcome.finish_reason,
            failure=outcome.failure if state == "failed" else None,
        )
        if finished is None:
            raise _FinishedElsewhere(run.key)
    log.info("%s: chat %s, charged %d of %d kopecks", run.request_id, state, charge, run_hold(request))
    return finished


class _FinishedElsewhere(Exception):
    pass


async def _footer(services: ChatServices, run: Run, request: ChatTurnRequest) -> str:
    quota = services.policy.text_free_daily_quota
    if request.free:
        left = await chat_free.left(services.pool, run.user_id, quota)
        return screens.answer_footer(
            request.lang,
            cost_kopecks=0,
            balance_kopecks=0,
            free_left=left,
            quota=quota,
            stopped=run.state == "stopped",
            cut=run.finish_reason in ("length", "max_tokens", "max_output_tokens", "incomplete"),
        )
    balance = await ledger.balance(services.pool, run.user_id)
    return screens.answer_footer(
        request.lang,
        cost_kopecks=run.cost_kopecks or 0,
        balance_kopecks=balance.available,
        stopped=run.state == "stopped",
        cut=run.finish_reason in ("length", "max_tokens", "max_output_tokens", "incomplete"),
    )


async def _deliver(
    services: ChatServices,
    run: Run,
    request: ChatTurnRequest,
    model: TextModel | None,
    text: str,
    out: AnswerStream,
    reason: str = "",
) -> None:
    rows = services.buttons.answer_rows(request.lang, request.model_id)
    try:
        if run.state == "failed" or not text.strip():
            code = run.failure or "generic"
            notice = screens.failure_text(request.lang, code, run.request_id, reason)
            if run.state == "stopped":
                notice = await _footer(services, run, request)
            await out.abandon(notice, rows)
        else:
            await out.finish(text, await _footer(services, run, request), rows)
    except UserBlockedBot:
        log.info("%s: the user blocked the bot; answer not delivered", run.request_id)
    except TransientSendError:
        raise  # the inbox retries the update later; the finished run is only delivered then
    await chat_runs.mark_delivered(services.pool, run.key)


async def _deliver_again(
    services: ChatServices, run: Run, request: ChatTurnRequest, model: TextModel | None
) -> None:
    """A run settled before a crash: deliver its stored answer (or its failure) now."""
    text = ""
    if run.state in ("answered", "stopped"):
        text = await dialogs.answer_of(services.pool, run.dialog_id, run.request_id) or ""
    out = AnswerStream(
        services.bot,
        run.chat_id,
        draft_id=_draft_id(run.key),
        placeholder="",
        min_interval=services.timings.update_interval,
        use_drafts=False,
    )
    await _deliver(services, run, request, model, text, out)
