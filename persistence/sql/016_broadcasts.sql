-- Admin broadcasts (📣 Рассылка, docs/operations.md): one row per broadcast, one row per recipient.
-- The recipients are chosen once, when the admin confirms (in that update's transaction), so the
-- audience does not drift while the job runs, and a restart resumes from the rows left 'pending'.
CREATE TABLE broadcasts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key                 text NOT NULL UNIQUE CHECK (key <> ''),  -- the confirm tap: a repeat starts nothing
    admin_id            bigint NOT NULL,
    audience            text NOT NULL CHECK (audience IN ('all', 'active30', 'paid')),
    text                text NOT NULL CHECK (text <> ''),        -- Telegram HTML
    photo_file_id       text,
    button_text         text,
    button_url          text,
    status              text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
    progress_message_id bigint,                                  -- the admin's message edited as it goes
    created_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    CHECK ((button_text IS NULL) = (button_url IS NULL)),
    CHECK ((status = 'done') = (finished_at IS NOT NULL))
);
CREATE INDEX broadcasts_sending ON broadcasts (id) WHERE status = 'sending';

-- state: pending → sending (claimed, committed before the send) → sent | blocked | failed.
-- A row is claimed and committed as 'sending' before its message goes out and is never claimed again:
-- a crash between the send and the final mark loses that one message (at most once), never repeats it.
CREATE TABLE broadcast_recipients (
    broadcast_id bigint NOT NULL REFERENCES broadcasts (id),
    user_id      bigint NOT NULL REFERENCES users (id),
    state        text NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (broadcast_id, user_id)
    WHERE state = 'pending';
