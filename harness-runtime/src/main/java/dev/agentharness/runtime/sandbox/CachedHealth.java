package dev.agentharness.runtime.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A provider's health check for {@code /health}, run at most once per {@code ttl}: health is read on every
 * request, and the check itself costs a sandbox start or a call to a cloud API. Concurrent readers may run the
 * check twice at the edge of the window; that is cheaper than making them wait for each other.
 */
public final class CachedHealth {

    private final Duration ttl;
    private final BooleanSupplier check;
    private volatile boolean last;
    private volatile Instant checkedAt = Instant.EPOCH;

    /** @param check never throws; true when sandboxes can be created right now */
    public CachedHealth(Duration ttl, BooleanSupplier check) {
        this.ttl = ttl;
        this.check = check;
    }

    public boolean get() {
        if (Instant.now().isBefore(checkedAt.plus(ttl))) {
            return last;
        }
        boolean ok = check.getAsBoolean();
        last = ok;
        checkedAt = Instant.now();
        return ok;
    }

    /** The outcome of the previous check; empty before the first (for logging only when the health changes). */
    public Optional<Boolean> previous() {
        return checkedAt.equals(Instant.EPOCH) ? Optional.empty() : Optional.of(last);
    }
}
