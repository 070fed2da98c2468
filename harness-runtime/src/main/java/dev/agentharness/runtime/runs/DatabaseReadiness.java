package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.state.Database;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/**
 * Readiness ({@code /q/health/ready}): this replica should get traffic only while it can record
 * runs. Liveness stays up during a database outage, so Kubernetes does not restart-loop replicas
 * that would recover by themselves.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements HealthCheck {

    private final Database database;
    private final RunDispatcher dispatcher;

    public DatabaseReadiness(Database database, RunDispatcher dispatcher) {
        this.database = database;
        this.dispatcher = dispatcher;
    }

    @Override
    public HealthCheckResponse call() {
        if (dispatcher.draining()) {
            // Shutting down: no new traffic while the runs in flight finish or are handed to other replicas.
            return HealthCheckResponse.named("state-database").down().withData("draining", true).build();
        }
        boolean migrated = database.ready();
        boolean reachable = migrated && database.ping(Duration.ofMillis(800));
        return HealthCheckResponse.named("state-database")
                .status(migrated && reachable)
                .withData("migrated", migrated)
                .withData("reachable", reachable)
                .withData("embedded", !database.external())
                .build();
    }
}
