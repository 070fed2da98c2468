package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Golden-set evaluations of agent versions ({@code harness.agent-evaluation.*}, {@link AgentEvaluations}). */
@ConfigMapping(prefix = "harness.agent-evaluation")
public interface AgentEvaluationSettings {

    /** {@code HARNESS_AGENT_EVALUATION_CONCURRENCY}: cases of one evaluation run at once (each is a real run). */
    @WithDefault("4")
    int concurrency();

    /** {@code HARNESS_AGENT_EVALUATION_MAX_CASES}: a dataset with more cases is refused (422) before anything runs. */
    @WithDefault("200")
    int maxCases();

    /**
     * {@code HARNESS_AGENT_EVALUATION_STALE_AFTER}: a running evaluation whose heartbeat is older (its replica stopped)
     * is reported as {@code error}, and asking again starts a new one. Heartbeats come every third of it.
     */
    @WithDefault("2m")
    Duration staleAfter();
}
