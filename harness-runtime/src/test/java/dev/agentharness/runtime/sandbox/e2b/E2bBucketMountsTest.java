package dev.agentharness.runtime.sandbox.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.fakes.e2b.FakeE2bServer;
import dev.agentharness.fakes.e2b.RecordedE2bRequest;
import dev.agentharness.runtime.sandbox.BucketMounts;
import dev.agentharness.runtime.sandbox.Bwrap;
import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.RunSandbox;
import dev.agentharness.runtime.sandbox.SandboxSpec;
import dev.agentharness.runtime.storage.PresignedTransfer;
import dev.agentharness.runtime.storage.S3ArtifactStore;
import dev.agentharness.runtime.storage.S3Settings;
import dev.agentharness.runtime.storage.StoredObject;
import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ServerProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bucket mounts on the E2B provider, against the FAKE E2B and a real SigV4-checking S3 server
 * (s3proxy): the objects arrive and the changes go back, and not one request the harness sent to
 * E2B — control plane or envd — carries the storage access key id, its secret or a presigned URL.
 */
class E2bBucketMountsTest {

    private static final String BUCKET = "e2b-mounts";
    private static FakeE2bServer fake;
    private static S3ServerProcess s3proxy;
    private static S3ArtifactStore store;

    @BeforeAll
    static void start() {
        Bwrap.assumeInstalled();
        fake = new FakeE2bServer().start(0);
        s3proxy = S3ServerProcess.s3proxy().start();
        S3Buckets.create(s3proxy.endpoint(), BUCKET);
        store = new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY,
                BUCKET, s3proxy.endpoint().toString(), null).settings().orElseThrow(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void mountsCrossIntoAnE2bSandboxAsBytesNeverAsCredentialsOrLinks() throws Exception {
        String session = "s-" + UUID.randomUUID();
        String run = "r-" + UUID.randomUUID();
        store.put("inputs/" + session + "/notes.txt", "one two three".getBytes(StandardCharsets.UTF_8), "text/plain");
        Manifest manifest = ManifestValidator.validate(Map.of("entries", Map.of(
                "inputs", Map.of("type", "r2_mount", "bucket", BUCKET, "prefix", "inputs/{session_id}/"),
                "outputs", Map.of("type", "r2_mount", "bucket", BUCKET, "prefix", "outputs/{run_id}/", "read_only", false))))
                .manifest();
        BucketMounts mounts = new BucketMounts(store, Optional.of(BUCKET), new PresignedTransfer(store, Duration.ofSeconds(10)),
                BucketMounts.Limits.DEFAULT);
        assertEquals(List.of(), mounts.problems(manifest));
        E2bSandboxProvider provider = new E2bSandboxProvider(E2bSandboxProviderTest.settings(fake.apiKey(), fake.url(), "mounts"));
        SandboxSpec spec = new SandboxSpec(run, session, manifest, Duration.ofMinutes(5));
        BucketMounts.RunMounts forRun = mounts.forRun(spec);

        BucketMounts.Uploads uploads;
        try (RunSandbox sandbox = RunSandbox.provision(provider, spec, forRun::materialise)) {
            ExecResult count = sandbox.change(s -> s.exec("wc -w < inputs/notes.txt | tr -d ' ' | tee outputs/count.txt",
                    null, Duration.ofSeconds(20), 4096));
            assertEquals("3\n", count.stdout(), count.stderr());
            uploads = forRun.uploadChanges(sandbox);
        }

        assertEquals(List.of("outputs/" + run + "/count.txt"), uploads.stored().stream().map(StoredObject::key).toList());
        assertEquals(List.of(), uploads.errors());
        assertEquals(List.of(), fake.violations());
        String everything = String.join("\n", fake.requests().stream().map(RecordedE2bRequest::everything).toList());
        assertTrue(everything.contains("one two three"), "the mounted bytes went through envd's /files");
        for (String secret : List.of(S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY, "X-Amz-", s3proxy.endpoint().toString())) {
            assertFalse(everything.contains(secret), "a request to E2B carried " + secret);
        }
    }
}
