-- The margin report (docs/operations.md): what Kie billed for each run, recorded when it is known, so
-- the report reads revenue and Kie cost in one query. Credits are Kie's unit; the report converts them
-- with the pricing policy's usd_per_credit × rub_per_usd (no markup). NULL: run recorded before this
-- migration (the report counts such runs apart instead of guessing).

-- A generation: the catalog's credits for the confirmed input (price row × units), set at confirm.
ALTER TABLE jobs ADD COLUMN kie_credits numeric CHECK (kie_credits >= 0);
-- A chat answer: Kie's `credits_consumed` when the answer carried it, else its usage × the model's
-- token prices, else (a stopped stream) the estimated tokens × prices; set when the run is settled.
ALTER TABLE chat_runs ADD COLUMN kie_credits numeric CHECK (kie_credits >= 0);

-- The report and the CSV export read ledger entries by time.
CREATE INDEX ledger_entries_by_time ON ledger_entries (created_at);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX chat_runs_finished ON chat_runs (finished_at) WHERE finished_at IS NOT NULL;
