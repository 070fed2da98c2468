package dev.agentharness.runtime.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
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
 *
 * <p>A change named after its tool call ({@link #change(String, Operation)}) is also kept durably as checkpoint
 * {@code <call id>} ({@link SandboxCheckpoints}): the snapshot, or — when there is none — a record that the
 * workspace is still that of the previous checkpoint. Another replica resumes the run from the checkpoint of the
 * last tool output its journal recorded ({@link #resume}).
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
    private final SandboxSpans spans;
    private final SandboxSpec spec;
    private final Preparation preparation;
    private final SnapshotStore snapshots;
    private final SandboxCheckpoints checkpoints;
    private Sandbox current;
    private SnapshotStore.Snapshot lastSnapshot;
    /** The durable checkpoint holding the current workspace's archive; null = as freshly prepared. */
    private String lastCheckpoint;
    /** Checkpoints stored by this process, oldest first → the checkpoint holding each one's archive (null: none). */
    private final Map<String, String> stored = new LinkedHashMap<>();
    private String snapshotNotice;
    private int resumes;

    private RunSandbox(SandboxProvider provider, SandboxSpec spec, Preparation preparation, SnapshotStore snapshots,
                       SandboxCheckpoints checkpoints, Sandbox first, SandboxSpans spans) {
        this.spans = spans;
        this.provider = provider;
        this.spec = spec;
        this.preparation = preparation;
        this.snapshots = snapshots;
        this.checkpoints = checkpoints;
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
        return provision(provider, spec, preparation, snapshots, SandboxCheckpoints.NONE);
    }

    /** Provisions the first sandbox and prepares it; a sandbox that cannot be prepared is destroyed. */
    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec, Preparation preparation,
                                       SnapshotStore snapshots, SandboxCheckpoints checkpoints) throws SandboxException {
        return provision(provider, spec, preparation, snapshots, checkpoints, SandboxSpans.NONE);
    }

    /** As above, its work traced with {@code spans}. */
    public static RunSandbox provision(SandboxProvider provider, SandboxSpec spec, Preparation preparation,
                                       SnapshotStore snapshots, SandboxCheckpoints checkpoints, SandboxSpans spans)
            throws SandboxException {
        Sandbox first = spans.traced("provision", provider.name(), null, span -> {
            Sandbox created = provider.create(spec);
            span.setAttribute(SandboxSpans.SANDBOX_ID, created.id());
            try {
                preparation.prepare(created);
            } catch (SandboxException | RuntimeException e) {
                created.destroy();
                throw e;
            }
            return created;
        });
        return new RunSandbox(provider, spec, preparation, snapshots, checkpoints, first, spans);
    }

    /**
     * A fresh sandbox whose workspace is checkpoint {@code checkpointName} of the run (the one taken after the last
     * tool output the run's journal recorded), instead of the usual preparation: how a run continues on another
     * replica. A checkpoint that was never stored or cannot be read is a {@link SandboxException} naming it.
     */
    public static RunSandbox resume(SandboxProvider provider, SandboxSpec spec, Preparation preparation,
                                    SnapshotStore snapshots, SandboxCheckpoints checkpoints, String checkpointName)
            throws SandboxException {
        return resume(provider, spec, preparation, snapshots, checkpoints, checkpointName, SandboxSpans.NONE);
    }

    /** As above, its work traced with {@code spans}. */
    public static RunSandbox resume(SandboxProvider provider, SandboxSpec spec, Preparation preparation,
                                    SnapshotStore snapshots, SandboxCheckpoints checkpoints, String checkpointName,
                                    SandboxSpans spans) throws SandboxException {
        String[] holder = new String[1];
        Sandbox first = spans.traced("provision", provider.name(), null, span -> {
            span.setAttribute("sandbox.resumed", true);
            Sandbox created = provider.create(spec);
            span.setAttribute(SandboxSpans.SANDBOX_ID, created.id());
            try {
                holder[0] = restoreCheckpoint(checkpoints, spec.runId(), checkpointName, created, preparation);
            } catch (SandboxException | RuntimeException e) {
                created.destroy();
                throw e;
            }
            return created;
        });
        RunSandbox resumed = new RunSandbox(provider, spec, preparation, snapshots, checkpoints, first, spans);
        resumed.lastCheckpoint = holder[0];
        LOG.infof("run %s: sandbox %s resumed from checkpoint %s", spec.runId(), first.id(), checkpointName);
        return resumed;
    }

    /** Restores checkpoint {@code name} into {@code fresh}; returns the checkpoint holding the archive (null: prepared). */
    private static String restoreCheckpoint(SandboxCheckpoints checkpoints, String runId, String name, Sandbox fresh,
                                            Preparation preparation) throws SandboxException {
        Optional<SandboxCheckpoints.Checkpoint> found;
        try {
            found = checkpoints.open(runId, name);
        } catch (SandboxException e) {
            throw new SandboxException("the run's workspace cannot be restored: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new SandboxException("the run's workspace cannot be restored: no checkpoint " + name
                    + " of run " + runId + " is stored");
        }
        try (SandboxCheckpoints.Checkpoint checkpoint = found.get()) {
            return switch (checkpoint) {
                case SandboxCheckpoints.Archive archive -> {
                    try {
                        fresh.restore(archive.stream(), archive.size());
                    } catch (SandboxException e) {
                        throw new SandboxException("the run's workspace cannot be restored from checkpoint " + name
                                + ": " + e.getMessage(), e);
                    }
                    yield archive.name();
                }
                case SandboxCheckpoints.Prepared prepared -> {
                    preparation.prepare(fresh);
                    yield null;
                }
            };
        }
    }

    public SandboxSpec spec() {
        return spec;
    }

    /** Runs a read-only operation. */
    public synchronized <T> T read(Operation<T> operation) throws SandboxException {
        Sandbox sandbox = live();
        return spans.traced("exec", provider.name(), sandbox.id(), span -> {
            span.setAttribute("sandbox.changes_workspace", false);
            return operation.apply(sandbox);
        });
    }

    /** Runs an operation that may change the workspace, then snapshots it (this process only). */
    public <T> T change(Operation<T> operation) throws SandboxException {
        return change(null, operation);
    }

    /**
     * Runs an operation that may change the workspace, then snapshots it and keeps the snapshot as durable
     * checkpoint {@code checkpointName} (the tool call's id) — before the call's output can be recorded, so every
     * recorded output has its checkpoint. Null: no durable checkpoint.
     */
    public synchronized <T> T change(String checkpointName, Operation<T> operation) throws SandboxException {
        Sandbox sandbox = live();
        try {
            return spans.traced("exec", provider.name(), sandbox.id(), span -> {
                span.setAttribute("sandbox.changes_workspace", true);
                return operation.apply(sandbox);
            });
        } finally {
            if (sandbox.alive()) {
                snapshot(sandbox, checkpointName);
            } else {
                // Lost during the call: a resume here restores the last snapshot, so must one elsewhere.
                checkpointSameAsLast(checkpointName);
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

    private void snapshot(Sandbox sandbox, String checkpointName) {
        SnapshotStore.Snapshot taken;
        try {
            taken = spans.traced("snapshot", provider.name(), sandbox.id(), span -> snapshots.take(sandbox));
        } catch (SnapshotRefusedException e) {
            snapshotNotice = e.getMessage();
            LOG.warnf("run %s, sandbox %s: snapshot skipped, keeping the previous one: %s", spec.runId(), sandbox.id(),
                    e.getMessage());
            checkpointSameAsLast(checkpointName);
            return;
        } catch (SandboxException e) {
            // Keep the older snapshot: a resume then loses this call's changes, not the whole workspace.
            LOG.warnf("sandbox %s: snapshot failed, keeping the previous one: %s", sandbox.id(), e.getMessage());
            checkpointSameAsLast(checkpointName);
            return;
        }
        snapshots.discard(lastSnapshot);
        lastSnapshot = taken;
        if (checkpointName == null) {
            return;
        }
        try {
            checkpoints.save(spec.runId(), checkpointName, taken.file(), taken.size());
            lastCheckpoint = checkpointName;
            remember(checkpointName);
        } catch (SandboxException e) {
            LOG.warnf("run %s: %s; a resume on another replica continues from the previous checkpoint", spec.runId(),
                    e.getMessage());
            snapshotNotice = "the workspace checkpoint could not be stored durably; if this run moves to another "
                    + "replica, it continues without the changes since the last stored checkpoint";
            checkpointSameAsLast(checkpointName);
        }
    }

    private void checkpointSameAsLast(String checkpointName) {
        if (checkpointName == null) {
            return;
        }
        try {
            checkpoints.saveSameAs(spec.runId(), checkpointName, lastCheckpoint);
            remember(checkpointName);
        } catch (SandboxException e) {
            LOG.warnf("run %s: %s; a resume after this call will fail", spec.runId(), e.getMessage());
        }
    }

    private void remember(String checkpointName) {
        stored.remove(checkpointName); // a repeated call id is the newest again
        stored.put(checkpointName, lastCheckpoint);
    }

    /**
     * The run's journal recorded the output of the call that took checkpoint {@code checkpointName}: no resume will
     * ask for an older one, so the older checkpoints this process stored are deleted — except the one holding
     * {@code checkpointName}'s archive when it stands for an earlier workspace. Keeps storage at a few checkpoints per
     * run instead of one per call. Unknown names (taken by an earlier replica) change nothing; failures are logged.
     */
    public synchronized void recorded(String checkpointName) {
        if (checkpointName == null || !stored.containsKey(checkpointName)) {
            return;
        }
        String holder = stored.get(checkpointName);
        for (var older = stored.keySet().iterator(); older.hasNext(); ) {
            String name = older.next();
            if (name.equals(checkpointName)) {
                return;
            }
            if (name.equals(holder)) {
                continue;
            }
            try {
                checkpoints.delete(spec.runId(), name);
                older.remove();
            } catch (SandboxException e) {
                LOG.warnf("run %s: %s; it goes with the run's other checkpoints", spec.runId(), e.getMessage());
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
                try (InputStream archive = Files.newInputStream(lastSnapshot.file())) {
                    replacement.restore(archive, lastSnapshot.size());
                } catch (IOException e) {
                    throw new SandboxException("the harness cannot read the last snapshot (" + e.getClass().getSimpleName() + ")");
                }
            } else if (lastCheckpoint != null) {
                // Resumed from a checkpoint and nothing snapshotted here since: that checkpoint is the workspace.
                restoreCheckpoint(checkpoints, spec.runId(), lastCheckpoint, replacement, preparation);
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
