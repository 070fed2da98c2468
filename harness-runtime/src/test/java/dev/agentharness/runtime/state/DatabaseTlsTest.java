package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.testing.LocalPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, finding 12, against a real PostgreSQL with {@code ssl=on} and a self-signed certificate for
 * {@code localhost}: {@code sslmode=require} refuses a certificate nobody vouched for, connects once it is trusted via
 * {@code sslrootcert}, checks the host name, and only encrypts when verification is switched off.
 */
class DatabaseTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static LocalPostgres postgres;
    private static Vertx vertx;
    private static Path certificate;

    @BeforeAll
    static void start() throws Exception {
        postgres = LocalPostgres.start();
        Path dir = postgres.directory();
        certificate = dir.resolve("server.crt");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                "-keyout", dir.resolve("server.key").toString(), "-out", certificate.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            run(List.of("chown", "postgres:postgres", dir.resolve("server.key").toString(), certificate.toString()));
        }
        run(List.of("chmod", "0600", dir.resolve("server.key").toString()));
        postgres.psql("postgres", "ALTER SYSTEM SET ssl_cert_file = '" + certificate + "'");
        postgres.psql("postgres", "ALTER SYSTEM SET ssl_key_file = '" + dir.resolve("server.key") + "'");
        postgres.psql("postgres", "ALTER SYSTEM SET ssl = on");
        postgres.stopServer();
        postgres.startServer();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        if (vertx != null) {
            Blocking.awaitQuietly(vertx.close(), WAIT);
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void require_refuses_a_certificate_that_is_not_trusted() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> query(url("localhost", "require"), true));
        assertTrue(isHandshakeFailure(refused), "a TLS handshake failure, got " + refused);
    }

    @Test
    void require_connects_once_sslrootcert_trusts_the_certificate_and_then_it_is_encrypted() {
        assertEquals("true", query(url("localhost", "require") + "&sslrootcert=" + certificate, true));
        assertEquals("true", query(url("localhost", "verify-full") + "&sslrootcert=" + certificate
                + "&channel_binding=require", true));
    }

    @Test
    void require_checks_the_host_name_and_verify_ca_does_not() {
        // The certificate names localhost only.
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> query(url("127.0.0.1", "require") + "&sslrootcert=" + certificate, true));
        assertTrue(isHandshakeFailure(refused), "a host name mismatch, got " + refused);
        assertEquals("true", query(url("127.0.0.1", "verify-ca") + "&sslrootcert=" + certificate, true));
    }

    @Test
    void require_without_verification_only_encrypts() {
        assertEquals("true", query(url("127.0.0.1", "require"), false));
    }

    private static String url(String host, String sslMode) {
        return "postgresql://" + LocalPostgres.USER + ":" + LocalPostgres.encodedPassword() + "@" + host + ":"
                + postgres.port() + "/postgres?sslmode=" + sslMode;
    }

    /** Whether the session is encrypted, as the server sees it. */
    private static String query(String url, boolean verifyRequire) {
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
                .connectingTo(DatabaseUrl.parse(url, verifyRequire).connectOptions()).using(vertx).build();
        try {
            return Blocking.await(pool.query("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .execute(), WAIT).iterator().next().getString("ssl");
        } finally {
            Blocking.awaitQuietly(pool.close(), WAIT);
        }
    }

    /** Vert.x reports a refused certificate as "SSL handshake failed" (a VertxException without the JSSE cause). */
    private static boolean isHandshakeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLHandshakeException || String.valueOf(t.getMessage()).contains("SSL handshake failed")) {
                return true;
            }
        }
        return false;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
