-- Evaluation scores (issue 14): one row per (run, source, evaluator). Derived from the run's journal by graders —
-- never a second record of what the run did. 'inline' rows are written by the harness after a run completes (the
-- evaluators declared with the run's agent); 'nightly' rows by the nightly job. Re-grading upserts.
-- They go with their run (ON DELETE CASCADE), like its journal.
CREATE TABLE IF NOT EXISTS public.eval_scores (
    run_id        text             NOT NULL REFERENCES public.runs (id) ON DELETE CASCADE,
    source        text             NOT NULL CHECK (source IN ('inline', 'nightly')),
    evaluator     text             NOT NULL,
    kind          text             NOT NULL,
    value         numeric          NOT NULL CHECK (value >= 0 AND value <= 1),
    label         text             NOT NULL,
    passed        boolean          NOT NULL,
    explanation   text             NOT NULL DEFAULT '',
    principal     text             NOT NULL,
    agent         text             NOT NULL,
    evaluated_at  timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, source, evaluator)
);

-- "Scores of the last 24 h by evaluator" (the score gauges, the nightly summary).
CREATE INDEX IF NOT EXISTS eval_scores_evaluated_idx ON public.eval_scores (evaluated_at, agent, evaluator)
    INCLUDE (value, passed);
