-- The main menu's recent models and the data of ⭐ Популярное (flows/menus, docs/architecture.md).

-- The user's last three models, newest first. Read with the user's row in the one statement every
-- update starts with (persistence/update_context.py), so the main menu shows them without a query.
ALTER TABLE users ADD COLUMN recent_models text[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(recent_models) <= 3);

-- Kept by the database whenever a generation job is created, whichever code path inserts it (a
-- wizard, 🔁 Сделать ещё раз, a follow-up action), in the same transaction as the job.
CREATE FUNCTION remember_recent_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users
    SET recent_models = (array_prepend(NEW.model_id, array_remove(recent_models, NEW.model_id)))[1:3]
    WHERE id = NEW.user_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_remember_recent_model AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION remember_recent_model();

-- Users who ran models before this migration: their last three, from the history.
UPDATE users AS u
SET recent_models = r.models
FROM (
    SELECT user_id, (array_agg(model_id ORDER BY last_run DESC))[1:3] AS models
    FROM (SELECT user_id, model_id, max(created_at) AS last_run FROM jobs GROUP BY user_id, model_id) AS per_model
    GROUP BY user_id
) AS r
WHERE u.id = r.user_id;

-- ⭐ Популярное counts the runs of the last 7 days across users (runtime/popular.py, every few minutes).
CREATE INDEX jobs_by_created ON jobs (created_at);
