-- Artifacts (SPEC §7): why saving a run's artifact failed, when it did. The run itself still succeeds
-- (its reply is in public.runs), so the failure is a property of the run, not a row in public.artifacts.
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS artifact_error text;
