-- What Kie billed for a generation (docs/operations.md, the margin report): the `creditsConsumed` its
-- task status carried when the task succeeded. jobs.kie_credits (migration 017) stays the catalog's
-- price of the confirmed input; the report reads Kie's bill where there is one and the price otherwise.
-- NULL: Kie's status had no bill (families without the field, or a 0 on a success — Kie reports 0 for
-- failed tasks, so a 0 on a success is read as "not reported" rather than "free").
ALTER TABLE jobs ADD COLUMN kie_credits_billed numeric CHECK (kie_credits_billed > 0);
