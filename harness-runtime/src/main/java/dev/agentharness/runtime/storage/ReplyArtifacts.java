package dev.agentharness.runtime.storage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code save_artifact:true}: the reply becomes {@code outputs/{run_id}/reply.md}. Saving happens
 * before the completion transaction, and a failure never fails the run — the reply is in
 * PostgreSQL either way, and the outcome says why the file is missing.
 */
@ApplicationScoped
public class ReplyArtifacts {

    public static final String REPLY_NAME = "reply.md";
    static final String REPLY_CONTENT_TYPE = "text/markdown; charset=utf-8";

    private static final Logger LOG = Logger.getLogger(ReplyArtifacts.class);

    /** The stored reply (named {@link #REPLY_NAME}) to record as an artifact, or the error to record instead. */
    public record Outcome(List<StoredObject> stored, String error) {

        public static final Outcome NOT_ASKED = new Outcome(List.of(), null);
    }

    private final ArtifactStore store;

    @Inject
    public ReplyArtifacts(Storage storage) {
        this(storage.store());
    }

    public ReplyArtifacts(ArtifactStore store) {
        this.store = store;
    }

    public Outcome save(String runId, String reply) {
        String key = ObjectKeys.output(runId, REPLY_NAME);
        try {
            StoredObject stored = store.put(key, (reply == null ? "" : reply).getBytes(StandardCharsets.UTF_8),
                    REPLY_CONTENT_TYPE);
            return new Outcome(List.of(stored), null);
        } catch (StorageException e) {
            LOG.warnf("artifact %s not saved: %s", key, e.getMessage());
            return new Outcome(List.of(), "reply.md was not saved: " + e.getMessage()
                    + "; the reply is kept in the run");
        } catch (RuntimeException e) {
            // Whatever else breaks in the store, the user keeps the answer; the log has the stack trace.
            LOG.errorf(e, "artifact %s not saved", key);
            return new Outcome(List.of(), "reply.md was not saved: the artifact store failed unexpectedly ("
                    + e.getClass().getSimpleName() + "); the reply is kept in the run");
        }
    }
}
