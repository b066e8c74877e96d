-- Fixes of the security and money review (issue 13).

-- Stars refunds: every attempt reverses the credit under its own key (stars:<charge> for the first,
-- stars:<charge>#<n> after), and a refused attempt gives it back under its own key too, so the net of
-- a charge is its amount while paid and 0 once refunded, whatever happened to earlier attempts.
ALTER TABLE stars_orders ADD COLUMN refund_attempts integer NOT NULL DEFAULT 0 CHECK (refund_attempts >= 0);
-- Orders refunded before this column existed had exactly one reversal, keyed stars:<charge>.
UPDATE stars_orders o SET refund_attempts = (
    SELECT count(*) FROM ledger_transactions t
    WHERE t.kind = 'topup_reversal' AND t.key = 'stars:' || o.charge_id
) WHERE o.charge_id IS NOT NULL;
ALTER TABLE stars_orders ADD CHECK (status <> 'refunded' OR refund_attempts > 0);

-- One refund record per job, whatever path made it: an admin (released / credited) or the automatic
-- refund of a result that could not be delivered (no admin).
ALTER TABLE job_refunds ALTER COLUMN admin_id DROP NOT NULL;
ALTER TABLE job_refunds DROP CONSTRAINT job_refunds_how_check;
ALTER TABLE job_refunds ADD CONSTRAINT job_refunds_how_check
    CHECK (how IN ('released', 'credited', 'undeliverable'));
ALTER TABLE job_refunds ADD CHECK ((how = 'undeliverable') = (admin_id IS NULL));

-- Kie callback signatures already accepted: a captured signed callback cannot be replayed, on any
-- instance. Kept 15 minutes (a timestamp is accepted within 5 minutes either way of now).
CREATE TABLE kie_callback_signatures (
    signature  text PRIMARY KEY CHECK (signature <> ''),
    seen_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kie_callback_signatures_seen ON kie_callback_signatures (seen_at);
