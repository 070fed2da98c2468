-- What each model call used and cost (issue 13): one row per model_response step, written in the same statement as
-- the step itself by the fenced journal append (state/RunJournal), so a worker that lost its lease writes neither and a
-- replayed response (never appended again) is never counted twice. cost_usd is priced when the call is recorded and
-- never recomputed. Rows outlive the run's retention on purpose: they are the chargeback ledger (GET /usage).
CREATE TABLE IF NOT EXISTS public.usage (
    run_id               text          NOT NULL,
    seq                  integer       NOT NULL,
    principal            text          NOT NULL,
    agent                text          NOT NULL,
    model                text          NOT NULL,
    input_tokens         bigint        NOT NULL DEFAULT 0,
    cached_input_tokens  bigint        NOT NULL DEFAULT 0,
    output_tokens        bigint        NOT NULL DEFAULT 0,
    cost_usd             numeric       NOT NULL DEFAULT 0,
    recorded_at          timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);

-- Today's spend of a principal before every model call (budgets) and GET /usage windows: principal first, then time;
-- the covered columns let both be answered from the index alone.
CREATE INDEX IF NOT EXISTS usage_principal_recorded_idx ON public.usage (principal, recorded_at)
    INCLUDE (cost_usd, input_tokens, cached_input_tokens, output_tokens);
-- Windows across all principals (an admin's chargeback report).
CREATE INDEX IF NOT EXISTS usage_recorded_idx ON public.usage (recorded_at);

-- Cached input tokens of the whole run, beside input_tokens/output_tokens (a part of input_tokens, billed cheaper).
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS cached_input_tokens bigint NOT NULL DEFAULT 0;
