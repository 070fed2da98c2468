package dev.agentharness.runtime.state;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the database is. {@code url} empty → embedded PostgreSQL under {@code dataDir/postgres}.
 *
 * @param url pooled endpoint for the application ({@code DATABASE_URL})
 * @param directUrl direct endpoint for migrations ({@code DATABASE_DIRECT_URL}); falls back to {@code url}
 * @param poolSize maximum connections of the application pool
 * @param dataDir the harness data directory ({@code HARNESS_DATA_DIR})
 * @param callTimeout how long a blocking repository call waits for the database
 * @param tlsVerify whether {@code sslmode=require} verifies the server certificate ({@code DATABASE_TLS_VERIFY})
 */
public record DatabaseSettings(Optional<String> url, Optional<String> directUrl, int poolSize, Path dataDir,
        Duration callTimeout, boolean tlsVerify) {

    public DatabaseSettings(Optional<String> url, Optional<String> directUrl, int poolSize, Path dataDir,
            Duration callTimeout) {
        this(url, directUrl, poolSize, dataDir, callTimeout, true);
    }

    public DatabaseSettings {
        url = url.filter(s -> !s.isBlank());
        directUrl = directUrl.filter(s -> !s.isBlank());
        if (poolSize < 1) {
            throw new IllegalArgumentException("harness.database.pool-size must be at least 1");
        }
    }

    public boolean external() {
        return url.isPresent();
    }
}
