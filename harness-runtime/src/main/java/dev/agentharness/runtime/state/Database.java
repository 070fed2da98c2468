package dev.agentharness.runtime.state;

import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The harness database: a Vert.x pool against {@code DATABASE_URL}, or an embedded PostgreSQL when it is unset.
 * Migrations run at boot (synchronously for the embedded database, in the background with backoff for an external
 * one): an unreachable external database does not stop the service from starting — it reports not ready and keeps
 * retrying.
 */
@Startup
@ApplicationScoped
public class Database {

    private static final Logger LOG = Logger.getLogger(Database.class);
    private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(60);
    /** Closing is best effort: a pool stuck on a silent server must not hold up shutdown. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final Vertx vertx;
    private final DatabaseSettings settings;
    private final Migrator migrator;

    private volatile Pool pool;
    private volatile Pool leasePool;
    private volatile boolean ready;
    private final CountDownLatch readyLatch = new CountDownLatch(1);
    private EmbeddedPostgresServer embedded;
    private ScheduledExecutorService retries;
    private DatabaseUrl appUrl;
    private DatabaseUrl migrationUrl;

    @Inject
    public Database(Vertx vertx,
            @ConfigProperty(name = "harness.database.url") Optional<String> url,
            @ConfigProperty(name = "harness.database.direct-url") Optional<String> directUrl,
            @ConfigProperty(name = "harness.database.pool-size", defaultValue = "10") int poolSize,
            @ConfigProperty(name = "harness.data-dir", defaultValue = "data") Path dataDir,
            @ConfigProperty(name = "harness.database.call-timeout", defaultValue = "30s") Duration callTimeout,
            @ConfigProperty(name = "harness.database.tls-verify", defaultValue = "true") String tlsVerify) {
        this(vertx, new DatabaseSettings(url, directUrl, poolSize, dataDir, callTimeout,
                DatabaseUrl.tlsVerification(tlsVerify)), Migrator.fromClasspath());
    }

    public Database(Vertx vertx, DatabaseSettings settings, Migrator migrator) {
        this.vertx = vertx;
        this.settings = settings;
        this.migrator = migrator;
    }

    @PostConstruct
    public void start() {
        if (settings.external()) {
            appUrl = DatabaseUrl.parse(settings.url().orElseThrow(), settings.tlsVerify());
            if (settings.directUrl().isPresent()) {
                migrationUrl = DatabaseUrl.parse(settings.directUrl().get(), settings.tlsVerify());
            } else {
                migrationUrl = appUrl;
                LOG.warn("DATABASE_DIRECT_URL is not set: running migrations through DATABASE_URL. With Neon, set it to "
                        + "the direct (non-pooler) endpoint");
            }
            LOG.infof("Using external PostgreSQL %s", appUrl.redacted());
        } else {
            if (!vertx.isNativeTransportEnabled()) {
                // The embedded database listens on a Unix socket only; Vert.x 4.5 reaches one only natively.
                throw new IllegalStateException("the embedded database needs Vert.x's native transport "
                        + "(quarkus.vertx.prefer-native-transport=true, with Netty's epoll transport on Linux amd64/arm64 or "
                        + "kqueue on macOS on the class path): set DATABASE_URL to a PostgreSQL server otherwise",
                        vertx.unavailableNativeTransportCause());
            }
            embedded = EmbeddedPostgresServer.start(settings.dataDir().resolve("postgres"));
            appUrl = embedded.url();
            migrationUrl = appUrl;
        }
        pool = newPool("harness", appUrl.connectOptions(), settings.poolSize());
        leasePool = newPool("harness-leases", appUrl.connectOptions(), 1);
        if (settings.external()) {
            // Never block boot on a network database: a silent endpoint can hold a connection attempt for a long
            // time. Migrate in the background; ready() says when the schema is there.
            retries = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("db-migrate").factory());
            scheduleAttempt(Duration.ZERO);
        } else if (!tryMigrate()) {
            throw new MigrationException("migrations failed on the embedded database; see the log above");
        }
    }

    @PreDestroy
    public void stop() {
        if (retries != null) {
            retries.shutdownNow();
        }
        for (Pool current : new Pool[] {leasePool, pool}) {
            if (current != null) {
                Blocking.awaitQuietly(current.close(), CLOSE_TIMEOUT);
            }
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    /** The application pool (pooled endpoint). Always present after start; connections are made lazily. */
    public Pool pool() {
        Pool current = pool;
        if (current == null) {
            throw new IllegalStateException("database not started");
        }
        return current;
    }

    /**
     * One connection of its own for lease heartbeats: renewals must not queue behind claims, submissions and
     * synchronous waiters on the application pool, or a busy replica loses runs it is executing.
     */
    public Pool leasePool() {
        Pool current = leasePool;
        if (current == null) {
            throw new IllegalStateException("database not started");
        }
        return current;
    }

    /** True when DATABASE_URL is set (a real cloud database), false for the embedded fallback. */
    public boolean external() {
        return settings.external();
    }

    /** True once migrations are applied: until then repositories must not be used. */
    public boolean ready() {
        return ready;
    }

    /** Waits up to {@code timeout} for {@link #ready()}; for workers that must not touch the schema before it exists. */
    public boolean awaitReady(Duration timeout) {
        try {
            return readyLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How long a blocking repository call waits. */
    public Duration callTimeout() {
        return settings.callTimeout();
    }

    /** {@code SELECT 1}: false on any error; never throws; returns within {@code timeout}. */
    public boolean ping(Duration timeout) {
        try {
            Pool current = pool;
            return current != null && Blocking.await(current.query("SELECT 1").execute(), timeout).size() == 1;
        } catch (RuntimeException e) {
            LOG.debugf("Database ping failed: %s", e.getMessage());
            return false;
        }
    }

    private boolean tryMigrate() {
        // A short-lived pool: migrations go to the direct endpoint, which may differ from the pooled one.
        Pool migrationPool = newPool("harness-migrations", migrationUrl.connectOptions(), 1);
        try {
            migrator.migrate(migrationPool, MIGRATION_TIMEOUT);
            ready = true;
            readyLatch.countDown();
            LOG.info("Database schema is up to date");
            return true;
        } catch (MigrationException e) {
            // An edited migration or broken script: retrying cannot help, so fail loudly.
            throw e;
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return false; // shutting down
            }
            LOG.warnf("Database %s is unreachable, running without it until it answers (retrying in the background): %s%s",
                    migrationUrl.redacted(), rootMessage(e), tlsHint(e));
            return false;
        } finally {
            Blocking.awaitQuietly(migrationPool.close(), CLOSE_TIMEOUT);
        }
    }

    private void scheduleAttempt(Duration delay) {
        retries.schedule(() -> {
            try {
                if (!tryMigrate()) {
                    Duration next = delay.isZero() ? FIRST_RETRY : delay.multipliedBy(2);
                    scheduleAttempt(next.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : next);
                }
            } catch (MigrationException e) {
                LOG.error("Database migrations cannot be applied; the harness stays not ready", e);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Pool newPool(String name, PgConnectOptions options, int maxSize) {
        PoolOptions poolOptions = new PoolOptions()
                // Distinct names keep the two pools apart in metrics (sql.pool.* gauges are keyed by pool name).
                .setName(name)
                .setMaxSize(maxSize)
                // Unbounded wait queue: a burst of runs queues for a connection instead of failing.
                .setMaxWaitQueueSize(-1)
                .setIdleTimeout(5)
                .setIdleTimeoutUnit(TimeUnit.MINUTES);
        return PgBuilder.pool().with(poolOptions).connectingTo(options).using(vertx).build();
    }

    private static String tlsHint(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // Vert.x reports a refused certificate as a bare "SSL handshake failed".
            if (t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertificateException
                    || String.valueOf(t.getMessage()).contains("SSL handshake failed")) {
                return " (the database's TLS certificate or host name was not accepted: add sslrootcert=<CA PEM file> to "
                        + "the URL, or set DATABASE_TLS_VERIFY=false to encrypt without verifying — not recommended)";
            }
        }
        return "";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
