package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.ArtifactIndex;
import dev.agentharness.runtime.state.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Wakes synchronous {@code POST /runs} callers the moment a run executed on this replica ends, handing them the run
 * as its completion recorded it (and its artifacts), so they need not read it back. A run finished by another
 * replica, or one whose outcome this replica could not record, is still seen: waiters fall back to the database.
 */
@ApplicationScoped
public class RunWaiters {

    /**
     * A run as its completion recorded it, with the artifacts the completion wrote (null when not known: read them);
     * {@link #UNKNOWN}, both null, when the outcome was not recorded here.
     */
    record Finished(RunRecord run, ArtifactIndex.RunArtifacts artifacts) {
        static final Finished UNKNOWN = new Finished(null, null);
    }

    private final ConcurrentMap<String, CompletableFuture<Finished>> waiting = new ConcurrentHashMap<>();

    CompletableFuture<Finished> register(String runId) {
        return waiting.computeIfAbsent(runId, id -> new CompletableFuture<>());
    }

    void release(String runId, CompletableFuture<Finished> future) {
        waiting.remove(runId, future);
    }

    void finished(String runId, Finished finished) {
        CompletableFuture<Finished> future = waiting.remove(runId);
        if (future != null) {
            future.complete(finished);
        }
    }
}
