-- Follow-up actions on a result (➕ Продлить a track, 🖥 1080p of a video…): the job they follow up, and
-- the Kie ids of a job's results a follow-up needs (Suno's track ids for extend, stems and WAV).
-- A follow-up's parent is always a job of the same user: the composite key holds it in the database too.
CREATE UNIQUE INDEX jobs_request_user ON jobs (request_id, user_id);
ALTER TABLE jobs ADD COLUMN parent_job_id text;
ALTER TABLE jobs ADD CONSTRAINT jobs_parent_same_user
    FOREIGN KEY (parent_job_id, user_id) REFERENCES jobs (request_id, user_id);
CREATE INDEX jobs_parent ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
ALTER TABLE jobs ADD COLUMN result_ids jsonb;
