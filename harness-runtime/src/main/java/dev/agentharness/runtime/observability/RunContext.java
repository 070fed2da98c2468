package dev.agentharness.runtime.observability;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.Optional;

/**
 * Marks an OpenTelemetry {@link Context} as belonging to one run, so every span started under it — ours, and those
 * the HTTP client, sandbox, storage and database code start while the run executes — carries the run's id and session
 * ({@link RunAttributesProcessor}). A context key, not Baggage: Baggage is propagated on outgoing requests, and a
 * run's ids have no business in the headers of a call to the model provider or a sandbox service.
 */
public final class RunContext {

    private static final ContextKey<RunIdentity> KEY = ContextKey.named("agentharness.run");

    /** @param sessionId the run's session: {@code session.id} (OpenInference) and {@code gen_ai.conversation.id} */
    public record RunIdentity(String runId, String sessionId) {
    }

    private RunContext() {
    }

    /** {@code context} marked as the run's: make the result current for as long as the run executes. */
    public static Context with(Context context, String runId, String sessionId) {
        return context.with(KEY, new RunIdentity(runId, sessionId));
    }

    /** The run {@code context} belongs to, if any. */
    public static Optional<RunIdentity> of(Context context) {
        return Optional.ofNullable(context.get(KEY));
    }
}
