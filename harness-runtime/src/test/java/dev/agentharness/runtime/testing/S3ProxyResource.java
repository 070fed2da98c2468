package dev.agentharness.runtime.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts s3proxy (SigV4-checking S3 server) with a bucket and points the harness at it through
 * {@code S3_ENDPOINT} and the R2 credential variables. Tests stop and restart it via {@link #server()}.
 */
public class S3ProxyResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "harness-artifacts";

    private static volatile S3ServerProcess server;

    public static S3ServerProcess server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = S3ServerProcess.s3proxy().start();
        S3Buckets.create(server.endpoint(), BUCKET);
        return Map.of(
                "harness.storage.s3-endpoint", server.endpoint().toString(),
                "harness.storage.r2.access-key-id", S3ServerProcess.ACCESS_KEY,
                "harness.storage.r2.secret-access-key", S3ServerProcess.SECRET_KEY,
                "harness.storage.r2.bucket", BUCKET,
                // A dead store must fail a save in seconds, not hold the run for the SDK's retries.
                "harness.storage.call-timeout", "PT5S");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
