-- The key of a job's hold, stored with the job: flows.jobs.model.hold_key builds it (and nothing else
-- does), reads join the ledger on it instead of rebuilding it in SQL.
ALTER TABLE jobs ADD COLUMN hold_key text;
-- Jobs made before the column existed: the key they were held under.
UPDATE jobs SET hold_key = request_id || ':' || user_id || ':' || model_id;
ALTER TABLE jobs ALTER COLUMN hold_key SET NOT NULL;
ALTER TABLE jobs ADD CONSTRAINT jobs_hold_key_unique UNIQUE (hold_key);
