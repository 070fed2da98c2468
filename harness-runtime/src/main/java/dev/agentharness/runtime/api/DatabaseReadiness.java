package dev.agentharness.runtime.api;

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

    @Override
    public HealthCheckResponse call() {
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
