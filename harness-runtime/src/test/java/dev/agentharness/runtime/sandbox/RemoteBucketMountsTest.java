package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.fakes.cloudflare.FakeCloudflareWorker;
import dev.agentharness.fakes.cloudflare.WorkerRequest;
import dev.agentharness.fakes.e2b.FakeE2bServer;
import dev.agentharness.fakes.e2b.RecordedE2bRequest;
import dev.agentharness.runtime.sandbox.cloudflare.CloudflareSandboxProvider;
import dev.agentharness.runtime.sandbox.cloudflare.CloudflareSettings;
import dev.agentharness.runtime.sandbox.e2b.E2bSandboxProvider;
import dev.agentharness.runtime.sandbox.e2b.E2bSettings;
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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bucket mounts on the remote providers, against their FAKE services and a real SigV4-checking S3
 * server (s3proxy): the objects arrive and the changes go back, and not one request the harness
 * sent to E2B (control plane or envd) or to the Cloudflare Worker carries the storage access key
 * id, its secret or a presigned URL.
 */
class RemoteBucketMountsTest {

    private static final String BUCKET = "remote-mounts";
    private static final String WORKER_KEY = "cf-worker-key-mounts";
    private static FakeE2bServer e2b;
    private static FakeCloudflareWorker worker;
    private static S3ServerProcess s3proxy;
    private static S3ArtifactStore store;

    @BeforeAll
    static void start() {
        Bwrap.assumeInstalled();
        e2b = new FakeE2bServer().start(0);
        worker = new FakeCloudflareWorker(WORKER_KEY).start(0);
        s3proxy = S3ServerProcess.s3proxy().start();
        S3Buckets.create(s3proxy.endpoint(), BUCKET);
        store = new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY,
                BUCKET, s3proxy.endpoint().toString(), null).settings().orElseThrow(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {store, s3proxy, worker, e2b}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    /** The provider under test and every request it made, as text. */
    private record Remote(SandboxProvider provider, Supplier<String> requests) {
    }

    private static Remote remote(String name) {
        return switch (name) {
            case "e2b" -> new Remote(new E2bSandboxProvider(E2bSettings.resolve(e2b.apiKey(), null, e2b.url(), null,
                    e2b.url(), "mounts").settings().orElseThrow()),
                    () -> String.join("\n", e2b.requests().stream().map(RecordedE2bRequest::everything).toList()));
            case "cloudflare" -> new Remote(new CloudflareSandboxProvider(CloudflareSettings.resolve(
                    Optional.of(worker.url()), Optional.of(WORKER_KEY))),
                    () -> String.join("\n", worker.requests().stream().map(WorkerRequest::asText).toList()));
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"e2b", "cloudflare"})
    void mountsCrossIntoARemoteSandboxAsBytesNeverAsCredentialsOrLinks(String name) throws Exception {
        Remote remote = remote(name);
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
        assertEquals(List.of(), remote.provider().unsupported(manifest));
        SandboxSpec spec = new SandboxSpec(run, session, manifest, Duration.ofMinutes(5));
        BucketMounts.RunMounts forRun = mounts.forRun(spec);

        BucketMounts.Uploads uploads;
        try (RunSandbox sandbox = RunSandbox.provision(remote.provider(), spec, forRun::materialise)) {
            ExecResult count = sandbox.change(s -> s.exec("wc -w < inputs/notes.txt | tr -d ' ' | tee outputs/count.txt",
                    null, Duration.ofSeconds(20), 4096));
            assertEquals("3\n", count.stdout(), count.stderr());
            uploads = forRun.uploadChanges(sandbox);
        }

        assertEquals(List.of("outputs/" + run + "/count.txt"), uploads.stored().stream().map(StoredObject::key).toList());
        assertEquals(List.of(), uploads.errors());
        assertEquals(List.of(), e2b.violations(), "every request to the fake E2B matched openapi.yml");
        String everything = remote.requests().get();
        assertTrue(everything.contains("one two three"), "the mounted bytes went through the provider's file API");
        for (String secret : List.of(S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY, "X-Amz-", s3proxy.endpoint().toString())) {
            assertFalse(everything.contains(secret), "a request to " + name + " carried " + secret);
        }
    }
}
