-- Money around the ledger: top-up requests by transfer, Telegram Stars orders, the admin audit log,
-- admin blocking of users, and admin refunds of jobs. Every credit itself goes through the ledger
-- (004), keyed by the request id or the Stars charge id, so nothing here can mint money twice.

-- An admin-blocked user gets a short notice on any action and cannot start generations.
ALTER TABLE users ADD COLUMN blocked_at timestamptz;
ALTER TABLE users ADD COLUMN blocked_by bigint;

CREATE INDEX users_username_lower ON users (lower(username)) WHERE username IS NOT NULL;

-- A manual transfer: the id is also the payment code the user writes in the transfer comment.
-- open (details shown) -> submitted ("Я оплатил") -> approved | rejected; open/submitted -> cancelled
-- (by the user) or expired (24 h, checked when shown or acted on).
CREATE TABLE topup_requests (
    id                  text PRIMARY KEY CHECK (id ~ '^T-[0-9A-HJKMNP-TV-Z]{6}$'),
    user_id             bigint NOT NULL REFERENCES users (id),
    amount_kopecks      bigint NOT NULL CHECK (amount_kopecks > 0),
    status              text NOT NULL DEFAULT 'open'
                        CHECK (status IN ('open', 'submitted', 'approved', 'rejected', 'cancelled', 'expired')),
    screenshot_file_id  text,
    decided_by          bigint,
    reason              text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    submitted_at        timestamptz,
    decided_at          timestamptz,
    CHECK ((status IN ('approved', 'rejected')) = (decided_by IS NOT NULL)),
    CHECK ((status IN ('open', 'submitted')) = (decided_at IS NULL))
);

CREATE INDEX topup_requests_by_user ON topup_requests (user_id, created_at DESC);
CREATE INDEX topup_requests_waiting ON topup_requests (created_at) WHERE status IN ('open', 'submitted');

-- A Telegram Stars invoice: the id is the invoice payload. open -> paid -> refunded.
CREATE TABLE stars_orders (
    id              text PRIMARY KEY CHECK (id ~ '^S-[0-9A-HJKMNP-TV-Z]{6}$'),
    user_id         bigint NOT NULL REFERENCES users (id),
    amount_kopecks  bigint NOT NULL CHECK (amount_kopecks > 0),
    stars           integer NOT NULL CHECK (stars >= 1),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'refunded')),
    charge_id       text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    paid_at         timestamptz,
    refunded_at     timestamptz,
    refunded_by     bigint,
    CHECK ((status = 'open') = (charge_id IS NULL))
);

CREATE INDEX stars_orders_by_user ON stars_orders (user_id, created_at DESC);

-- One admin refund per job (a released hold or a credit adjustment).
CREATE TABLE job_refunds (
    request_id      text PRIMARY KEY,
    user_id         bigint NOT NULL,
    admin_id        bigint NOT NULL,
    how             text NOT NULL CHECK (how IN ('released', 'credited')),
    amount_kopecks  bigint NOT NULL CHECK (amount_kopecks >= 0),
    at              timestamptz NOT NULL DEFAULT now()
);

-- Every admin action: who, what, on whom, how much, why, when. Append-only.
CREATE TABLE admin_audit (
    id              bigserial PRIMARY KEY,
    admin_id        bigint NOT NULL,
    action          text NOT NULL,
    target_user_id  bigint,
    target          text,
    amount_kopecks  bigint,
    reason          text,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX admin_audit_by_time ON admin_audit (at DESC);

CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only';
END $$;

CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();
