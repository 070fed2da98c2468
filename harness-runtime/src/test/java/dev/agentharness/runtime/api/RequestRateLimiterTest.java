package dev.agentharness.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The per-principal buckets on a clock the test moves: the window, the rounding of the waits, eviction of idle ones. */
class RequestRateLimiterTest {

    @Test
    void nRequestsPerWindowThenRefusedUntilTheWindowRefills() {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
        RequestRateLimiter limiter = new RequestRateLimiter(clock);
        for (int i = 0; i < 3; i++) {
            RequestRateLimiter.Decision ok = limiter.consume("alice", 3);
            assertTrue(ok.allowed());
            assertEquals(2 - i, ok.remaining());
            assertEquals(60, ok.resetSeconds());
        }
        clock.advance(Duration.ofMillis(20_500));

        RequestRateLimiter.Decision refused = limiter.consume("alice", 3);

        assertFalse(refused.allowed());
        assertEquals(0, refused.remaining());
        assertEquals(40, refused.retryAfterSeconds(), "39.5 s rounded up");
        assertTrue(limiter.consume("bob", 3).allowed(), "another principal has its own bucket");
        clock.advance(Duration.ofSeconds(40));
        RequestRateLimiter.Decision refilled = limiter.consume("alice", 3);
        assertTrue(refilled.allowed());
        assertEquals(2, refilled.remaining());
    }

    @Test
    void bucketsOfIdlePrincipalsAreDropped() {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
        RequestRateLimiter limiter = new RequestRateLimiter(clock);
        for (int i = 0; i < 1_000; i++) {
            limiter.consume("principal-" + i, 10);
        }
        assertEquals(1_000, limiter.size());

        clock.advance(RequestRateLimiter.IDLE_EVICTION.plusSeconds(1));

        assertEquals(0, limiter.size());
    }
}
