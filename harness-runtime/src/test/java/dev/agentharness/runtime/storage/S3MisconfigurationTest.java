package dev.agentharness.runtime.storage;

import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wrong credentials, a missing bucket, a dead endpoint: the store says so in words without
 * secrets, reports unhealthy, and the harness keeps booting.
 */
class S3MisconfigurationTest {

    private static final String WRONG_SECRET = "wrong-secret-that-must-not-leak-9f8e";
    private static S3ServerProcess s3proxy;

    @BeforeAll
    static void start() {
        s3proxy = S3ServerProcess.s3proxy().start();
        S3Buckets.create(s3proxy.endpoint(), "present");
    }

    @AfterAll
    static void stop() {
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    @Test
    void theRightCredentialsAndBucketAreHealthy() {
        try (S3ArtifactStore store = store(S3ServerProcess.SECRET_KEY, "present", s3proxy.endpoint().toString())) {
            assertTrue(store.healthy());
            assertEquals(Optional.empty(), store.problem());
            assertEquals(LifecycleOutcome.UNSUPPORTED, store.applyLifecycle(30), "s3proxy has no lifecycle API (501)");
        }
    }

    @Test
    void aWrongSecretIsUnhealthyAndTheMessageCarriesTheStatusNotTheSecret() {
        try (S3ArtifactStore store = store(WRONG_SECRET, "present", s3proxy.endpoint().toString())) {
            assertFalse(store.healthy());
            String problem = store.problem().orElseThrow();
            assertTrue(problem.contains("HTTP 403"), problem);
            assertFalse(problem.contains(WRONG_SECRET), problem);
            var e = assertThrows(StorageException.class, () -> store.put("outputs/r/x.txt", new byte[] {1}, "text/plain"));
            assertFalse(e.getMessage().contains(WRONG_SECRET), e.getMessage());
        }
    }

    @Test
    void aMissingBucketIsUnhealthy() {
        try (S3ArtifactStore store = store(S3ServerProcess.SECRET_KEY, "absent", s3proxy.endpoint().toString())) {
            assertFalse(store.healthy());
            assertTrue(store.problem().orElseThrow().contains("HTTP 404"), store.problem().toString());
        }
    }

    @Test
    void aDeadEndpointFailsFastWithAnUnreachableMessage() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (S3ArtifactStore store = store(S3ServerProcess.SECRET_KEY, "present", "http://127.0.0.1:" + closedPort)) {
            assertFalse(store.healthy());
            var e = assertThrows(StorageException.class,
                    () -> store.put("outputs/r/x.txt", "x".getBytes(StandardCharsets.UTF_8), "text/plain"));
            assertTrue(e.getMessage().contains("could not be reached"), e.getMessage());
        }
    }

    @Test
    void aPartialR2ConfigurationFallsBackToTheLocalStoreInsteadOfFailingTheBoot(@TempDir Path dataDir) {
        Storage storage = new Storage(Optional.of("0123abcd"), Optional.of("AKID"), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), dataDir.toString(),
                Duration.ofHours(1), Duration.ofDays(7), 1024, false, 30, Duration.ofSeconds(5),
                io.opentelemetry.api.OpenTelemetry.noop().getTracer("test"));
        assertInstanceOf(LocalArtifactStore.class, storage.store());
        assertFalse(storage.store().remote());
    }

    @Test
    void aLinkLifetimeAboveTheMaximumIsCappedToIt() {
        assertEquals(Duration.ofDays(2), Storage.clampTtl(Duration.ofDays(30), Duration.ofDays(2)));
        assertEquals(Duration.ofDays(7), Storage.clampTtl(Duration.ofDays(30), Duration.ofDays(90)));
        assertEquals(Duration.ofMinutes(5), Storage.clampTtl(Duration.ofMinutes(5), Duration.ofDays(7)));
    }

    private static S3ArtifactStore store(String secret, String bucket, String endpoint) {
        return new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, secret, bucket, endpoint, null)
                .settings().orElseThrow(), Duration.ofSeconds(5));
    }
}
