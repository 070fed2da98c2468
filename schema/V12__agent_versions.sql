-- Agents as versioned resources (issue 17). A tenant (principal) registers versions of its agents through
-- PUT /agents/{name}; a version is immutable, named by the sha256 of its normalised spec, and kept. public.agents holds
-- which version runs get when they name the agent without a version (the promotion gate moves it).
CREATE TABLE IF NOT EXISTS public.agent_versions (
    principal   text        NOT NULL,
    name        text        NOT NULL,
    version     text        NOT NULL CHECK (version ~ '^sha256:[0-9a-f]{64}$'),
    spec        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, name, version)
);

CREATE TABLE IF NOT EXISTS public.agents (
    principal       text        NOT NULL,
    name            text        NOT NULL,
    active_version  text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, name),
    FOREIGN KEY (principal, name, active_version) REFERENCES public.agent_versions (principal, name, version)
);

-- Golden-set evaluations of a version (POST /agents/{name}/evaluations). The cases are ordinary runs of the tenant
-- pinned to the version; this row is the verdict. A replica that stops while grading leaves 'running' with an old
-- heartbeat_at: readers report it as 'error' after the staleness bound, and asking again starts a new one.
CREATE TABLE IF NOT EXISTS public.agent_evaluations (
    id              text             PRIMARY KEY,
    principal       text             NOT NULL,
    name            text             NOT NULL,
    version         text             NOT NULL,
    dataset_digest  text             NOT NULL,
    threshold       double precision NOT NULL CHECK (threshold >= 0 AND threshold <= 1),
    status          text             NOT NULL CHECK (status IN ('running', 'passed', 'failed', 'error')),
    result          jsonb,
    created_at      timestamptz      NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz      NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    FOREIGN KEY (principal, name, version) REFERENCES public.agent_versions (principal, name, version)
);

CREATE INDEX IF NOT EXISTS agent_evaluations_lookup_idx
    ON public.agent_evaluations (principal, name, version, dataset_digest, threshold, created_at DESC);

-- Every run records the exact agent version it started with, and the versions of the tenant agents it may hand off
-- to ({name: version}), resolved once at submission so a resumed run replays with the same prompts.
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS agent_version text;
ALTER TABLE public.runs ADD COLUMN IF NOT EXISTS agent_versions jsonb;

-- Chargeback per prompt version.
ALTER TABLE public.usage ADD COLUMN IF NOT EXISTS agent_version text;
