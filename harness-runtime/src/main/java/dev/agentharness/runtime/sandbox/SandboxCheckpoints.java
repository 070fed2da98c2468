package dev.agentharness.runtime.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Durable workspace checkpoints of a run's sandbox, named by the tool call after which each was taken: what lets a
 * run resume on another replica in a workspace exactly as it was after the last tool output its journal recorded.
 * Checkpoints outlive the process (artifact storage); the harness alone reads them, never through a link.
 */
public interface SandboxCheckpoints {

    /** Keeps nothing: a harness without storage, where nothing can resume elsewhere. */
    SandboxCheckpoints NONE = new SandboxCheckpoints() {
        @Override
        public void save(String runId, String name, Path archive, long size) {
        }

        @Override
        public void saveSameAs(String runId, String name, String earlier) {
        }

        @Override
        public Optional<Checkpoint> open(String runId, String name) {
            return Optional.empty();
        }

        @Override
        public void deleteRun(String runId) {
        }
    };

    /** Stores the workspace archive {@code archive} ({@code size} bytes) as checkpoint {@code name} of the run. */
    void save(String runId, String name, Path archive, long size) throws SandboxException;

    /**
     * Records that checkpoint {@code name} is the workspace of checkpoint {@code earlier} (null: the workspace as
     * freshly prepared): the call changed the workspace but its snapshot was refused or failed, so the run goes on
     * with the older one — and a resume must do the same.
     */
    void saveSameAs(String runId, String name, String earlier) throws SandboxException;

    /** Checkpoint {@code name} of the run; empty when none was stored under that name. */
    Optional<Checkpoint> open(String runId, String name) throws SandboxException;

    /** Deletes every checkpoint of the run. Never throws: a failure is logged and left to retention. */
    void deleteRun(String runId);

    /** What a checkpoint holds: an archive to restore, or "as freshly prepared". Close it after use. */
    sealed interface Checkpoint extends AutoCloseable permits Archive, Prepared {
        @Override
        void close();
    }

    /**
     * A workspace archive ({@link Sandbox#snapshot}), {@code size} bytes.
     *
     * @param name the checkpoint that holds the archive: the one asked for, or the earlier one it stands for
     */
    record Archive(String name, InputStream stream, long size) implements Checkpoint {
        @Override
        public void close() {
            try {
                stream.close();
            } catch (IOException e) {
                // nothing to lose: the archive was read or is abandoned
            }
        }
    }

    /** The workspace as the run's preparation (manifest entries, mounts) makes it, before any change. */
    record Prepared() implements Checkpoint {
        @Override
        public void close() {
        }
    }
}
