package dev.agentharness.operator.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.function.Supplier;

/**
 * Times every reconciliation of one kind of resource: {@code agentharness_operator_reconcile_duration_seconds}
 * (histogram, {@code resource}, {@code outcome} ok/error) and {@code agentharness_operator_reconcile_errors_total}
 * ({@code resource}) for the ones that threw. The names are the chart's contract (alerts, dashboard); JOSDK's own
 * {@code reconciliations_execution_duration_seconds{controller_name}} measures the same span under its own name.
 * Labels are bounded: three resources, two outcomes.
 */
public final class ReconcileMetrics {

    public static final String AGENTRUN = "agentrun";
    public static final String SANDBOXMANIFEST = "sandboxmanifest";
    public static final String AGENT = "agent";

    private final MeterRegistry meters;
    private final Timer ok;
    private final Timer error;
    private final Counter errors;

    public ReconcileMetrics(MeterRegistry meters, String resource) {
        this.meters = meters;
        this.ok = timer(meters, resource, "ok");
        this.error = timer(meters, resource, "error");
        this.errors = Counter.builder("agentharness.operator.reconcile.errors")
                .description("Reconciliations that threw (JOSDK retries them)")
                .tag("resource", resource).register(meters);
    }

    private static Timer timer(MeterRegistry meters, String resource, String outcome) {
        return Timer.builder("agentharness.operator.reconcile.duration")
                .description("One reconciliation, from JOSDK's call to its answer")
                .tag("resource", resource).tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(meters);
    }

    /** Runs one reconciliation and records it; what it throws is counted and thrown on unchanged. */
    public <T> T time(Supplier<T> reconciliation) {
        Timer.Sample sample = Timer.start(meters);
        try {
            T result = reconciliation.get();
            sample.stop(ok);
            return result;
        } catch (RuntimeException | Error e) {
            sample.stop(error);
            errors.increment();
            throw e;
        }
    }
}
