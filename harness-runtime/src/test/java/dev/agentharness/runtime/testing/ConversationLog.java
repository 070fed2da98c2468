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
