-- Budgets and the kill switch (issue 13).
-- A run's own budget, as submitted (POST /runs max_cost_usd / max_tokens; NULL = none). The agent loop enforces it
-- before every model call; it is on the row so a resumed run on another replica keeps the same bounds.
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS max_cost_usd double precision;
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS max_tokens bigint;

-- The kill switch: one row per principal an admin ever suspended. In the database so every replica sees it: submissions
-- read it, and the lease heartbeat reads it with each renewed lease so running runs of a suspended principal stop on
-- every replica. resumed_* keep the last resume for GET /admin/principals/{p}.
CREATE TABLE IF NOT EXISTS public.principal_controls (
    principal     text        PRIMARY KEY,
    suspended     boolean     NOT NULL DEFAULT false,
    suspended_by  text,
    suspended_at  timestamptz,
    reason        text,
    resumed_by    text,
    resumed_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Alerts sent at most once per (principal, kind, period) across all replicas: the replica whose INSERT … ON CONFLICT
-- DO NOTHING wrote the row sends the webhook, every other one sees the row and does not.
CREATE TABLE IF NOT EXISTS public.alert_events (
    principal   text        NOT NULL,
    kind        text        NOT NULL,
    period      text        NOT NULL,
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, kind, period)
);
