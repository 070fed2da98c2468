-- Bulk run feed (GET /runs?cursor=): a keyset over (updated_at, id), so a page boundary inside a group of runs
-- sharing one timestamp (a claim batch, a lease sweep) moves on instead of repeating the group forever.
CREATE INDEX IF NOT EXISTS runs_principal_updated_id_idx ON public.runs (principal, updated_at, id);
DROP INDEX IF EXISTS public.runs_principal_updated_idx;
