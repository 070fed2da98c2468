-- Sessions belong to their principal (issue 10): a session id is chosen by the client, so the same id used by two
-- principals is two sessions. The key becomes (principal, id) and runs reference their session through both
-- columns; the id alone no longer tells one principal anything about another's sessions. Existing rows keep their
-- ids (they were globally unique, so they are unique per principal too) and runs already carry the principal of
-- their session (submit refused any other), so no row changes.
ALTER TABLE public.runs DROP CONSTRAINT IF EXISTS runs_session_id_fkey;
ALTER TABLE public.sessions DROP CONSTRAINT IF EXISTS sessions_pkey;
ALTER TABLE public.sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (principal, id);
ALTER TABLE public.runs ADD CONSTRAINT runs_session_fkey
    FOREIGN KEY (principal, session_id) REFERENCES public.sessions (principal, id);

-- Session history is read per principal.
DROP INDEX IF EXISTS public.runs_session_created_idx;
CREATE INDEX IF NOT EXISTS runs_principal_session_created_idx ON public.runs (principal, session_id, created_at);
