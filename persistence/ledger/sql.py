"""The ledger's SQL, as named constants (the schema and its invariants: persistence/sql/004_ledger.sql)."""

from __future__ import annotations

# --- SQL -----------------------------------------------------------------------------------------

ENSURE_USER_ACCOUNTS = """
INSERT INTO ledger_accounts (kind, user_id)
VALUES ('available', $1), ('held', $1)
ON CONFLICT DO NOTHING
"""

ENSURE_SYSTEM_ACCOUNT = """
INSERT INTO ledger_accounts (kind, user_id) VALUES ($1, NULL) ON CONFLICT DO NOTHING
"""

# ORDER BY before FOR UPDATE: rows are locked in id order (LockRows runs above the sort).
LOCK_ACCOUNTS = """
SELECT id, kind, user_id, balance
FROM ledger_accounts
WHERE (user_id = $1 AND kind = ANY($2::text[])) OR (user_id IS NULL AND kind = ANY($3::text[]))
ORDER BY id
FOR UPDATE
"""

# Several users' accounts at once, in id order: a composed operation (a top-up with its referral
# bonus) locks everything it will move up front, so it waits like any single operation.
LOCK_MANY = """
SELECT id, kind, user_id, balance
FROM ledger_accounts
WHERE (user_id = ANY($1::bigint[]) AND kind = 'available') OR (user_id IS NULL AND kind = ANY($2::text[]))
ORDER BY id
FOR UPDATE
"""

INSERT_TRANSACTION = """
INSERT INTO ledger_transactions (kind, key, user_id, hold_id, amount, source, note, admin_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (kind, key) DO NOTHING
RETURNING id
"""

INSERT_ENTRIES = """
INSERT INTO ledger_entries (transaction_id, account_id, amount)
SELECT $1, account_id, amount FROM unnest($2::bigint[], $3::bigint[]) AS e(account_id, amount)
"""

# The user's signed view of a top-up, reversal or adjustment, found by its idempotency key.
FIND_POSTING = """
SELECT t.id, t.kind, t.key, t.user_id,
       coalesce((SELECT sum(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                 WHERE e.transaction_id = t.id AND a.kind = 'available'), 0)::bigint AS amount
FROM ledger_transactions t
WHERE t.kind = $1 AND t.key = $2
"""

FIND_TOPUP = "SELECT id, user_id, amount FROM ledger_transactions WHERE kind = 'topup' AND key = $1"

HOLD_COLUMNS = "id, key, user_id, amount, status"

FIND_HOLD = f"SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE key = $1"

INSERT_HOLD = f"""
INSERT INTO ledger_holds (key, user_id, amount) VALUES ($1, $2, $3)
ON CONFLICT (key) DO NOTHING
RETURNING {HOLD_COLUMNS}
"""

# Only an open hold ends; a concurrent second ending re-checks the status after the row lock and
# finds nothing to do (READ COMMITTED re-evaluates the WHERE clause on the updated row).
END_HOLD = f"""
UPDATE ledger_holds SET status = $2, finished_at = now()
WHERE key = $1 AND status = 'held'
RETURNING {HOLD_COLUMNS}
"""

BALANCE = """
SELECT coalesce(sum(balance) FILTER (WHERE kind = 'available'), 0)::bigint AS available,
       coalesce(sum(balance) FILTER (WHERE kind = 'held'), 0)::bigint AS held
FROM ledger_accounts WHERE user_id = $1
"""

HISTORY = """
SELECT t.id AS transaction_id, t.kind,
       coalesce(sum(e.amount) FILTER (WHERE a.kind = 'available' AND a.user_id = $1), 0)::bigint
           AS available_change,
       coalesce(sum(e.amount) FILTER (WHERE a.kind = 'held' AND a.user_id = $1), 0)::bigint AS held_change,
       t.key AS reference, t.note, t.created_at
FROM (SELECT * FROM ledger_transactions WHERE user_id = $1 ORDER BY id DESC LIMIT $2) t
JOIN ledger_entries e ON e.transaction_id = t.id
JOIN ledger_accounts a ON a.id = e.account_id
GROUP BY t.id, t.kind, t.key, t.note, t.created_at
ORDER BY t.id DESC
"""

OPEN_HOLDS = """
SELECT count(*) AS count, coalesce(sum(amount), 0)::bigint AS total
FROM ledger_holds
WHERE status = 'held' AND created_at <= now() - make_interval(secs => $1)
"""

REVENUE = """
SELECT coalesce(sum(e.amount), 0)::bigint
FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
WHERE a.kind = 'revenue' AND a.user_id IS NULL AND ($1::timestamptz IS NULL OR e.created_at >= $1)
"""
