package dev.agentharness.runtime.testing;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the fake model's request log per conversation. Every test run carries a unique marker in its message, and the
 * harness sends the message with every model request of that run, so the requests containing a marker are exactly
 * that run's model conversation.
 */
public final class ConversationLog {

    private final List<RecordedRequest> requests;

    public ConversationLog(FakeModelServer model) {
        this.requests = model.requests();
    }

    /** When the model received each request of the run with {@code marker}, oldest first. */
    public List<Instant> requestsOf(String marker) {
        List<Instant> times = new ArrayList<>();
        for (RecordedRequest request : requests) {
            if (request.body() != null && request.body().toString().contains(marker)) {
                times.add(request.receivedAt());
            }
        }
        times.sort(null);
        return times;
    }

    /**
     * The run's model requests grouped by turn, oldest turn first: a turn is identified by how many input items its
     * request carried (each turn adds the previous response and its tool outputs, and a resumed run rebuilds the same
     * input from its journal), so a turn requested twice shows up as a group of two.
     */
    public List<List<Instant>> requestsPerTurn(String marker) {
        java.util.TreeMap<Integer, List<Instant>> turns = new java.util.TreeMap<>();
        for (RecordedRequest request : requests) {
            if (request.body() != null && request.body().toString().contains(marker)) {
                turns.computeIfAbsent(request.inputItems().size(), size -> new ArrayList<>()).add(request.receivedAt());
            }
        }
        turns.values().forEach(times -> times.sort(null));
        return List.copyOf(turns.values());
    }

    /**
     * True when two requests of one conversation were in flight at once. The fake answers every request after exactly
     * {@code latency}, so a request that arrives less than {@code latency} after the previous one overlapped it.
     */
    public boolean overlapping(String marker, Duration latency) {
        List<Instant> times = requestsOf(marker);
        for (int i = 1; i < times.size(); i++) {
            if (Duration.between(times.get(i - 1), times.get(i)).compareTo(latency) < 0) {
                return true;
            }
        }
        return false;
    }
}
