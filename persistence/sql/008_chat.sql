-- 💬 Тексты: dialogs with chat models, their turns, the answer in progress, and the free text quota.
-- See docs/chat.md. Money goes through the ledger (004) keyed by the turn key
-- (request id : user id : model id), in the same transaction as the turns stored here.

-- A dialog: one user, one model, one mode (a system prompt). At most one is open per user and model:
-- the one a new message continues; 🧹 Новый диалог closes it.
CREATE TABLE dialogs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    model_id    text NOT NULL CHECK (model_id <> ''),
    mode        text NOT NULL CHECK (mode IN ('assistant', 'translator', 'editor', 'coder', 'copywriter')),
    title       text CHECK (title <> '' AND length(title) <= 80),
    open        boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (updated_at >= created_at)
);
CREATE UNIQUE INDEX dialogs_one_open_per_model ON dialogs (user_id, model_id) WHERE open;
CREATE INDEX dialogs_by_user ON dialogs (user_id, updated_at DESC);

-- The turns of a dialog: a user message and the model's answer, stored together once the answer is
-- settled. `tokens` is the estimate used to trim the context; the answer carries its cost.
CREATE TABLE chat_turns (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dialog_id     bigint NOT NULL REFERENCES dialogs (id),
    request_id    text NOT NULL CHECK (request_id ~ '^R-[0-9A-HJKMNP-TV-Z]{6}$'),
    role          text NOT NULL CHECK (role IN ('user', 'assistant')),
    content       text NOT NULL,
    image_urls    text[] NOT NULL DEFAULT '{}',
    tokens        integer NOT NULL CHECK (tokens >= 0),
    cost_kopecks  bigint CHECK (cost_kopecks >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_turns_once UNIQUE (dialog_id, request_id, role),
    CHECK ((role = 'assistant') = (cost_kopecks IS NOT NULL)),
    CHECK (role = 'assistant' OR content <> '' OR cardinality(image_urls) > 0),
    CHECK (role = 'user' OR cardinality(image_urls) = 0)
);
CREATE INDEX chat_turns_by_dialog ON chat_turns (dialog_id, id);

-- The answer to one message while it is generated (and after): what to run, how many attempts, the
-- stop flag the streaming loop polls, and how it ended. Created with the hold, in the update's
-- transaction; the inbox row of that update stays 'replying' until the run is finished and delivered.
CREATE TABLE chat_runs (
    key                text PRIMARY KEY CHECK (key <> ''),
    request_id         text NOT NULL CHECK (request_id ~ '^R-[0-9A-HJKMNP-TV-Z]{6}$'),
    user_id            bigint NOT NULL REFERENCES users (id),
    chat_id            bigint NOT NULL,
    dialog_id          bigint NOT NULL REFERENCES dialogs (id),
    request            jsonb NOT NULL,
    state              text NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'running', 'answered', 'stopped', 'failed')),
    attempts           integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    stop_requested_at  timestamptz,
    cost_kopecks       bigint CHECK (cost_kopecks >= 0),
    finish_reason      text,
    failure            text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    delivered_at       timestamptz,
    CHECK ((state IN ('pending', 'running')) = (finished_at IS NULL)),
    CHECK ((state IN ('answered', 'stopped')) = (cost_kopecks IS NOT NULL)),
    CHECK ((state = 'failed') = (failure IS NOT NULL)),
    CHECK (delivered_at IS NULL OR finished_at IS NOT NULL)
);
CREATE INDEX chat_runs_unfinished ON chat_runs (chat_id) WHERE finished_at IS NULL;

-- Free text answers: a quota of their own per Moscow day, counted exactly like free_tier_* (004).
CREATE TABLE free_text_days (
    user_id  bigint NOT NULL REFERENCES users (id),
    day      date NOT NULL,
    used     integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (user_id, day)
);

CREATE TABLE free_text_uses (
    key            text PRIMARY KEY CHECK (key <> ''),
    user_id        bigint NOT NULL,
    day            date NOT NULL,
    taken_at       timestamptz NOT NULL DEFAULT now(),
    given_back_at  timestamptz,
    FOREIGN KEY (user_id, day) REFERENCES free_text_days (user_id, day)
);
