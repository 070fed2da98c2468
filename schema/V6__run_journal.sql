-- The run journal (issue 11): every step of a run, appended while its worker holds the lease, so another replica can
-- resume the run from its last completed step, the events endpoint can stream it and the trace is built from it.
--
-- lease_epoch counts claims: a worker appends only with the epoch it claimed under (the fence), so a worker whose
-- lease was taken — even one that still believes it holds the run — can no longer write.
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS lease_epoch bigint NOT NULL DEFAULT 0;
-- Times the run was resumed after its worker died (capped by HARNESS_RUNS_MAX_RECOVERIES).
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS recoveries integer NOT NULL DEFAULT 0;
-- Progress, kept beside the row so the feed (and the operator) shows it without reading the journal.
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS turns integer NOT NULL DEFAULT 0;
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS step_count integer NOT NULL DEFAULT 0;
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS last_step text;

CREATE TABLE IF NOT EXISTS public.run_steps (
    run_id      text        NOT NULL REFERENCES public.runs (id) ON DELETE CASCADE,
    seq         integer     NOT NULL CONSTRAINT run_steps_seq_check CHECK (seq > 0),
    kind        text        NOT NULL,
    payload     jsonb       NOT NULL,
    -- The lease epoch the step was written under: which attempt of the run did what.
    epoch       bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);
