-- Golden-set evaluations of built-in and file agents too (issue 17): their versions are digests of specs the harness
-- ships or reads from files, never rows of public.agent_versions, so an evaluation names a version without a foreign
-- key; the API checks the version exists (a tenant's stored version, or the built-in/file agent's current one) before
-- it writes the row.
ALTER TABLE public.agent_evaluations DROP CONSTRAINT IF EXISTS agent_evaluations_principal_name_version_fkey;
