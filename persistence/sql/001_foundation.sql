-- Users, the durable update inbox and per-chat sessions.

CREATE TABLE users (
    id              bigint PRIMARY KEY,            -- Telegram user id
    username        text,
    first_name      text,
    language        text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    language_chosen boolean NOT NULL DEFAULT false, -- true once the user picked it in settings
    is_active       boolean NOT NULL DEFAULT true,  -- false once Telegram says the user blocked the bot
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now()
);

-- Every update Telegram delivered, stored before the webhook answers 200.
-- status: pending (not processed yet) -> replying (state committed, replies being sent) -> done,
-- or parked after too many failures. A lease (lease_until in the future) marks a row being worked on.
CREATE TABLE inbox (
    update_id     bigint PRIMARY KEY,
    chat_key      bigint NOT NULL,                 -- updates of one chat are processed in this order
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'replying', 'done', 'parked')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    available_at  timestamptz NOT NULL DEFAULT now(),
    lease_until   timestamptz,
    actions       jsonb,                           -- replies decided by the flow, sent after commit
    actions_sent  integer NOT NULL DEFAULT 0 CHECK (actions_sent >= 0),
    request_id    text,
    error         text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    CHECK ((status IN ('done', 'parked')) = (finished_at IS NOT NULL))
);

-- The lease query looks only at open rows; this index keeps it small however long the history.
CREATE INDEX inbox_open_by_chat ON inbox (chat_key, update_id) WHERE status IN ('pending', 'replying');
CREATE INDEX inbox_finished ON inbox (finished_at) WHERE finished_at IS NOT NULL;

-- One conversation state per chat: where the user is and what the wizard collected.
CREATE TABLE sessions (
    chat_id     bigint PRIMARY KEY,
    version     integer NOT NULL DEFAULT 0 CHECK (version >= 0),
    state       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
