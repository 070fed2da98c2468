-- Fair claiming and per-principal quotas (RunQueue.claimQueued, RunSubmissions.submit with a quota): the principals
-- with queued runs (a loose index scan: one probe each), a principal's oldest queued runs, and a principal's queued
-- and running counts, all from the few rows that are queued or running rather than a principal's whole history.
CREATE INDEX IF NOT EXISTS runs_active_principal_idx ON public.runs (status, principal, created_at, id)
    WHERE status IN ('queued', 'running');
