package dev.agentharness.runtime.state;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Awaits Vert.x futures from virtual (or worker) threads: the state API is blocking by design. */
final class Blocking {

    private Blocking() {
    }

    static <T> T await(Future<T> future, Duration timeout) {
        if (Context.isOnEventLoopThread()) {
            // Blocking here would deadlock the very event loop that must complete the future.
            throw new IllegalStateException("blocking database call on a Vert.x event-loop thread");
        }
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseException("interrupted while waiting for the database", e);
        } catch (TimeoutException e) {
            throw new DatabaseException("database did not answer within " + timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new DatabaseException("database call failed: " + cause.getMessage(), cause);
        }
    }

    /** For cleanup paths (closing pools): waits, but never throws. */
    static void awaitQuietly(Future<?> future, Duration timeout) {
        try {
            await(future, timeout);
        } catch (RuntimeException e) {
            // Closing is best effort; the process may be going away anyway.
        }
    }
}
