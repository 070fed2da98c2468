package dev.agentharness.runtime.storage;

/**
 * The object store failed. The message is written for users and logs alike: it names the store and
 * what went wrong (HTTP status, error code, unreachable host) and never carries credentials, because
 * it ends up in {@code artifact_error} and in problem bodies.
 */
public class StorageException extends RuntimeException {

    public StorageException(String safeMessage) {
        super(safeMessage);
    }
}
