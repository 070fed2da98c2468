package dev.agentharness.runtime.sandbox;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Destroys sandboxes nobody will use again: at startup (a crash leaves sandboxes behind) and then
 * on a timer. A sandbox goes when its run is finished or unknown, or when it outlived its timeout —
 * but never while a run of this process is using it.
 */
@ApplicationScoped
public class SandboxReaper {

    private static final Logger LOG = Logger.getLogger(SandboxReaper.class);

    private final SandboxPlane plane;
    private final RunLiveness runs;
    private final Duration interval;
    private volatile Thread timer;

    @Inject
    public SandboxReaper(SandboxPlane plane, RunLiveness runs,
                         @ConfigProperty(name = "harness.sandbox.reaper-interval-seconds") int intervalSeconds) {
        this.plane = plane;
        this.runs = runs;
        this.interval = Duration.ofSeconds(intervalSeconds);
    }

    void start(@Observes StartupEvent event,
               @ConfigProperty(name = "harness.role", defaultValue = "serve") String role) {
        // A one-shot job (harness.role=job) runs no sandbox: reaping belongs to the serving replicas.
        if (plane.provider().isEmpty() || "job".equals(role)) {
            return;
        }
        timer = Thread.ofVirtual().name("sandbox-reaper").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                reapOnce();
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.interrupt();
        }
    }

    /** One pass; returns the ids it destroyed. Never throws: a failed pass is retried by the next one. */
    public List<String> reapOnce() {
        List<String> destroyed = new ArrayList<>();
        SandboxProvider provider = plane.provider().orElse(null);
        if (provider == null) {
            return destroyed;
        }
        try {
            for (OwnedSandbox sandbox : provider.owned()) {
                if (sandbox.runId() != null && plane.activeRuns().contains(sandbox.runId())) {
                    continue;
                }
                String why = reason(sandbox);
                if (why != null) {
                    provider.destroy(sandbox.sandboxId());
                    destroyed.add(sandbox.sandboxId());
                    LOG.infof("reaped sandbox %s of run %s: %s", sandbox.sandboxId(), sandbox.runId(), why);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("sandbox reaper pass failed, retrying in %s: %s", interval, e.getMessage());
        }
        return destroyed;
    }

    /** Why the sandbox should go, or null to keep it. */
    private String reason(OwnedSandbox sandbox) {
        if (sandbox.runId() == null) {
            return "it belongs to no run";
        }
        if (Instant.now().isAfter(sandbox.expiresAt())) {
            return "it outlived its timeout";
        }
        Optional<RunLiveness.RunState> run = runs.of(sandbox.runId());
        if (run.isEmpty()) {
            return "its run is unknown";
        }
        return run.get().terminal() ? "its run is " + run.get().status() : null;
    }
}
