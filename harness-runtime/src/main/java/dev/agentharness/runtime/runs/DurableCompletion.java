package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.CompletionRejectedException;
import dev.agentharness.runtime.state.RunCompletion;
import dev.agentharness.runtime.state.RunCompletions;
import dev.agentharness.runtime.state.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Records a finished run even across a database outage: the result of a model conversation is paid for and must not
 * be dropped because PostgreSQL restarted at the wrong moment. Retries with exponential backoff (250 ms doubling to
 * 5 s) for up to {@code harness.runs.complete-retry-seconds}. The write itself stays guarded by the lease
 * ({@code lease_owner = this worker}), so a retry that arrives after another replica took the run over changes
 * nothing — retrying never produces a second result. A result the database refuses for its content
 * ({@link CompletionRejectedException}) is not an outage and is never retried.
 */
@ApplicationScoped
public class DurableCompletion {

    private static final Logger LOG = Logger.getLogger(DurableCompletion.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final RunCompletions runs;
    private final Duration window;
    private final Clock clock;

    @Inject
    public DurableCompletion(RunCompletions runs, RunLimits limits, Clock clock) {
        this(runs, Duration.ofSeconds(limits.completeRetrySeconds()), clock);
    }

    public DurableCompletion(RunCompletions runs, Duration window, Clock clock) {
        this.runs = runs;
        this.window = window;
        this.clock = clock;
    }

    /** How long a completion is retried through an outage. */
    public Duration window() {
        return window;
    }

    /**
     * The run as recorded, empty when the lease had moved to another worker; throws once the window is spent, and at
     * once for a {@link CompletionRejectedException}.
     */
    public Optional<RunRecord> finish(RunCompletion completion) {
        return retry("recording the run", () -> runs.finish(completion));
    }

    /**
     * {@code write} (a journal append, a completion: writes the lease guards; or a read a claimed run cannot start
     * without), retried through an outage for the window; at once rethrown when the database refuses the values
     * themselves.
     */
    public <T> T retry(String what, java.util.function.Supplier<T> write) {
        Instant deadline = clock.instant().plus(window);
        Duration backoff = FIRST_BACKOFF;
        int attempt = 1;
        while (true) {
            try {
                return write.get();
            } catch (IllegalArgumentException | CompletionRejectedException e) {
                throw e; // a programming error or values the database refuses: retrying cannot help
            } catch (RuntimeException e) {
                if (clock.instant().plus(backoff).isAfter(deadline) || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                if (attempt == 1) {
                    LOG.warnf("database unavailable while %s (%s); retrying for up to %ds", what,
                            e.getMessage(), window.toSeconds());
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                attempt++;
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
