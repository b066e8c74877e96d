-- Generation jobs: one row per confirmed wizard, stored in the same transaction as the session.
-- The jobs layer leases rows to submit them to Kie, poll them and deliver the results.

CREATE TABLE jobs (
    request_id        text PRIMARY KEY CHECK (request_id ~ '^R-[0-9A-HJKMNP-TV-Z]{6}$'),
    user_id           bigint NOT NULL REFERENCES users (id),
    chat_id           bigint NOT NULL,
    model_id          text NOT NULL,
    input             jsonb NOT NULL,             -- what Kie receives ("tgfile:" values uploaded first)
    files             jsonb NOT NULL DEFAULT '{}'::jsonb,
    wizard_values     jsonb NOT NULL,             -- to prefill "🔁 Сделать ещё раз"
    price_kopecks     bigint NOT NULL CHECK (price_kopecks >= 0),
    free              boolean NOT NULL DEFAULT false,
    lang              text NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'en')),
    state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'submitting', 'running', 'succeeded', 'failed', 'timed_out')),
    kie_task_id       text,
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until       timestamptz,
    next_check_at     timestamptz NOT NULL DEFAULT now(),
    progress_message_id bigint,
    result_urls       jsonb,
    result_text       text,
    result_file_ids   jsonb,
    failure_code      text,
    failure_message   text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    submitted_at      timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((state IN ('succeeded', 'failed', 'timed_out')) = (finished_at IS NOT NULL))
);

CREATE UNIQUE INDEX jobs_kie_task ON jobs (kie_task_id) WHERE kie_task_id IS NOT NULL;
CREATE INDEX jobs_open ON jobs (next_check_at) WHERE state IN ('queued', 'submitting', 'running');
CREATE INDEX jobs_by_user ON jobs (user_id, created_at DESC);
CREATE INDEX jobs_undelivered ON jobs (finished_at) WHERE finished_at IS NOT NULL AND delivered_at IS NULL;
