-- What the job workers (runtime/jobs) need beyond 002: a fencing token per lease, the progress stage
-- last shown, the money outcome to tell the user, delivery retries, and the operator alert clock.

-- A new token on every lease: a worker whose lease expired (it hung, another instance took over)
-- can no longer change the row, because every transition matches on the token it was given.
ALTER TABLE jobs ADD COLUMN lease_token uuid;
-- The progress stage the user's progress message shows now ('queued' | 'generating'): edit on change only.
ALTER TABLE jobs ADD COLUMN progress_stage text;
-- Kopecks the failure released back to the user's balance (0: nothing moved, e.g. a free run).
ALTER TABLE jobs ADD COLUMN refunded_kopecks bigint CHECK (refunded_kopecks >= 0);
ALTER TABLE jobs ADD COLUMN delivery_attempts integer NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0);
ALTER TABLE jobs ADD COLUMN delivery_error text;
-- A Kie callback arrived while the job was leased: its check must not be pushed back by that lease.
ALTER TABLE jobs ADD COLUMN hint_pending boolean NOT NULL DEFAULT false;

-- Finished, undelivered jobs are leased by next_check_at (the next delivery attempt).
CREATE INDEX jobs_to_deliver ON jobs (next_check_at) WHERE finished_at IS NOT NULL AND delivered_at IS NULL;

-- Operator alerts rate-limited across instances and restarts ("Kie credits are out" at most hourly).
CREATE TABLE job_alerts (
    kind         text PRIMARY KEY,
    last_sent_at timestamptz NOT NULL
);
