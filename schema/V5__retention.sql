-- Retention (runs/RetentionJob): finding finished runs whose idempotency key is due to be freed without scanning
-- every finished run. Runs and audit entries are found through runs_status_created_idx and audit_log_at_idx.
CREATE INDEX IF NOT EXISTS runs_idempotency_created_idx ON public.runs (created_at) WHERE idempotency_key IS NOT NULL;
