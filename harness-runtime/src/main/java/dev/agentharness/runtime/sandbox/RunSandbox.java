package dev.agentharness.runtime.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The sandbox of one run, as the run's tools see it: always usable, even if the sandbox behind it
 * died. After every call that may change the workspace the workspace is snapshotted; when the
 * sandbox is found dead before a call, a new one is provisioned from the same spec and the last
 * snapshot is restored into it, so the run continues where it was (snapshot-and-resume, SPEC §8).
 * One run calls its tools one at a time; the methods are synchronized anyway.
 *
 * <p>Snapshots are files of the process's {@link SnapshotStore}. One the store refuses (the
 * workspace outgrew {@code SANDBOX_SNAPSHOT_MAX_BYTES}, or all runs' snapshots fill
 * {@code SANDBOX_SNAPSHOT_TOTAL_MAX_BYTES}) is skipped: the run goes on with its previous snapshot
 * and the call's tool result tells the model ({@link #takeSnapshotNotice()}).
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
    private final SnapshotStore snapshots;
    private Sandbox current;
    private SnapshotStore.Snapshot lastSnapshot;
    private String snapshotNotice;
    private int resumes;

    private RunSandbox(SandboxProvider provider, SandboxSpec spec, Preparation preparation, SnapshotStore snapshots,
                       Sandbox first) {
        this.provider = provider;
        this.spec = spec;
        this.preparation = preparation;
        this.snapshots = snapshots;
        this.current = first;
    }

    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec) throws SandboxException {
        return provision(provider, spec, Preparation.NONE);
    }

    /** With the {@linkplain SnapshotStore#temporary() temporary} snapshot store (tests and tools). */
    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec, Preparation preparation)
            throws SandboxException {
        return provision(provider, spec, preparation, SnapshotStore.temporary());
    }

    /** Provisions the first sandbox and prepares it; a sandbox that cannot be prepared is destroyed. */
    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec, Preparation preparation,
                                       SnapshotStore snapshots) throws SandboxException {
        Sandbox first = provider.create(spec);
        try {
            preparation.prepare(first);
        } catch (SandboxException | RuntimeException e) {
            first.destroy();
            throw e;
        }
        return new RunSandbox(provider, spec, preparation, snapshots, first);
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
                snapshot(sandbox);
            }
        }
    }

    /**
     * Why the last {@link #change} could not be snapshotted, once: for the tool result, so the model
     * knows that a lost sandbox would come back without its latest changes.
     */
    public synchronized Optional<String> takeSnapshotNotice() {
        Optional<String> notice = Optional.ofNullable(snapshotNotice);
        snapshotNotice = null;
        return notice;
    }

    private void snapshot(Sandbox sandbox) {
        try {
            SnapshotStore.Snapshot taken = snapshots.take(sandbox);
            snapshots.discard(lastSnapshot);
            lastSnapshot = taken;
        } catch (SnapshotRefusedException e) {
            snapshotNotice = e.getMessage();
            LOG.warnf("run %s, sandbox %s: snapshot skipped, keeping the previous one: %s", spec.runId(), sandbox.id(),
                    e.getMessage());
        } catch (SandboxException e) {
            // Keep the older snapshot: a resume then loses this call's changes, not the whole workspace.
            LOG.warnf("sandbox %s: snapshot failed, keeping the previous one: %s", sandbox.id(), e.getMessage());
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
                try (InputStream archive = Files.newInputStream(lastSnapshot.file())) {
                    replacement.restore(archive, lastSnapshot.size());
                } catch (IOException e) {
                    throw new SandboxException("the harness cannot read the last snapshot (" + e.getClass().getSimpleName() + ")");
                }
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
        try {
            current.destroy();
        } finally {
            snapshots.discard(lastSnapshot);
            lastSnapshot = null;
        }
    }
}
