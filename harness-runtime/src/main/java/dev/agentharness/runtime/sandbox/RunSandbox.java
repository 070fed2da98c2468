package dev.agentharness.runtime.sandbox;

import org.jboss.logging.Logger;

/**
 * The sandbox of one run, as the run's tools see it: always usable, even if the sandbox behind it
 * died. After every call that may change the workspace the workspace is snapshotted; when the
 * sandbox is found dead before a call, a new one is provisioned from the same spec and the last
 * snapshot is restored into it, so the run continues where it was (snapshot-and-resume, SPEC §8).
 * One run calls its tools one at a time; the methods are synchronized anyway.
 */
public final class RunSandbox implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RunSandbox.class);

    /** One sandbox operation. */
    @FunctionalInterface
    public interface Operation<T> {
        T apply(Sandbox sandbox) throws SandboxException;
    }

    /** Fills a freshly provisioned sandbox beyond its manifest entries (bucket mounts). */
    @FunctionalInterface
    public interface Preparation {
        Preparation NONE = sandbox -> { };

        void prepare(Sandbox fresh) throws SandboxException;
    }

    private final SandboxProvider provider;
    private final SandboxSpec spec;
    private final Preparation preparation;
    private Sandbox current;
    private byte[] lastSnapshot;
    private int resumes;

    private RunSandbox(SandboxProvider provider, SandboxSpec spec, Preparation preparation, Sandbox first) {
        this.provider = provider;
        this.spec = spec;
        this.preparation = preparation;
        this.current = first;
    }

    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec) throws SandboxException {
        return provision(provider, spec, Preparation.NONE);
    }

    /** Provisions the first sandbox and prepares it; a sandbox that cannot be prepared is destroyed. */
    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec, Preparation preparation)
            throws SandboxException {
        Sandbox first = provider.create(spec);
        try {
            preparation.prepare(first);
        } catch (SandboxException | RuntimeException e) {
            first.destroy();
            throw e;
        }
        return new RunSandbox(provider, spec, preparation, first);
    }

    public SandboxSpec spec() {
        return spec;
    }

    /** Runs a read-only operation. */
    public synchronized <T> T read(Operation<T> operation) throws SandboxException {
        return operation.apply(live());
    }

    /** Runs an operation that may change the workspace, then snapshots it. */
    public synchronized <T> T change(Operation<T> operation) throws SandboxException {
        Sandbox sandbox = live();
        try {
            return operation.apply(sandbox);
        } finally {
            if (sandbox.alive()) {
                try {
                    lastSnapshot = sandbox.snapshot();
                } catch (SandboxException e) {
                    // Keep the older snapshot: a resume then loses this call's changes, not the whole workspace.
                    LOG.warnf("sandbox %s: snapshot failed, keeping the previous one: %s", sandbox.id(), e.getMessage());
                }
            }
        }
    }

    /** How many times a dead sandbox was replaced during this run. */
    public synchronized int resumes() {
        return resumes;
    }

    public synchronized String sandboxId() {
        return current.id();
    }

    private Sandbox live() throws SandboxException {
        if (current.alive()) {
            return current;
        }
        String lost = current.id();
        current.destroy();
        Sandbox replacement = provider.create(spec);
        try {
            if (lastSnapshot != null) {
                replacement.restore(lastSnapshot);
            } else {
                // Nothing changed since provisioning: prepare it again as the first one was.
                preparation.prepare(replacement);
            }
        } catch (SandboxException | RuntimeException e) {
            replacement.destroy();
            throw new SandboxException("the sandbox was lost and could not be restored: " + e.getMessage(), e);
        }
        current = replacement;
        resumes++;
        LOG.warnf("sandbox %s was lost; resumed in %s from the last snapshot", lost, replacement.id());
        return current;
    }

    @Override
    public synchronized void close() {
        current.destroy();
    }
}
