-- Whether a finished run's spans were sent to Arize Phoenix (issue 12): decided at completion from the run id and its
-- outcome (observability/PhoenixSampling), so GET /runs/{id} says where to look. NULL when Phoenix was off (and while
-- the run is not finished).
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS sampled_to_phoenix boolean;
