-- Stars packs and the monthly plan (a Telegram Stars subscription, 30 days a period).
--
-- Every Stars payment, a pack or a plan period, is a stars_orders row (006): one charge id, one ledger
-- credit keyed "stars:<charge id>", refundable like any other order. A plan's first invoice is an
-- order of kind 'plan'; each renewal (a new successful_payment, same invoice payload) gets a paid
-- copy of it, as a second charge of an order always did.
ALTER TABLE stars_orders ADD COLUMN kind text NOT NULL DEFAULT 'pack' CHECK (kind IN ('pack', 'plan'));

-- One plan per user. Telegram sends nothing when a user cancels or a renewal fails: the plan is
-- active while paid_until > now(); a renewal moves paid_until on, a lapse is just time passing.
-- status: 'active' (renews), 'canceled' (the user stopped it: kept until paid_until, never renewed),
-- 'refunded' (the last period was refunded through /paysupport: ended at once).
CREATE TABLE stars_plans (
    user_id         bigint PRIMARY KEY REFERENCES users (id),
    status          text NOT NULL CHECK (status IN ('active', 'canceled', 'refunded')),
    paid_until      timestamptz NOT NULL,
    last_order_id   text NOT NULL REFERENCES stars_orders (id),
    last_charge_id  text NOT NULL,
    periods         integer NOT NULL DEFAULT 1 CHECK (periods >= 1),
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
