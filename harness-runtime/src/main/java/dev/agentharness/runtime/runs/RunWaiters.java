package dev.agentharness.runtime.runs;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Wakes synchronous {@code POST /runs} callers the moment a run executed on this replica ends. A
 * run finished by another replica is still seen: waiters fall back to reading the database.
 */
@ApplicationScoped
public class RunWaiters {

    private final ConcurrentMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    CompletableFuture<Void> register(String runId) {
        return waiting.computeIfAbsent(runId, id -> new CompletableFuture<>());
    }

    void release(String runId, CompletableFuture<Void> future) {
        waiting.remove(runId, future);
    }

    void finished(String runId) {
        CompletableFuture<Void> future = waiting.remove(runId);
        if (future != null) {
            future.complete(null);
        }
    }
}
