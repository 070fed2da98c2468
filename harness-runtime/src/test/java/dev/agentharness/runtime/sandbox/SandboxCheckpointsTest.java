package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.fakes.cloudflare.FakeCloudflareWorker;
import dev.agentharness.fakes.e2b.FakeE2bServer;
import dev.agentharness.runtime.sandbox.cloudflare.CloudflareSandboxProvider;
import dev.agentharness.runtime.sandbox.cloudflare.CloudflareSettings;
import dev.agentharness.runtime.sandbox.e2b.E2bSandboxProvider;
import dev.agentharness.runtime.sandbox.e2b.E2bSettings;
import dev.agentharness.runtime.agent.FunctionTool;
import dev.agentharness.runtime.agent.ToolContext;
import dev.agentharness.runtime.sandbox.local.LocalSandboxProvider;
import dev.agentharness.runtime.storage.ArtifactStore;
import dev.agentharness.runtime.storage.LinkSigner;
import dev.agentharness.runtime.storage.LocalArtifactStore;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.S3ArtifactStore;
import dev.agentharness.runtime.storage.S3Settings;
import dev.agentharness.runtime.storage.StoredObject;
import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Durable checkpoints on real parts: bubblewrap sandboxes, and both stores (s3proxy over HTTP, the local directory
 * store). "Another replica" is a second {@link SandboxPlane} with its own provider and snapshot directory and the
 * same storage; the checkpoint to resume from is named, as the lead names it from the run's journal.
 */
class SandboxCheckpointsTest {

    private static final String BUCKET = "checkpoints";
    private static final byte[] LOCAL_SIGNING_KEY = HexFormat.of().parseHex("c4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4ec4e0");
    private static final Manifest EMPTY = new Manifest(null, null, null, null);
    private static final long SNAPSHOT_MAX_BYTES = 200_000;
    private static S3ServerProcess s3proxy;
    private static S3ArtifactStore s3Store;
    private static final String CLOUDFLARE_KEY = "cf-checkpoint-key-5d0c1a";
    private static FakeE2bServer e2b;
    private static FakeCloudflareWorker cloudflare;

    @TempDir
    Path temp;

    private final List<Runnable> cleanups = new ArrayList<>();
    private final String runId = "run_" + UUID.randomUUID().toString().replace("-", "");

    @BeforeAll
    static void startS3proxy() {
        Bwrap.assumeInstalled();
        s3proxy = S3ServerProcess.s3proxy().start();
        S3Buckets.create(s3proxy.endpoint(), BUCKET);
        s3Store = new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY,
                BUCKET, s3proxy.endpoint().toString(), null).settings().orElseThrow(), Duration.ofSeconds(10));
        e2b = new FakeE2bServer().start(0);
        cloudflare = new FakeCloudflareWorker(CLOUDFLARE_KEY).start(0);
    }

    @AfterAll
    static void stopFakes() {
        if (e2b != null) {
            e2b.close();
        }
        if (cloudflare != null) {
            cloudflare.close();
        }
    }

    @AfterAll
    static void stopS3proxy() {
        if (s3Store != null) {
            s3Store.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    @AfterEach
    void cleanUp() {
        cleanups.forEach(Runnable::run);
    }

    private ArtifactStore store(String backend) throws Exception {
        return switch (backend) {
            case "s3proxy" -> s3Store;
            case "local" -> new LocalArtifactStore(Files.createDirectories(temp.resolve("store")),
                    new LinkSigner(LOCAL_SIGNING_KEY, Clock.systemUTC()), null);
            default -> throw new IllegalArgumentException(backend);
        };
    }

    /** One replica: its own bubblewrap provider and snapshot directory, the shared storage. */
    private SandboxPlane replica(String name, SandboxProvider provider, ArtifactStore store) {
        return new SandboxPlane(Optional.of(provider), Optional.empty(), Duration.ofMinutes(5), Duration.ofSeconds(30),
                SnapshotStore.open(temp.resolve(name).resolve("snapshots"), SNAPSHOT_MAX_BYTES, SNAPSHOT_MAX_BYTES * 8),
                new StoredCheckpoints(store));
    }

    private SandboxProvider bwrap(String replica) {
        return new LocalSandboxProvider(temp.resolve(replica).resolve("sandboxes"));
    }

    /** A replica's client of a remote provider (the fake): each replica has its own, the account is shared. */
    private static SandboxProvider remote(String provider) {
        return switch (provider) {
            case "e2b" -> new E2bSandboxProvider(E2bSettings.resolve(e2b.apiKey(), null, e2b.url(), null, e2b.url(),
                    "checkpoint-tests").settings().orElseThrow());
            case "cloudflare" -> new CloudflareSandboxProvider(CloudflareSettings.resolve(
                    Optional.of(cloudflare.url() + "/"), Optional.of(CLOUDFLARE_KEY)));
            default -> throw new IllegalArgumentException(provider);
        };
    }

    private RunSandbox open(SandboxPlane plane, Optional<String> resumeFrom) throws SandboxException {
        RunSandbox sandbox = plane.open(runId, "ses", EMPTY, null, resumeFrom);
        cleanups.add(() -> plane.close(runId, sandbox, true));
        return sandbox;
    }

    /** Calls a bound sandbox tool as the runner does: with the model's call id in the context. */
    private String call(SandboxPlane plane, RunSandbox sandbox, String tool, String callId, String argumentsJson)
            throws Exception {
        FunctionTool bound = plane.tools(sandbox).stream().filter(t -> t.name().equals(tool)).findFirst().orElseThrow();
        return bound.invoker().invoke(new ToolContext(runId, "ses", "alice", "analyst", callId), argumentsJson);
    }

    private String listing(SandboxPlane plane, RunSandbox sandbox) throws Exception {
        return call(plane, sandbox, "list_files", "call_list_" + UUID.randomUUID(), "{\"path\":null}");
    }

    private List<String> storedKeys(ArtifactStore store) {
        return store.list(ObjectKeys.checkpoints(runId), 100).stream().map(StoredObject::key).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void anotherReplicaResumesInTheWorkspaceOfTheNamedCheckpointNotTheNewest(String backend) throws Exception {
        ArtifactStore store = store(backend);
        SandboxPlane first = replica("replica-a", bwrap("replica-a"), store);
        RunSandbox sandbox = open(first, Optional.empty());
        call(first, sandbox, "write_file", "call_1", "{\"path\":\"a.txt\",\"content\":\"one\"}");
        call(first, sandbox, "exec_command", "call_2",
                "{\"cmd\":\"echo two > b.txt && rm a.txt\",\"workdir\":null,\"yield_time_ms\":null,\"max_output_tokens\":null}");
        call(first, sandbox, "write_file", "call_3", "{\"path\":\"c.txt\",\"content\":\"three\"}");
        // The replica stops (its lease was lost) before call_3's output reached the journal: the checkpoints stay.
        first.close(runId, sandbox, true);
        assertTrue(storedKeys(store).containsAll(List.of(ObjectKeys.checkpoints(runId) + "call_2.tar",
                ObjectKeys.checkpoints(runId) + "call_3.tar")), storedKeys(store).toString());

        BucketMountsTest.RecordingProvider recording = new BucketMountsTest.RecordingProvider(bwrap("replica-b"));
        SandboxPlane second = replica("replica-b", recording, store);
        RunSandbox resumed = open(second, Optional.of("call_2"));
        assertEquals("b.txt (4 bytes)\n", listing(second, resumed), "the workspace after call_2, not after call_3");
        assertEquals("two\n", call(second, resumed, "read_file", "call_r", "{\"path\":\"b.txt\"}"));

        // The run goes on there: its next change is checkpointed, and the end of the run deletes every checkpoint.
        call(second, resumed, "write_file", "call_3", "{\"path\":\"c.txt\",\"content\":\"again\"}");
        String environment = call(second, resumed, "exec_command", "call_env",
                "{\"cmd\":\"env; cat /proc/self/environ\",\"workdir\":null,\"yield_time_ms\":null,\"max_output_tokens\":null}");
        for (String secret : List.of(S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY, "X-Amz-", "X-Harness-Signature",
                ObjectKeys.CHECKPOINTS, s3proxy.endpoint().toString())) {
            assertFalse(recording.recorded().contains(secret), "a call into the resumed sandbox carried " + secret);
            assertFalse(environment.contains(secret), "the resumed sandbox's environment holds " + secret);
        }
        second.close(runId, resumed, false);
        assertEquals(List.of(), storedKeys(store));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aRunFailedByTheLeaseSweepLeavesNoCheckpointBehind(String backend) throws Exception {
        ArtifactStore store = store(backend);
        SandboxPlane died = replica("replica-a", bwrap("replica-a"), store);
        RunSandbox sandbox = open(died, Optional.empty());
        call(died, sandbox, "write_file", "call_1", "{\"path\":\"a.txt\",\"content\":\"one\"}");
        died.close(runId, sandbox, true); // its replica died: nobody closes the run's sandbox for good
        assertFalse(storedKeys(store).isEmpty());

        // The replica whose sweep failed the run (recoveries used up) discards what only a resume could have used.
        replica("replica-b", bwrap("replica-b"), store).discardCheckpoints(runId);

        assertEquals(List.of(), storedKeys(store));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aCallWhoseSnapshotWasRefusedResumesInTheWorkspaceTheRunKept(String backend) throws Exception {
        ArtifactStore store = store(backend);
        SandboxPlane first = replica("replica-a", bwrap("replica-a"), store);
        RunSandbox sandbox = open(first, Optional.empty());
        String big = "{\"cmd\":\"head -c 300000 /dev/urandom > %s\",\"workdir\":null,\"yield_time_ms\":null,"
                + "\"max_output_tokens\":null}";
        String refused = call(first, sandbox, "exec_command", "call_1", big.formatted("big1.bin"));
        assertTrue(refused.contains("[note: the workspace is larger than " + SNAPSHOT_MAX_BYTES), refused);
        call(first, sandbox, "exec_command", "call_2", "{\"cmd\":\"rm big1.bin && echo small > a.txt\","
                + "\"workdir\":null,\"yield_time_ms\":null,\"max_output_tokens\":null}");
        call(first, sandbox, "exec_command", "call_3", big.formatted("big2.bin"));
        first.close(runId, sandbox, true);

        SandboxPlane second = replica("replica-b", bwrap("replica-b"), store);
        RunSandbox beforeAnyCheckpoint = open(second, Optional.of("call_1"));
        assertEquals("(empty directory)", listing(second, beforeAnyCheckpoint), "call_1 kept no snapshot: as prepared");
        second.close(runId, beforeAnyCheckpoint, true);

        RunSandbox afterRefusal = open(second, Optional.of("call_3"));
        assertEquals("a.txt (6 bytes)\n", listing(second, afterRefusal), "call_3 kept no snapshot: call_2's workspace");
        // Resumed, then lost again before any change here: the replacement comes back from the same checkpoint.
        afterRefusal.read(s -> {
            s.destroy();
            return null;
        });
        assertEquals("a.txt (6 bytes)\n", listing(second, afterRefusal));
        assertEquals(1, afterRefusal.resumes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void checkpointsOlderThanTheLastRecordedOutputAreDeletedExceptTheOneItStandsFor(String backend) throws Exception {
        ArtifactStore store = store(backend);
        SandboxPlane first = replica("replica-a", bwrap("replica-a"), store);
        RunSandbox sandbox = open(first, Optional.empty());
        String exec = "{\"cmd\":\"%s\",\"workdir\":null,\"yield_time_ms\":null,\"max_output_tokens\":null}";
        call(first, sandbox, "exec_command", "call_1", exec.formatted("head -c 300000 /dev/urandom > big.bin"));
        call(first, sandbox, "exec_command", "call_2", exec.formatted("rm big.bin && echo small > a.txt"));
        call(first, sandbox, "exec_command", "call_3", exec.formatted("head -c 300000 /dev/urandom > big.bin"));
        call(first, sandbox, "exec_command", "call_4", exec.formatted("rm big.bin && echo b > b.txt"));
        String prefix = ObjectKeys.checkpoints(runId);
        assertEquals(List.of(prefix + "call_1.ref", prefix + "call_2.tar", prefix + "call_3.ref", prefix + "call_4.tar"),
                storedKeys(store).stream().sorted().toList());

        sandbox.recorded("call_3");
        assertEquals(List.of(prefix + "call_2.tar", prefix + "call_3.ref", prefix + "call_4.tar"),
                storedKeys(store).stream().sorted().toList(), "call_3 stands for call_2's workspace: that one stays");
        first.close(runId, sandbox, true);
        SandboxPlane second = replica("replica-b", bwrap("replica-b"), store);
        RunSandbox resumed = open(second, Optional.of("call_3"));
        assertEquals("a.txt (6 bytes)\n", listing(second, resumed));
        second.close(runId, resumed, true);

        RunSandbox again = open(second, Optional.of("call_4"));
        call(second, again, "write_file", "call_5", "{\"path\":\"c.txt\",\"content\":\"c\"}");
        again.recorded("call_5");
        assertEquals(List.of(prefix + "call_2.tar", prefix + "call_3.ref", prefix + "call_4.tar", prefix + "call_5.tar"),
                storedKeys(store).stream().sorted().toList(), "an earlier replica's checkpoints go when the run ends");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aCheckpointThatWasNeverStoredIsAClearErrorAndLeavesNothingActive(String backend) throws Exception {
        ArtifactStore store = store(backend);
        SandboxPlane plane = replica("replica-b", bwrap("replica-b"), store);
        SandboxException e = assertThrows(SandboxException.class, () -> open(plane, Optional.of("call_404")));
        assertEquals("the run's workspace cannot be restored: no checkpoint call_404 of run " + runId + " is stored",
                e.getMessage());
        assertEquals(java.util.Set.of(), plane.activeRuns());
        assertEquals(List.of(), bwrap("replica-b").owned(), "the sandbox provisioned for it is gone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void checkpointsAreNeverHandedOutAsLinks(String backend) throws Exception {
        ArtifactStore store = store(backend);
        String key = ObjectKeys.checkpoint(runId, "call_1.tar");
        assertThrows(ObjectKeys.InvalidNameException.class, () -> store.presignGet(key, Duration.ofMinutes(1)));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> store.presignPut(key, Duration.ofMinutes(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"e2b", "cloudflare"})
    void remoteProvidersResumeFromTheNamedCheckpointThroughTheSameSnapshotSpi(String provider) throws Exception {
        ArtifactStore store = store("local");
        SandboxPlane first = replica("replica-a", remote(provider), store);
        RunSandbox sandbox = open(first, Optional.empty());
        call(first, sandbox, "write_file", "call_1", "{\"path\":\"a.txt\",\"content\":\"one\"}");
        call(first, sandbox, "exec_command", "call_2",
                "{\"cmd\":\"echo two > b.txt && rm a.txt\",\"workdir\":null,\"yield_time_ms\":null,\"max_output_tokens\":null}");
        call(first, sandbox, "write_file", "call_3", "{\"path\":\"c.txt\",\"content\":\"three\"}");
        first.close(runId, sandbox, true);

        SandboxPlane second = replica("replica-b", remote(provider), store);
        RunSandbox resumed = open(second, Optional.of("call_2"));
        assertEquals("b.txt (4 bytes)\n", listing(second, resumed), "the workspace after call_2, not after call_3");
        assertEquals("two\n", call(second, resumed, "read_file", "call_r", "{\"path\":\"b.txt\"}"));
        second.close(runId, resumed, false);
        assertEquals(List.of(), storedKeys(store));
        if (provider.equals("e2b")) {
            assertEquals(List.of(), e2b.violations(), "every request valid against E2B's openapi.yml");
        }
    }
}
