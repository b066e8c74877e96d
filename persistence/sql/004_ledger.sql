-- The money core: a double-entry kopeck ledger with holds, and the daily free tier.
-- See docs/payments.md. Every invariant the database can hold is held here, not only in Python:
--   * entries are append-only (UPDATE/DELETE rejected), and so are transactions;
--   * the entries of a transaction sum to zero and their positive side equals its amount
--     (deferred constraint trigger, checked at COMMIT);
--   * an account's balance column is maintained only by the entry trigger, so it always equals the
--     sum of its entries; a user's available and held balances are never negative (CHECK);
--   * a hold ends exactly once (held -> captured | released), and at most one capture or release
--     transaction exists per hold (partial unique index).
-- Depends only on users(id) from 001.

-- Accounts: two per user (available, held) and one of each system kind (user_id NULL).
-- Sign convention: balance = sum(entries.amount). Money flows from a negative-going source to a
-- positive-going destination, so 'topups' and 'adjustments' go negative as money comes in, 'revenue'
-- and 'refunds' go positive, and all balances together always sum to zero.
CREATE TABLE ledger_accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL
                CHECK (kind IN ('available', 'held', 'revenue', 'topups', 'adjustments', 'refunds')),
    user_id     bigint REFERENCES users (id),
    balance     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_accounts_owner CHECK ((kind IN ('available', 'held')) = (user_id IS NOT NULL)),
    CONSTRAINT ledger_accounts_user_balance_not_negative
        CHECK (kind NOT IN ('available', 'held') OR balance >= 0),
    CONSTRAINT ledger_accounts_user_kind UNIQUE (user_id, kind)
);
-- UNIQUE (user_id, kind) treats NULL user ids as distinct; this makes each system account unique.
CREATE UNIQUE INDEX ledger_accounts_system_kind ON ledger_accounts (kind) WHERE user_id IS NULL;

-- Holds: money reserved for one generation, keyed by request id + user id + model id.
CREATE TABLE ledger_holds (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          text NOT NULL CHECK (key <> ''),
    user_id      bigint NOT NULL REFERENCES users (id),
    amount       bigint NOT NULL CHECK (amount >= 0),   -- 0: a free or admin run, tracked, no money
    status       text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'captured', 'released')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CONSTRAINT ledger_holds_key UNIQUE (key),
    CHECK ((status = 'held') = (finished_at IS NULL))
);
CREATE INDEX ledger_holds_open ON ledger_holds (created_at) WHERE status = 'held';

-- Transactions: one per money movement, unique per (kind, idempotency key).
CREATE TABLE ledger_transactions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL
                CHECK (kind IN ('topup', 'topup_reversal', 'hold', 'capture', 'release', 'adjustment')),
    key         text NOT NULL CHECK (key <> ''),        -- payment id, hold key or adjustment key
    user_id     bigint REFERENCES users (id),
    hold_id     bigint REFERENCES ledger_holds (id),
    amount      bigint NOT NULL CHECK (amount > 0),     -- magnitude: the sum of the positive entries
    source      text CHECK (source <> ''),              -- top-ups: 'transfer', 'stars', ...
    note        text,                                   -- top-up note, reversal or adjustment reason
    admin_id    bigint,                                 -- adjustments: who did it
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_transactions_kind_key UNIQUE (kind, key),
    CHECK ((kind IN ('hold', 'capture', 'release')) = (hold_id IS NOT NULL)),
    CHECK (kind <> 'topup' OR source IS NOT NULL),
    CHECK (kind <> 'adjustment' OR admin_id IS NOT NULL)
);
-- A hold ends once: never both a capture and a release, never two of either.
CREATE UNIQUE INDEX ledger_transactions_one_end_per_hold
    ON ledger_transactions (hold_id) WHERE kind IN ('capture', 'release');
CREATE INDEX ledger_transactions_by_user ON ledger_transactions (user_id, id);

CREATE TABLE ledger_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  bigint NOT NULL REFERENCES ledger_transactions (id),
    account_id      bigint NOT NULL REFERENCES ledger_accounts (id),
    amount          bigint NOT NULL CHECK (amount <> 0),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_by_transaction ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id, created_at);

-- Append-only: history is corrected by new transactions, never by editing old ones.
-- (TRUNCATE is not blocked: the test suite empties every table between tests.)
CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();

-- Each entry moves its account's balance in the same statement; the CHECK on ledger_accounts then
-- refuses an entry that would overdraw a user's available or held balance.
CREATE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE id = NEW.account_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_entry();

-- Balances change only through entries (the trigger above runs at depth 2); an account never changes
-- owner or kind and is never deleted.
CREATE FUNCTION ledger_guard_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger_accounts rows are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'ledger account % may not change kind or owner', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.balance IS DISTINCT FROM OLD.balance AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'ledger account % balance changes only through entries', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ledger_accounts_guard BEFORE UPDATE OR DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_account();

-- At COMMIT (deferred): the transaction's entries sum to zero and its positive side equals its amount.
CREATE FUNCTION ledger_check_transaction(tx_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
    positive bigint;
    expected bigint;
BEGIN
    SELECT coalesce(sum(amount), 0), coalesce(sum(amount) FILTER (WHERE amount > 0), 0)
      INTO total, positive
      FROM ledger_entries WHERE transaction_id = tx_id;
    SELECT amount INTO expected FROM ledger_transactions WHERE id = tx_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: its entries sum to %', tx_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF positive <> expected THEN
        RAISE EXCEPTION 'ledger transaction % moves % but records amount %', tx_id, positive, expected
            USING ERRCODE = 'check_violation';
    END IF;
END
$$;

CREATE FUNCTION ledger_check_entry_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_transaction(NEW.transaction_id);
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_check_new_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_transaction(NEW.id);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_transaction();
-- Also catches a transaction committed with no entries at all (its amount is > 0, its entries sum 0).
CREATE CONSTRAINT TRIGGER ledger_transactions_balanced AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_new_transaction();

-- A hold moves only from 'held' to a final status; what it reserves never changes; it is never deleted.
CREATE FUNCTION ledger_guard_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger_holds rows are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status <> 'held' THEN
        RAISE EXCEPTION 'hold % already ended as %', OLD.key, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.key IS DISTINCT FROM OLD.key OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.amount IS DISTINCT FROM OLD.amount OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'hold % may change only its status', OLD.key
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ledger_holds_guard BEFORE UPDATE OR DELETE ON ledger_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_hold();

-- Free tier: `used` counts the units taken on a Moscow calendar day and not given back.
-- The day row is the lock that serialises takes of one user on one day.
CREATE TABLE free_tier_days (
    user_id  bigint NOT NULL REFERENCES users (id),
    day      date NOT NULL,
    used     integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (user_id, day)
);

-- One row per free run (key = the hold key of the run); given back once, never taken again.
CREATE TABLE free_tier_uses (
    key            text PRIMARY KEY CHECK (key <> ''),
    user_id        bigint NOT NULL,
    day            date NOT NULL,
    taken_at       timestamptz NOT NULL DEFAULT now(),
    given_back_at  timestamptz,
    FOREIGN KEY (user_id, day) REFERENCES free_tier_days (user_id, day)
);
