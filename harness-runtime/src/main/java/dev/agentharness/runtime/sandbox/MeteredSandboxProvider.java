package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestProblem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * A provider as the plane uses it, measured: {@code agentharness_sandbox_provision_duration_seconds{provider,outcome}}
 * for every sandbox created (a run's first, and each replacement of a lost one), and
 * {@code agentharness_sandbox_failures_total{provider,operation}} for provisioning, commands, snapshots (and restores)
 * and destruction that failed. A command that exits non-zero is not a failure: the sandbox did what it was asked.
 * The label values are the provider's configured name and a closed set of operations.
 */
final class MeteredSandboxProvider implements SandboxProvider {

    private final SandboxProvider provider;
    private final MeterRegistry registry;

    private MeteredSandboxProvider(SandboxProvider provider, MeterRegistry registry) {
        this.provider = provider;
        this.registry = registry;
        // The operations are a closed set: every series exists at 0 before the first failure.
        for (String operation : List.of("provision", "exec", "snapshot", "destroy")) {
            failures(operation);
        }
    }

    static SandboxProvider wrap(SandboxProvider provider, MeterRegistry registry) {
        return new MeteredSandboxProvider(provider, registry);
    }

    @Override
    public String name() {
        return provider.name();
    }

    @Override
    public List<ManifestProblem> unsupported(Manifest manifest) {
        return provider.unsupported(manifest);
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            Sandbox created = new Metered(provider.create(spec));
            ok = true;
            return created;
        } finally {
            Timer.builder("agentharness.sandbox.provision.duration").description("Sandbox provisioning")
                    .tag("provider", provider.name()).tag("outcome", ok ? "ok" : "error").publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry).record(Duration.ofNanos(System.nanoTime() - start));
            if (!ok) {
                failed("provision");
            }
        }
    }

    @Override
    public boolean healthy() {
        return provider.healthy();
    }

    @Override
    public List<OwnedSandbox> owned() {
        return provider.owned();
    }

    @Override
    public void destroy(String sandboxId) {
        try {
            provider.destroy(sandboxId);
        } catch (RuntimeException e) {
            failed("destroy");
            throw e;
        }
    }

    private void failed(String operation) {
        failures(operation).increment();
    }

    private Counter failures(String operation) {
        return Counter.builder("agentharness.sandbox.failures").description("Sandbox operations that failed")
                .tag("provider", provider.name()).tag("operation", operation).register(registry);
    }

    /** One sandbox of this provider: its commands, snapshots and destruction are counted when they fail. */
    private final class Metered implements Sandbox {

        private final Sandbox sandbox;

        Metered(Sandbox sandbox) {
            this.sandbox = sandbox;
        }

        @Override
        public String id() {
            return sandbox.id();
        }

        @Override
        public String runId() {
            return sandbox.runId();
        }

        @Override
        public ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes)
                throws SandboxException {
            try {
                return sandbox.exec(command, workdir, timeout, maxOutputBytes);
            } catch (SandboxException | RuntimeException e) {
                failed("exec");
                throw e;
            }
        }

        @Override
        public byte[] readFile(String path, int maxBytes) throws SandboxException {
            return sandbox.readFile(path, maxBytes);
        }

        @Override
        public void writeFile(String path, byte[] content) throws SandboxException {
            sandbox.writeFile(path, content);
        }

        @Override
        public List<WorkspaceFile> listFiles(String path) throws SandboxException {
            return sandbox.listFiles(path);
        }

        @Override
        public void snapshot(OutputStream target) throws SandboxException {
            try {
                sandbox.snapshot(target);
            } catch (SandboxException | RuntimeException e) {
                failed("snapshot");
                throw e;
            }
        }

        @Override
        public void restore(InputStream snapshot, long length) throws SandboxException {
            try {
                sandbox.restore(snapshot, length);
            } catch (SandboxException | RuntimeException e) {
                failed("snapshot");
                throw e;
            }
        }

        @Override
        public boolean alive() {
            return sandbox.alive();
        }

        @Override
        public void destroy() {
            try {
                sandbox.destroy();
            } catch (RuntimeException e) {
                failed("destroy");
                throw e;
            }
        }
    }
}
