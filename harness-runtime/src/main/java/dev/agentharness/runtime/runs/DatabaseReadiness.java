package dev.agentharness.runtime.api;

import dev.agentharness.runtime.runs.RunDispatcher;
import dev.agentharness.runtime.state.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

    @Inject
    Database database;

    @Inject
    RunDispatcher dispatcher;

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
