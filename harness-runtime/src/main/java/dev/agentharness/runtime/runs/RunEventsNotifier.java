package dev.agentharness.runtime.runs;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;

/**
 * Wakes the open event streams of a run the moment this replica wrote its journal, instead of at their next poll.
 * Streams of runs executing on another replica are not woken: they find the steps by polling.
 */
@ApplicationScoped
public class RunEventsNotifier {

    private final ConcurrentMap<String, Set<Semaphore>> listeners = new ConcurrentHashMap<>();

    /** Call after each successful append to the run's journal and after its completion. */
    public void stepsWritten(String runId) {
        Set<Semaphore> waiting = listeners.get(runId);
        if (waiting != null) {
            // One pending permit is enough to wake a stream; more would only make it poll again for nothing.
            waiting.forEach(wakeup -> {
                if (wakeup.availablePermits() == 0) {
                    wakeup.release();
                }
            });
        }
    }

    Semaphore listen(String runId) {
        Semaphore wakeup = new Semaphore(0);
        listeners.computeIfAbsent(runId, id -> ConcurrentHashMap.newKeySet()).add(wakeup);
        return wakeup;
    }

    void stopListening(String runId, Semaphore wakeup) {
        listeners.computeIfPresent(runId, (id, waiting) -> {
            waiting.remove(wakeup);
            return waiting.isEmpty() ? null : waiting;
        });
    }

    /** Streams currently listening, over all runs. */
    int listening() {
        return listeners.values().stream().mapToInt(Set::size).sum();
    }
}
