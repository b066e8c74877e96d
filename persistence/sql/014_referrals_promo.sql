-- Referrals and promo codes (docs/payments.md "Referrals and promo codes").

-- New ledger vocabulary: the bonuses are paid from a system account of their own, `promotions`
-- (it goes negative as bonuses go out, like `topups` as money comes in).
--   referral_bonus           promotions -> the inviter's available (a share of an invitee's paid top-up)
--   referral_bonus_reversal  the inviter's available -> promotions (that top-up was refunded)
--   promo_bonus              promotions -> available (a promo code: fixed rubles, a % of the next
--                            top-up, or the welcome bonus of an invited user's first top-up)
--   promo_bonus_reversal     available -> promotions (the top-up a % or welcome bonus rode on was refunded)
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
    CHECK (kind IN ('available', 'held', 'revenue', 'topups', 'adjustments', 'refunds', 'promotions'));
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
    CHECK (kind IN ('topup', 'topup_reversal', 'hold', 'capture', 'release', 'adjustment',
                    'referral_bonus', 'referral_bonus_reversal', 'promo_bonus', 'promo_bonus_reversal'));

-- A user's invite code: 8 characters of Crockford base32, made once (the first time the invite
-- screen is shown) and never changed.
CREATE TABLE referral_codes (
    user_id    bigint PRIMARY KEY REFERENCES users (id),
    code       text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{8}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Who invited whom: one row per invitee, written once (the primary key), never updated.
CREATE TABLE referrals (
    invitee_id bigint PRIMARY KEY REFERENCES users (id),
    inviter_id bigint NOT NULL REFERENCES users (id),
    bound_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (invitee_id <> inviter_id)
);
CREATE INDEX referrals_inviter ON referrals (inviter_id);

-- Promo codes, made by an admin. kind 'fixed': amount_kopecks credited at once; 'percent': that
-- percent of the user's next paid top-up, credited with it.
CREATE TABLE promo_codes (
    code            text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    kind            text NOT NULL CHECK (kind IN ('fixed', 'percent')),
    amount_kopecks  bigint CHECK (amount_kopecks > 0),
    percent         integer CHECK (percent BETWEEN 1 AND 100),
    max_uses        integer CHECK (max_uses > 0),            -- NULL: unlimited
    used            integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    expires_at      timestamptz,                             -- NULL: never
    new_users_only  boolean NOT NULL DEFAULT false,          -- only users who never topped up
    created_by      bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'fixed') = (amount_kopecks IS NOT NULL)),
    CHECK ((kind = 'percent') = (percent IS NOT NULL)),
    CHECK (max_uses IS NULL OR used <= max_uses)
);

-- One use per user and code. status: credited (fixed), pending (a % waiting for the next top-up),
-- applied (the % was credited with payment_id).
CREATE TABLE promo_uses (
    code            text NOT NULL REFERENCES promo_codes (code),
    user_id         bigint NOT NULL REFERENCES users (id),
    status          text NOT NULL CHECK (status IN ('credited', 'pending', 'applied')),
    credited_kopecks bigint NOT NULL DEFAULT 0 CHECK (credited_kopecks >= 0),
    payment_id      text,
    used_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, user_id),
    CHECK ((status = 'applied') = (payment_id IS NOT NULL))
);
CREATE INDEX promo_uses_pending ON promo_uses (user_id) WHERE status = 'pending';

-- Unknown codes a user sent (guessing is slowed down: after PROMO_MISSES_PER_HOUR of them in an hour,
-- every code is refused the same way for a while; flows/growth/model.py).
CREATE TABLE promo_misses (
    user_id bigint NOT NULL REFERENCES users (id),
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promo_misses_user ON promo_misses (user_id, at);
