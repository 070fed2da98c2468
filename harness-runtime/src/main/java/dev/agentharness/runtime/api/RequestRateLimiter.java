package dev.agentharness.runtime.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Requests per minute per principal on this replica: one Bucket4j bucket per principal, {@code n} tokens refilled all
 * at once every minute (a fixed window per principal, so {@code RateLimit-Reset} is exact). Buckets of principals idle
 * for {@link #IDLE_EVICTION} are dropped — an idle bucket is full again anyway — and at most {@link #MAX_PRINCIPALS}
 * are kept, so memory stays bounded whatever principals call. Time is the injected {@link Clock}.
 */
@ApplicationScoped
public class RequestRateLimiter {

    /** Longer than the window: a bucket idle this long has been refilled, so dropping it forgets nothing. */
    static final Duration IDLE_EVICTION = Duration.ofMinutes(2);
    static final long MAX_PRINCIPALS = 100_000;
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final Cache<Key, Bucket> buckets;
    private final TimeMeter time;

    @Inject
    public RequestRateLimiter(Clock clock) {
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(IDLE_EVICTION)
                .maximumSize(MAX_PRINCIPALS)
                .ticker(() -> time.currentTimeNanos())
                .build();
    }

    /** One request of {@code principal}, allowed {@code perMinute} requests a minute. */
    public Decision consume(String principal, int perMinute) {
        Bucket bucket = buckets.get(new Key(principal, perMinute), key -> Bucket.builder()
                .addLimit(limit -> limit.capacity(key.perMinute()).refillIntervally(key.perMinute(), WINDOW))
                .withCustomTimePrecision(time)
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return new Decision(probe.isConsumed(), perMinute, probe.getRemainingTokens(),
                seconds(probe.getNanosToWaitForReset()),
                probe.isConsumed() ? 0 : Math.max(1, seconds(probe.getNanosToWaitForRefill())));
    }

    /** Buckets held now (for tests of the bound). */
    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private static long seconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    /** The limit is part of the key, so a changed limit never reuses a bucket built for another. */
    private record Key(String principal, int perMinute) {
    }

    /**
     * The outcome of one request against the principal's bucket.
     *
     * @param resetSeconds      until the bucket is full again (rounded up)
     * @param retryAfterSeconds until one request is allowed again (rounded up); 0 when allowed
     */
    public record Decision(boolean allowed, int limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }
}
