"""The margin report and the ledger export (docs/operations.md): one query each.

The report groups every money fact of the period by Moscow day, model and source: revenue (entries into
the revenue account: captured generations, settled chat answers), Kie's cost of the runs done (Kie's
bill of each succeeded job, else the catalog credits stored with it; the credits stored with each kept
chat answer; × the rate the caller passes, rounded per run), refunds of generations after they were charged (adjustments keyed `jobrefund:`,
`undeliverable:`, `unreturned:` + request id), bonuses (every other adjustment: admin credits and
debits; and referral and promo bonuses from the promotions account, net of reversals), top-ups in and top-ups given back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import asyncpg

from flows.views import LedgerLine, MarginRow

Db = asyncpg.Pool | asyncpg.Connection

# $1: now (NULL: the database's), $2: days (today counts as one).
_PERIOD = """
WITH period AS (
    SELECT ((coalesce($1::timestamptz, now()) AT TIME ZONE 'Europe/Moscow')::date - ($2::int - 1))::timestamp
               AT TIME ZONE 'Europe/Moscow' AS since,
           ((coalesce($1::timestamptz, now()) AT TIME ZONE 'Europe/Moscow')::date + 1)::timestamp
               AT TIME ZONE 'Europe/Moscow' AS until
)"""

# Adjustments that give back money a generation was charged (the key's tail is the request id).
_REFUND_PREFIXES = "('jobrefund', 'undeliverable', 'unreturned')"

# $3: kopecks per Kie credit (usd_per_credit × rub_per_usd × 100, no markup).
REPORT = f"""{_PERIOD},
facts AS (
    -- Revenue: every entry into the revenue account, with the job or chat answer its hold was for.
    SELECT e.created_at AS at, coalesce(j.model_id, d.model_id) AS model_id,
           CASE WHEN r.key IS NOT NULL THEN 'chat' ELSE 'job' END AS source,
           e.amount AS revenue, 0::bigint AS kie, 0 AS runs, 0 AS free_runs, 0::bigint AS free_kie,
           0 AS unpriced, 0::bigint AS refunds, 0::bigint AS bonuses, 0::bigint AS topups,
           0::bigint AS reversed
    FROM period, ledger_entries e
    JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'revenue' AND a.user_id IS NULL
    JOIN ledger_transactions t ON t.id = e.transaction_id
    LEFT JOIN ledger_holds h ON h.id = t.hold_id
    LEFT JOIN jobs j ON j.hold_key = h.key
    LEFT JOIN chat_runs r ON r.key = h.key
    LEFT JOIN dialogs d ON d.id = r.dialog_id
    WHERE e.created_at >= period.since AND e.created_at < period.until
  UNION ALL
    -- Generations Kie did (succeeded), paid or free: Kie's bill of the task, else the catalog's credits
    -- stored with the job at confirm.
    SELECT j.finished_at, j.model_id, 'job', 0, coalesce(round(j.credits * $3::numeric), 0)::bigint,
           1, (j.price_kopecks = 0)::int,
           CASE WHEN j.price_kopecks = 0 THEN coalesce(round(j.credits * $3::numeric), 0) ELSE 0 END::bigint,
           (j.credits IS NULL)::int, 0, 0, 0, 0
    FROM period,
         (SELECT finished_at, model_id, price_kopecks, state, coalesce(kie_credits_billed, kie_credits) AS credits
          FROM jobs) j
    WHERE j.state = 'succeeded' AND j.finished_at >= period.since AND j.finished_at < period.until
  UNION ALL
    -- Chat answers kept (answered or stopped with text), paid or free.
    SELECT r.finished_at, d.model_id, 'chat', 0, coalesce(round(r.kie_credits * $3::numeric), 0)::bigint,
           1, (r.cost_kopecks = 0)::int,
           CASE WHEN r.cost_kopecks = 0 THEN coalesce(round(r.kie_credits * $3::numeric), 0) ELSE 0 END::bigint,
           (r.kie_credits IS NULL)::int, 0, 0, 0, 0
    FROM period, chat_runs r JOIN dialogs d ON d.id = r.dialog_id
    -- (a stop before any text stores nothing and is charged nothing: finish_reason stays NULL)
    WHERE (r.state = 'answered' OR (r.state = 'stopped' AND r.finish_reason IS NOT NULL))
      AND r.finished_at >= period.since AND r.finished_at < period.until
  UNION ALL
    -- Adjustments: refunds of charged generations, or bonuses (admin credits +, debits −); referral and
    -- promo bonuses (the promotions account; their reversals −).
    SELECT e.created_at, j.model_id,
           CASE WHEN split_part(t.key, ':', 1) IN {_REFUND_PREFIXES} THEN 'job' ELSE 'bonus' END,
           0, 0, 0, 0, 0, 0,
           CASE WHEN split_part(t.key, ':', 1) IN {_REFUND_PREFIXES} THEN -e.amount ELSE 0 END,
           CASE WHEN split_part(t.key, ':', 1) IN {_REFUND_PREFIXES} THEN 0 ELSE -e.amount END,
           0, 0
    FROM period, ledger_entries e
    JOIN ledger_accounts a ON a.id = e.account_id AND a.kind IN ('adjustments', 'promotions') AND a.user_id IS NULL
    JOIN ledger_transactions t ON t.id = e.transaction_id
    LEFT JOIN jobs j ON split_part(t.key, ':', 1) IN {_REFUND_PREFIXES}
                    AND j.request_id = split_part(t.key, ':', 2)
    WHERE e.created_at >= period.since AND e.created_at < period.until
  UNION ALL
    -- Money in, and top-ups given back.
    SELECT t.created_at, NULL, 'topup', 0, 0, 0, 0, 0, 0, 0, 0,
           CASE WHEN t.kind = 'topup' THEN t.amount ELSE 0 END,
           CASE WHEN t.kind = 'topup_reversal' THEN t.amount ELSE 0 END
    FROM period, ledger_transactions t
    WHERE t.kind IN ('topup', 'topup_reversal') AND t.created_at >= period.since AND t.created_at < period.until
)
SELECT (at AT TIME ZONE 'Europe/Moscow')::date AS day, model_id, source,
       sum(revenue)::bigint AS revenue, sum(kie)::bigint AS kie_kopecks, sum(runs)::int AS runs,
       sum(free_runs)::int AS free_runs, sum(free_kie)::bigint AS free_kie_kopecks,
       sum(unpriced)::int AS unpriced, sum(refunds)::bigint AS refunds, sum(bonuses)::bigint AS bonuses,
       sum(topups)::bigint AS topups, sum(reversed)::bigint AS topups_reversed
FROM facts
GROUP BY 1, 2, 3
ORDER BY 1, 2 NULLS LAST, 3
"""

# One row per ledger entry of the period (both sides of every transaction), oldest first.
# $3: at most this many rows.
EXPORT = f"""{_PERIOD}
SELECT e.id AS entry_id, t.id AS transaction_id, e.created_at, t.kind, a.kind AS account,
       a.user_id AS account_user_id, t.user_id, e.amount AS amount_kopecks, t.key, t.source, t.note,
       t.admin_id, coalesce(j.model_id, d.model_id, jr.model_id) AS model_id
FROM period, ledger_entries e
JOIN ledger_transactions t ON t.id = e.transaction_id
JOIN ledger_accounts a ON a.id = e.account_id
LEFT JOIN ledger_holds h ON h.id = t.hold_id
LEFT JOIN jobs j ON j.hold_key = h.key
LEFT JOIN chat_runs r ON r.key = h.key
LEFT JOIN dialogs d ON d.id = r.dialog_id
LEFT JOIN jobs jr ON t.kind = 'adjustment' AND split_part(t.key, ':', 1) IN {_REFUND_PREFIXES}
                 AND jr.request_id = split_part(t.key, ':', 2)
WHERE e.created_at >= period.since AND e.created_at < period.until
ORDER BY e.id
LIMIT $3
"""


async def report(
    db: Db, days: int, kopecks_per_credit: Decimal, now: dt.datetime | None = None
) -> tuple[MarginRow, ...]:
    """The period's money by (Moscow day, model, source): the last `days` Moscow days, today included."""
    rows = await db.fetch(REPORT, now, days, kopecks_per_credit)
    return tuple(MarginRow(**dict(r)) for r in rows)


async def export(db: Db, days: int, limit: int, now: dt.datetime | None = None) -> tuple[LedgerLine, ...]:
    """The ledger entries of the period, oldest first, at most `limit`."""
    rows = await db.fetch(EXPORT, now, days, limit)
    return tuple(LedgerLine(**dict(r)) for r in rows)
