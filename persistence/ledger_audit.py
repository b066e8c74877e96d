"""The books' audit: every invariant of the ledger and of the money rows around it, checked at once.

Each query returns the rows that break an invariant (none, on healthy books). The ledger's own
invariants (balances equal their entries, the books sum to zero, transactions balance, held equals
open holds) are also enforced by the database; the cross-checks below are not, and catch a double pay:
- a Stars charge is credited net once while its order is paid and net zero once refunded, whatever
  happened to refused refund attempts in between;
- every Stars credit belongs to an order row (a charge never goes unlinked);
- a job is refunded at most once, by the admin or automatically.
"""

from __future__ import annotations

import asyncpg

Db = asyncpg.Connection | asyncpg.Pool

AUDIT_BALANCES = """
SELECT a.id, a.kind, a.user_id, a.balance, coalesce(sum(e.amount), 0)::bigint AS entries
FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
GROUP BY a.id
HAVING a.balance <> coalesce(sum(e.amount), 0)
"""

AUDIT_TOTAL = "SELECT coalesce(sum(balance), 0)::bigint FROM ledger_accounts"

AUDIT_TRANSACTIONS = """
SELECT t.id, t.amount, coalesce(sum(e.amount), 0)::bigint AS total,
       coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0)::bigint AS positive
FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
GROUP BY t.id
HAVING coalesce(sum(e.amount), 0) <> 0 OR coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0) <> t.amount
"""

AUDIT_HOLDS = """
SELECT u.user_id, u.held, coalesce(h.open, 0)::bigint AS open
FROM (SELECT user_id, balance AS held FROM ledger_accounts WHERE kind = 'held') u
FULL JOIN (SELECT user_id, sum(amount) AS open FROM ledger_holds WHERE status = 'held' GROUP BY user_id) h
  USING (user_id)
WHERE coalesce(u.held, 0) <> coalesce(h.open, 0)
"""

# Keys of one charge: the credit and first reversal `stars:<charge>`, later reversals
# `stars:<charge>#<n>`, credits given back after a refused refund `stars-refund-failed:<charge>[#<n>]`.
AUDIT_STARS_CHARGES = """
SELECT o.id, o.charge_id, o.status, o.amount_kopecks,
       coalesce(sum(e.amount) FILTER (WHERE a.kind = 'available'), 0)::bigint AS net
FROM stars_orders o
LEFT JOIN ledger_transactions t
  ON t.kind IN ('topup', 'topup_reversal')
 AND (t.key = 'stars:' || o.charge_id OR starts_with(t.key, 'stars:' || o.charge_id || '#')
      OR t.key = 'stars-refund-failed:' || o.charge_id
      OR starts_with(t.key, 'stars-refund-failed:' || o.charge_id || '#'))
LEFT JOIN ledger_entries e ON e.transaction_id = t.id
LEFT JOIN ledger_accounts a ON a.id = e.account_id
WHERE o.charge_id IS NOT NULL
GROUP BY o.id
HAVING coalesce(sum(e.amount) FILTER (WHERE a.kind = 'available'), 0)
       <> CASE WHEN o.status = 'paid' THEN o.amount_kopecks ELSE 0 END
"""

AUDIT_STARS_ORPHANS = """
SELECT t.id, t.key, t.user_id, t.amount
FROM ledger_transactions t
WHERE t.kind = 'topup' AND t.source IN ('stars', 'stars_plan') AND starts_with(t.key, 'stars:')
  AND NOT EXISTS (SELECT 1 FROM stars_orders o WHERE 'stars:' || o.charge_id = t.key)
"""

# A job's money comes back once: an admin refund and an automatic refund of undeliverable results
# are never both posted.
AUDIT_JOB_REFUNDS = """
SELECT substr(t.key, length('undeliverable:') + 1) AS request_id
FROM ledger_transactions t
WHERE t.kind = 'adjustment' AND starts_with(t.key, 'undeliverable:')
  AND EXISTS (SELECT 1 FROM ledger_transactions r
              WHERE r.kind = 'adjustment' AND r.key = 'jobrefund:' || substr(t.key, length('undeliverable:') + 1))
"""


async def audit(db: Db) -> list[str]:
    """Check the whole books' invariants; returns the problems found (empty when healthy)."""
    problems = [
        f"account {r['id']} ({r['kind']}, user {r['user_id']}): balance {r['balance']} != entries {r['entries']}"
        for r in await db.fetch(AUDIT_BALANCES)
    ]
    total = await db.fetchval(AUDIT_TOTAL)
    if total != 0:
        problems.append(f"all accounts sum to {total}, not 0")
    problems += [
        f"transaction {r['id']}: entries sum to {r['total']}, positive side {r['positive']} != amount {r['amount']}"
        for r in await db.fetch(AUDIT_TRANSACTIONS)
    ]
    problems += [
        f"user {r['user_id']}: held balance {r['held']} != open holds {r['open']}"
        for r in await db.fetch(AUDIT_HOLDS)
    ]
    problems += [
        f"stars order {r['id']} ({r['status']}, charge {r['charge_id']}): credited net {r['net']}, "
        f"expected {r['amount_kopecks'] if r['status'] == 'paid' else 0}"
        for r in await db.fetch(AUDIT_STARS_CHARGES)
    ]
    problems += [
        f"stars credit {r['key']} (transaction {r['id']}, user {r['user_id']}, {r['amount']}) has no order"
        for r in await db.fetch(AUDIT_STARS_ORPHANS)
    ]
    problems += [
        f"job {r['request_id']}: refunded twice (by an admin and as undeliverable)"
        for r in await db.fetch(AUDIT_JOB_REFUNDS)
    ]
    return problems
