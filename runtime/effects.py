"""Applying a flow's effects inside the update's transaction: the one place where flows' decisions
become rows (language, user state, jobs, holds, chat turns). Anything that fails here rolls the whole
update back, so the flow decides again on fresh data (e.g. a balance spent meanwhile by another update)."""

from __future__ import annotations

import asyncpg

from flows.broadcast.effects import StartBroadcast
from flows.growth.model import DEFAULT_RULES, GrowthRules
from flows.jobs.lifecycle import advance
from flows.jobs.model import CancelQueuedJob, CreateJob, JobState
from flows.outcome import Effect, MarkInactive, SetLanguage
from flows.screens import Action
from persistence import broadcasts, free_tier, jobs, ledger, users
from runtime import growth, money, plan
from runtime.chat import effects as chat_effects


class JobNoLongerQueued(Exception):
    """A worker took the job between the flow's look and this cancel; the update is decided again."""


class FreeQuotaGone(Exception):
    """The free run the flow saw was taken by a concurrent update; the update is decided again."""


async def apply(
    conn: asyncpg.Connection,
    effect: Effect,
    user_id: int,
    free_quota: int,
    text_quota: int = 0,
    rules: GrowthRules = DEFAULT_RULES,
) -> list[Action]:
    """Apply one effect; returns notices for other chats it caused (a referral bonus's inviter)."""
    match effect:
        case SetLanguage(lang=lang):
            await users.set_language(conn, user_id, lang)
        case MarkInactive():
            await users.mark_inactive(conn, user_id)
        case CreateJob(job=job):
            if job.free and await free_tier.take_free(conn, job.user_id, job.hold_key, free_quota) is None:
                raise FreeQuotaGone(job.request_id)
            # InsufficientFunds propagates: the update is retried and the flow shows the top-up screen.
            await ledger.hold(conn, job.user_id, job.price_kopecks, job.hold_key)
            await jobs.create(conn, job)
        case StartBroadcast():
            # A repeated confirm (same key) creates nothing; runtime/broadcasts.py sends the rows.
            await broadcasts.create(conn, effect)
        case _ if money.is_money_effect(effect):
            return await money.apply(conn, effect, rules)
        case _ if plan.is_plan_effect(effect):
            return await plan.apply(conn, effect, rules)
        case _ if growth.is_growth_effect(effect):
            await growth.apply(conn, effect)
        case _ if chat_effects.is_chat_effect(effect):
            # FreeTextGone / InsufficientFunds propagate: the update is decided again on fresh data.
            await chat_effects.apply(conn, effect, free_quota=text_quota)  # type: ignore[arg-type]
        case CancelQueuedJob(request_id=request_id, user_id=owner):
            job = await jobs.cancel_queued(conn, request_id, owner, advance(JobState.QUEUED, "cancel"))
            if job is None:
                raise JobNoLongerQueued(request_id)
            # Free unit first, then the hold: the same lock order as the wizard's confirm.
            if job.free:
                await free_tier.give_back_free(conn, job.hold_key)
            try:
                hold = await ledger.release(conn, job.hold_key)
                await jobs.set_refunded(conn, request_id, hold.amount if hold.status == "released" else 0)
            except ledger.UnknownHold:
                pass
        case _:
            raise TypeError(f"no handler for effect {type(effect).__name__}")
    return []
