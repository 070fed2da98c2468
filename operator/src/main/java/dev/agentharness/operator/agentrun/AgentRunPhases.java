package dev.agentharness.operator.agentrun;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunPhase;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;

/**
 * {@code agentharness_operator_agentruns{phase}}: the AgentRuns in the informer cache by {@code status.phase}, one
 * series per phase (0 when none). Counted from a cache index the informer keeps up to date, so a scrape makes no
 * API call and does not walk the cache. AgentRuns without a phase yet (not reconciled once) are in no series.
 */
final class AgentRunPhases {

    static final String BY_PHASE = "by-phase";

    private AgentRunPhases() {
    }

    /** Indexes {@code cache} by phase (before the informer starts) and registers one gauge per phase. */
    static void register(IndexerResourceCache<AgentRun> cache, MeterRegistry meters) {
        cache.addIndexer(BY_PHASE, run -> run.getStatus() == null || run.getStatus().getPhase() == null
                ? List.of() : List.of(run.getStatus().getPhase().name()));
        for (AgentRunPhase phase : AgentRunPhase.values()) {
            Gauge.builder("agentharness.operator.agentruns", cache, c -> c.byIndex(BY_PHASE, phase.name()).size())
                    .description("AgentRuns in the operator's informer cache, by status.phase")
                    .tag("phase", phase.name())
                    .register(meters);
        }
    }
}
