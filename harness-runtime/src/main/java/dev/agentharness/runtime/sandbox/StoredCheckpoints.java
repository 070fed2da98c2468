package dev.agentharness.runtime.sandbox;

import dev.agentharness.runtime.storage.ArtifactStore;
import dev.agentharness.runtime.storage.Digests;
import dev.agentharness.runtime.storage.ObjectContent;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Checkpoints in the harness's artifact storage (R2/S3, or the local store on the data dir):
 * {@code checkpoints/<run id>/<name>.tar} holds an archive; {@code checkpoints/<run id>/<name>.ref} says that
 * {@code <name>} is the same workspace as an earlier checkpoint (its text; empty = as freshly prepared). A name has
 * one of the two: writing one deletes the other first (a repeated call writes its checkpoint again), so a crash in
 * between leaves neither — a resume then fails clearly instead of restoring the wrong workspace.
 */
public final class StoredCheckpoints implements SandboxCheckpoints {

    private static final Logger LOG = Logger.getLogger(StoredCheckpoints.class);
    /** Names (the model's call ids) that are safe in a key as they are; others go by their digest. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final String ARCHIVE = ".tar";
    private static final String REF = ".ref";
    private static final int MAX_REF_BYTES = 1024;
    /** A ref names the checkpoint that holds the archive, so one hop suffices; a few more are tolerated. */
    private static final int MAX_HOPS = 4;

    private final ArtifactStore store;

    public StoredCheckpoints(ArtifactStore store) {
        this.store = store;
    }

    @Override
    public void save(String runId, String name, Path archive, long size) throws SandboxException {
        try {
            store.delete(key(runId, name, REF));
            store.put(key(runId, name, ARCHIVE), archive, "application/x-tar");
        } catch (StorageException e) {
            throw new SandboxException("checkpoint " + name + " could not be stored: " + e.getMessage());
        }
    }

    @Override
    public void saveSameAs(String runId, String name, String earlier) throws SandboxException {
        Path ref = null;
        try {
            ref = Files.createTempFile("checkpoint-", REF,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(ref, earlier == null ? "" : earlier);
            store.delete(key(runId, name, ARCHIVE));
            store.put(key(runId, name, REF), ref, "text/plain; charset=utf-8");
        } catch (StorageException e) {
            throw new SandboxException("checkpoint " + name + " could not be stored: " + e.getMessage());
        } catch (IOException e) {
            throw new SandboxException("checkpoint " + name + " could not be written (" + e.getClass().getSimpleName() + ")");
        } finally {
            if (ref != null) {
                try {
                    Files.deleteIfExists(ref);
                } catch (IOException e) {
                    LOG.debugf("temporary file %s stays: %s", ref, e.getClass().getSimpleName());
                }
            }
        }
    }

    @Override
    public Optional<Checkpoint> open(String runId, String name) throws SandboxException {
        String current = name;
        try {
            for (int hop = 0; hop <= MAX_HOPS; hop++) {
                Optional<ObjectContent> archive = store.get(key(runId, current, ARCHIVE));
                if (archive.isPresent()) {
                    return Optional.of(new Archive(current, archive.get().stream(), archive.get().size()));
                }
                Optional<ObjectContent> ref = store.get(key(runId, current, REF));
                if (ref.isEmpty()) {
                    if (hop == 0) {
                        return Optional.empty();
                    }
                    throw new SandboxException("checkpoint " + name + " stands for checkpoint " + current
                            + ", which is not stored");
                }
                String earlier = readRef(ref.get());
                if (earlier.isEmpty()) {
                    return Optional.of(new Prepared());
                }
                current = earlier;
            }
        } catch (StorageException e) {
            throw new SandboxException("checkpoint " + name + " could not be read: " + e.getMessage());
        }
        throw new SandboxException("checkpoint " + name + " refers to other checkpoints more than " + MAX_HOPS + " times");
    }

    private static String readRef(ObjectContent ref) throws SandboxException {
        try (ref) {
            byte[] bytes = ref.stream().readNBytes(MAX_REF_BYTES + 1);
            if (bytes.length > MAX_REF_BYTES) {
                throw new SandboxException("a checkpoint reference is longer than " + MAX_REF_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("a checkpoint reference could not be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void deleteRun(String runId) {
        try {
            int deleted = store.deleteAll(ObjectKeys.checkpoints(runId));
            LOG.debugf("run %s: deleted %d checkpoint objects", runId, deleted);
        } catch (StorageException | IllegalArgumentException e) {
            LOG.warnf("run %s: its checkpoints could not be deleted: %s", runId, e.getMessage());
        }
    }

    static String key(String runId, String name, String suffix) {
        String file = PLAIN_NAME.matcher(name).matches() ? name
                : "sha256-" + Digests.sha256Hex(name.getBytes(StandardCharsets.UTF_8));
        return ObjectKeys.checkpoint(runId, file + suffix);
    }
}
