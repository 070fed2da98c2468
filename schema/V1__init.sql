-- Agent Harness initial schema (SPEC §4, §6).
-- Every object is schema-qualified: Neon's pooled endpoint (PgBouncer, transaction mode) does not keep
-- search_path, so nothing may depend on it.

CREATE TABLE IF NOT EXISTS public.sessions (
    id          text        PRIMARY KEY,
    principal   text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS sessions_principal_updated_idx ON public.sessions (principal, updated_at);

CREATE TABLE IF NOT EXISTS public.runs (
    id                text        PRIMARY KEY,
    session_id        text        NOT NULL REFERENCES public.sessions (id),
    principal         text        NOT NULL,
    agent             text        NOT NULL,
    model             text        NOT NULL,
    status            text        NOT NULL DEFAULT 'queued'
        CONSTRAINT runs_status_check
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
    reason            text,
    message           text        NOT NULL,
    request_json      jsonb       NOT NULL,
    request_hash      text        NOT NULL,
    idempotency_key   text,
    reply             text,
    input_tokens      bigint      NOT NULL DEFAULT 0,
    output_tokens     bigint      NOT NULL DEFAULT 0,
    cost_usd          double precision NOT NULL DEFAULT 0,
    trace_id          text,
    used_sandbox      boolean     NOT NULL DEFAULT false,
    save_artifact     boolean     NOT NULL DEFAULT false,
    max_turns         integer     NOT NULL,
    timeout_seconds   integer,
    cancel_requested  boolean     NOT NULL DEFAULT false,
    attempts          integer     NOT NULL DEFAULT 0,
    lease_owner       text,
    lease_expires_at  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    completed_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- NULL keys never collide, so runs without an Idempotency-Key are unconstrained.
    CONSTRAINT runs_principal_idempotency_key_uq UNIQUE (principal, idempotency_key)
);

-- Queue claim: oldest queued first.
CREATE INDEX IF NOT EXISTS runs_status_created_idx ON public.runs (status, created_at);
-- Bulk status poll (GET /runs?updated_since=).
CREATE INDEX IF NOT EXISTS runs_principal_updated_idx ON public.runs (principal, updated_at);
-- Lease expiry sweep only ever looks at running runs.
CREATE INDEX IF NOT EXISTS runs_lease_expiry_idx ON public.runs (lease_expires_at) WHERE status = 'running';
-- Session history.
CREATE INDEX IF NOT EXISTS runs_session_created_idx ON public.runs (session_id, created_at);

CREATE TABLE IF NOT EXISTS public.traces (
    run_id      text        PRIMARY KEY REFERENCES public.runs (id) ON DELETE CASCADE,
    trace_id    text,
    spans       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.artifacts (
    id            bigserial   PRIMARY KEY,
    run_id        text        NOT NULL REFERENCES public.runs (id) ON DELETE CASCADE,
    name          text        NOT NULL,
    key           text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    content_type  text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT artifacts_run_name_uq UNIQUE (run_id, name)
);

CREATE TABLE IF NOT EXISTS public.audit_log (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    principal  text,
    run_id     text,
    action     text        NOT NULL,
    detail     jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS audit_log_run_idx ON public.audit_log (run_id, at);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON public.audit_log (at);
